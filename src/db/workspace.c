/* workspace: the workspace resource: its columns, statements and JSON ({"id","slug","name","created_at"}). */
#include "config.h"

#include <string.h>

#include "db/model.h"
#include "db/workspace.h"

/* The workspace JSON, by column name. */
#define WS_COLUMNS "w.id, w.slug, w.name, " MODEL_TS("w", "created_at")

static struct statement st_create = { "workspace_create",
	"INSERT INTO workspace AS w (slug, name) VALUES ($1, $2) RETURNING " WS_COLUMNS,
	2, 0, false };

static struct statement st_find = { "workspace_find",
	"SELECT w.id FROM workspace w WHERE w.slug = $1", 1, 0, true };

static struct statement st_list = { "workspace_list",
	"SELECT " WS_COLUMNS " FROM workspace w ORDER BY w.created_at, w.id", 0, 0, true };

bool workspace_slug_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > WORKSPACE_SLUG_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

enum store_rc workspace_create(const char *slug, const char *name, struct json_object **out)
{
	const char *values[2] = { slug, name };

	return model_exec_one(&st_create, values, model_row_json, out);
}

enum store_rc workspace_find(const char *slug, char id[STORE_ID_LEN])
{
	return store_find_ids(&st_find, slug, id, NULL);
}

enum store_rc workspace_list(struct json_object **out)
{
	return model_exec_list(&st_list, NULL, model_row_json, out);
}
