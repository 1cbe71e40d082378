/* ctl: hookgatectl apikey create|list|revoke, through db/apikey. */
#include "config.h"

#include <string.h>

#include "ctl/ctl.h"
#include "db/apikey.h"

enum ctl_rc ctl_apikey_create(struct ctl *c, int argc, char **argv)
{
	const char *workspace = NULL, *scope = NULL, *name = NULL;
	const struct ctl_arg args[] = {
		{ "workspace", CTL_REQUIRED, &workspace, NULL },
		{ "scope", CTL_OPTIONAL, &scope, NULL },
		{ "name", CTL_OPTIONAL, &name, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char workspace_id[STORE_ID_LEN];
	struct json_object *out = NULL;
	bool known = false;

	ctl_parse_args(argc, argv, args);
	if (!scope)
		scope = apikey_scopes[0];
	for (size_t i = 0; apikey_scopes[i]; i++)
		known = known || strcmp(scope, apikey_scopes[i]) == 0;
	if (!known) {
		ctl_error("invalid scope '%s' (expected read or write)", scope);
		return CTL_FAIL;
	}
	if (!name)
		name = "";
	if (!ctl_connect(c) || !ctl_workspace_id(workspace, workspace_id))
		return CTL_FAIL;
	/* the only time the key is shown */
	return ctl_answer(apikey_create(workspace_id, name, scope, &out), &out,
			  "cannot create API key", "workspace", workspace);
}

const struct ctl_owned ctl_apikey_list = { .of_workspace = apikey_list,
					    .what = "cannot list API keys" };

enum ctl_rc ctl_apikey_revoke(struct ctl *c, int argc, char **argv)
{
	struct json_object *out = NULL;
	const char *id;

	if (!ctl_id_arg(c, argc, argv, "APIKEY_ID", "API key", &id))
		return CTL_FAIL;
	return ctl_answer(apikey_revoke(id, &out), &out, "cannot revoke API key", "API key", id);
}
