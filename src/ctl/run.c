/* run: hookgatectl run list and show, over db/run (SPEC 9). */
#include "config.h"

#include "ctl/ctl.h"
#include "db/run.h"

static const struct ctl_list runs = {
	.thing = "run",
	.statuses = run_statuses,
	.cursor = run_cursor,
	.page = run_page,
	.row_json = run_json,
	.what = "cannot list runs",
};

enum ctl_rc ctl_run_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list_of_autopilot(c, argc, argv, &runs);
}

enum ctl_rc ctl_run_show(struct ctl *c, int argc, char **argv)
{
	return ctl_show(c, argc, argv, "RUN_ID", "run", run_show);
}
