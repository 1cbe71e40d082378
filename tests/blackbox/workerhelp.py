"""workerhelp: hookgate-worker as a child process with its own config and log, for the black-box,
failover and chaos tests."""

import os
import signal
import subprocess

import harness
from harness import clean_env, wait_for

WORKER = os.path.join(harness.BUILDDIR, "hookgate-worker")


class Worker:
    """hookgate-worker -c DIR/NAME/hookgate.conf --runtime RUNTIME --exec COMMAND..., logging to
    DIR/NAME/worker.log. config adds or replaces hookgate.conf keys (short leases by default)."""

    def __init__(self, base, name, conninfo, runtime, command, **config):
        self.dir = os.path.join(base, name)
        os.makedirs(self.dir, exist_ok=True)
        self.log = os.path.join(self.dir, "worker.log")
        values = {"worker_lease_s": 6, "worker_timeout_s": 60, "runtime_offline_after": 90}
        values.update(config)
        self.config = harness.write_config(os.path.join(self.dir, "hookgate.conf"), conninfo,
                                           "/hookgate-worker-unused", **values)
        self.argv = [WORKER, "-c", self.config, "--runtime", runtime, "--exec"] + list(command)
        self.proc = None
        self.logf = None

    def start(self):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=clean_env(),
                                     start_new_session=True)
        wait_for(lambda: "worker started" in self.log_text() or self.proc.poll() is not None,
                 15, "hookgate-worker to start")
        assert self.proc.poll() is None, "worker exited: %s" % self.log_text()
        return self

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def kill(self):
        """SIGKILL to the worker's process group (its command has a group of its own)."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        if self.logf:
            self.logf.close()
            self.logf = None

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.logf:
            self.logf.close()
            self.logf = None
