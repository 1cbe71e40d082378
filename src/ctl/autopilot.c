/* ctl: hookgatectl autopilot create|list|show|set-status, through db/autopilot. */
#include "config.h"

#include <string.h>

#include "ctl/ctl.h"
#include "db/autopilot.h"

/* Whether status is an autopilot's; else says which are. */
static bool status_valid(const char *status)
{
	if (autopilot_status_valid(status))
		return true;
	ctl_error("invalid status '%s' (expected active, paused or archived)", status);
	return false;
}

enum ctl_rc ctl_autopilot_create(struct ctl *c, int argc, char **argv)
{
	struct autopilot_fields f = { 0 };
	const char *workspace = NULL;
	const struct ctl_arg args[] = {
		{ "workspace", CTL_REQUIRED, &workspace, NULL },
		{ "title", CTL_REQUIRED, &f.title, NULL },
		{ "description", CTL_OPTIONAL, &f.description, NULL },
		{ "status", CTL_OPTIONAL, &f.status, NULL },
		{ "runtime", CTL_OPTIONAL, &f.runtime_id, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char workspace_id[STORE_ID_LEN];
	struct json_object *out = NULL;
	enum store_rc src;

	ctl_parse_args(argc, argv, args);
	if (f.title[0] == '\0') {
		ctl_error("--title must not be empty");
		return CTL_FAIL;
	}
	if ((f.status && !status_valid(f.status)) ||
	    (f.runtime_id && !ctl_id_valid("runtime", f.runtime_id)))
		return CTL_FAIL;
	if (!ctl_connect(c) || !ctl_workspace_id(workspace, workspace_id))
		return CTL_FAIL;
	src = autopilot_create(workspace_id, &f, &out);
	if (src == STORE_NOT_FOUND) {
		ctl_error("runtime '%s' not found in workspace '%s'", f.runtime_id, workspace);
		return CTL_FAIL;
	}
	return ctl_answer(src, &out, "cannot create autopilot", "workspace", workspace);
}

const struct ctl_owned ctl_autopilot_list = { .of_workspace = autopilot_list,
					       .what = "cannot list autopilots" };

const struct ctl_scoped ctl_autopilot_show = { "AUTOPILOT_ID", "autopilot", autopilot_owner,
					       .call = autopilot_show,
					       .what = "cannot read the autopilot" };

enum ctl_rc ctl_autopilot_set_status(struct ctl *c, int argc, char **argv)
{
	struct autopilot_fields f = { 0 };
	const char *id = NULL, *missing;
	const struct ctl_arg args[] = {
		{ "AUTOPILOT_ID", CTL_POSITIONAL, &id, NULL },
		{ "STATUS", CTL_POSITIONAL, &f.status, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char workspace_id[STORE_ID_LEN];
	struct json_object *out = NULL;

	ctl_parse_args(argc, argv, args);
	if (!ctl_id_valid("autopilot", id) || !status_valid(f.status) || !ctl_connect(c) ||
	    !ctl_found(autopilot_owner(id, workspace_id), "autopilot", id, "cannot read the autopilot"))
		return CTL_FAIL;
	return ctl_answer(autopilot_update(workspace_id, id, &f, &out, &missing), &out,
			  "cannot set the status", "autopilot", id);
}
