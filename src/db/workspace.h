/* workspace: the workspace resource (SPEC 2): its slug rule, statements and JSON, for hookgatectl and the API. */
#ifndef HG_DB_WORKSPACE_H
#define HG_DB_WORKSPACE_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>

#include "db/store.h"

/* The schema's CHECK on a slug: ^[a-z0-9][a-z0-9-]{0,62}$ */
#define WORKSPACE_SLUG_MAX 63
#define WORKSPACE_SLUG_RULE "1 to 63 lower-case letters, digits and '-', not starting with '-'"

/* Whether slug satisfies WORKSPACE_SLUG_RULE. */
bool workspace_slug_valid(const char *slug);

/*
 * A new workspace; *out is its JSON (the caller's). STORE_ERROR with
 * store_failed_with(SQLSTATE_UNIQUE_VIOLATION) when the slug is taken.
 */
enum store_rc workspace_create(const char *slug, const char *name, struct json_object **out)
	HG_MUSTCHECK;

/* The id of the workspace called slug into id; STORE_NOT_FOUND when there is none. */
enum store_rc workspace_find(const char *slug, char id[STORE_ID_LEN]) HG_MUSTCHECK;

/* Every workspace, oldest first, as an array of workspace JSON (the caller's). */
enum store_rc workspace_list(struct json_object **out) HG_MUSTCHECK;

#endif
