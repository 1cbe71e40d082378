/* ctl: hookgatectl runtime create|list|heartbeat, through db/runtime (the API's JSON, online included). */
#include "config.h"

#include "ctl/ctl.h"
#include "db/runtime.h"

enum ctl_rc ctl_runtime_create(struct ctl *c, int argc, char **argv)
{
	const char *workspace = NULL, *name = NULL;
	const struct ctl_arg args[] = {
		{ "workspace", CTL_REQUIRED, &workspace, NULL },
		{ "name", CTL_REQUIRED, &name, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char workspace_id[STORE_ID_LEN];
	struct json_object *out = NULL;

	ctl_parse_args(argc, argv, args);
	if (name[0] == '\0') {
		ctl_error("--name must not be empty");
		return CTL_FAIL;
	}
	if (!ctl_connect(c) || !ctl_workspace_id(workspace, workspace_id))
		return CTL_FAIL;
	return ctl_answer(runtime_create(workspace_id, name, c->settings.runtime_offline_after, &out),
			  &out, "cannot create runtime", "workspace", workspace);
}

const struct ctl_owned ctl_runtime_list = { .of_workspace_live = runtime_list,
					     .what = "cannot list runtimes" };

const struct ctl_scoped ctl_runtime_heartbeat = { "RUNTIME_ID", "runtime", runtime_owner,
						  .call_live = runtime_heartbeat,
						  .what = "cannot record the heartbeat" };
