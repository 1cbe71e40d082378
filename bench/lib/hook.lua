-- hook.lua: wrk script of bench/run: signed webhook POSTs cycled from a file, one
-- answer checked per request, a result line for bench/run.
--
-- wrk ... -s hook.lua URL -- REQFILE PATHFILE STATUS MATCH KEYMODE KEY LIMIT DONE
--   REQFILE   lines "<X-Hub-Signature-256 value>\t<body>" (bench/run signs them:
--             wrk's Lua has no HMAC); "-": GET requests without a body
--   PATHFILE  request paths, one a line, cycled (16 triggers: 16 lines)
--   STATUS    the HTTP status every answer must have
--   MATCH     a string the answer's body must contain, "-" for none
--   KEYMODE   unique: Idempotency-Key KEY-<thread>-<n>, new for every request;
--             same: Idempotency-Key KEY on every request; none: no key
--   LIMIT     stop each thread after this many answers (0: run for -d); a
--             thread that stops creates DONE.<thread>, so that bench/run can
--             end wrk's own wait for -d (SIGINT) once every thread is done
--   DONE      the prefix of those files
-- The signature covers the body only, so a unique key per request keeps the
-- precomputed signatures valid. Answers that differ from STATUS/MATCH count as
-- bad; the done() line also carries wrk's socket errors and latency percentiles.
-- BENCH_DELAY_MS in the environment: each connection waits that long before
-- each request (a paced load; wrk reads delay() before init() runs).

local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pace and pace > 0 then
	function delay()
		return pace
	end
end

local threads = {}
local counter = 1

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

function init(args)
	reqs, paths, n, answered, bad = {}, {}, 0, 0, 0
	if args[1] ~= "-" then
		for line in io.lines(args[1]) do
			local tab = line:find("\t", 1, true)
			reqs[#reqs + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
		end
	end
	for line in io.lines(args[2]) do
		paths[#paths + 1] = line
	end
	expect = tonumber(args[3])
	match = args[4] ~= "-" and args[4] or nil
	keymode = args[5]
	key = args[6]
	limit = tonumber(args[7])
	donefile = args[8]
	-- threads start at different places of the request file
	n = (id - 1) * 7
end

function request()
	n = n + 1
	if #reqs == 0 then
		return wrk.format("GET", paths[n % #paths + 1])
	end
	local r = reqs[n % #reqs + 1]
	local h = { ["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = r[1] }
	if keymode == "unique" then
		h["Idempotency-Key"] = key .. "-" .. id .. "-" .. n
	elseif keymode == "same" then
		h["Idempotency-Key"] = key
	end
	return wrk.format("POST", paths[n % #paths + 1], h, r[2])
end

function response(status, headers, body)
	answered = answered + 1
	if status ~= expect or (match and not body:find(match, 1, true)) then
		bad = bad + 1
		if bad == 1 then
			io.stderr:write(string.format("hook.lua: first bad answer: %d %s\n",
				status, body:sub(1, 200)))
		end
	end
	if limit > 0 and answered == limit then
		io.open(donefile .. "." .. id, "w"):close()
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	local b = 0
	for _, t in ipairs(threads) do
		b = b + t:get("bad")
	end
	local e = summary.errors
	io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d bad=%d "
		.. "socket_errors=%d\n", summary.requests, summary.duration,
		latency:percentile(50), latency:percentile(99), b,
		e.connect + e.read + e.write + e.timeout))
end
