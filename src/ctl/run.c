/* run: hookgatectl run list and show, over db/run (SPEC 9). */
#include "config.h"

#include "ctl/ctl.h"
#include "db/run.h"

enum ctl_rc ctl_run_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list_of_autopilot(c, argc, argv, &run_rows, "cannot list runs");
}

enum ctl_rc ctl_run_show(struct ctl *c, int argc, char **argv)
{
	return ctl_show(c, argc, argv, "RUN_ID", "run", run_show);
}
