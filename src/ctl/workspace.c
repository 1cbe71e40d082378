/* ctl: hookgatectl workspace create|list, through db/workspace. */
#include "config.h"

#include "ctl/ctl.h"
#include "db/workspace.h"

enum ctl_rc ctl_workspace_create(struct ctl *c, int argc, char **argv)
{
	const char *slug = NULL, *name = NULL;
	const struct ctl_arg args[] = {
		{ "SLUG", CTL_POSITIONAL, &slug, NULL },
		{ "name", CTL_OPTIONAL, &name, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	struct json_object *out = NULL;
	enum store_rc src;

	ctl_parse_args(argc, argv, args);
	if (!workspace_slug_valid(slug)) {
		ctl_error("invalid workspace slug '%s': " WORKSPACE_SLUG_RULE, slug);
		return CTL_FAIL;
	}
	if (!name)
		name = slug;
	if (name[0] == '\0') {
		ctl_error("--name must not be empty");
		return CTL_FAIL;
	}
	if (!ctl_connect(c))
		return CTL_FAIL;
	src = workspace_create(slug, name, &out);
	if (src == STORE_ERROR && store_failed_with(SQLSTATE_UNIQUE_VIOLATION)) {
		ctl_error("workspace '%s' already exists", slug);
		return CTL_FAIL;
	}
	return ctl_answer(src, &out, "cannot create workspace", "workspace", slug);
}

enum ctl_rc ctl_workspace_list(struct ctl *c, int argc, char **argv)
{
	const struct ctl_arg args[] = { { NULL, CTL_FLAG, NULL, NULL } };
	struct json_object *out = NULL;

	ctl_parse_args(argc, argv, args);
	if (!ctl_connect(c))
		return CTL_FAIL;
	return ctl_answer(workspace_list(&out), &out, "cannot list workspaces", "workspace", "");
}
