/* ctl: what hookgatectl's main and helpers (main.c) share with its command files (one per resource). */
#ifndef HG_CTL_H
#define HG_CTL_H

#include "lib/common.h"

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/model.h"
#include "db/store.h"
#include "lib/settings.h"

#define CTL_PROGRAM "hookgatectl"


/* What a command returns: the exit status. */
enum ctl_rc {
	CTL_OK = 0,
	CTL_FAIL = 1,		/* the problem is already on stderr */
	CTL_USAGE = 2,		/* wrong usage: why, then the usage, on stderr (ctl_parse_args, main) */
};

/* One run of hookgatectl; main releases everything in it. */
struct ctl {
	const char *config_path;	/* -c FILE, or NULL */
	struct hg_settings settings;
	bool settings_loaded;
	PGconn *conn;
};

/* An argument of a command, in a table ended by an entry whose name is NULL. */
enum ctl_arg_kind {
	CTL_POSITIONAL,			/* required, in table order */
	CTL_REQUIRED,			/* --name VALUE that must be given */
	CTL_OPTIONAL,			/* --name VALUE */
	CTL_FLAG,			/* --name */
	CTL_REPEATED,			/* --name VALUE, up to CTL_REPEATED_MAX times */
};

/* How many times a CTL_REPEATED option may be given. */
#define CTL_REPEATED_MAX 16

struct ctl_arg {
	const char *name;		/* "SLUG" for a positional, else without the "--" */
	enum ctl_arg_kind kind;
	/*
	 * receives the argument (borrowed from argv); start NULL. For
	 * CTL_REPEATED: the first of CTL_REPEATED_MAX + 1 entries, all NULL,
	 * which receive the values in order, NULL-terminated.
	 */
	const char **value;
	bool *flag;			/* for CTL_FLAG: set to true when given */
};

/*
 * A db module's list of what a workspace or an autopilot holds, called as
 * the module has it: exactly one of the three is set. Run by main as
 * "<thing> list --workspace SLUG", or "--autopilot ID" (of_autopilot),
 * printing what the list gives or saying "<what>: <why>".
 */
struct ctl_owned {
	enum store_rc (*of_workspace)(const char *workspace_id, struct json_object **out);
	/* of a workspace, each saying whether it is online (runtime_list) */
	enum store_rc (*of_workspace_live)(const char *workspace_id, long offline_after_s,
					   struct json_object **out);
	enum store_rc (*of_autopilot)(const char *workspace_id, const char *autopilot_id,
				      struct json_object **out);
	const char *what;		/* what failed: "cannot list API keys" */
};

/* A db module's lookup of the workspace that holds thing id. */
typedef enum store_rc (*ctl_owner_fn)(const char *id, char workspace_id[STORE_ID_LEN]);

/*
 * A db module's call on one thing named by its ID, in the workspace that
 * holds it (the operator has no key: the scope is the thing's own),
 * called as the module has it: exactly one of call and call_live is set.
 * Run by main as "<thing> <verb> ID", printing what the call gives or
 * saying why not.
 */
struct ctl_scoped {
	const char *arg, *thing;	/* its name in the usage, "RUNTIME_ID"; "runtime" */
	ctl_owner_fn owner;		/* the workspace that holds it */
	enum store_rc (*call)(const char *workspace_id, const char *id, struct json_object **out);
	/* a call whose answer says whether a runtime is online (runtime_heartbeat) */
	enum store_rc (*call_live)(const char *workspace_id, const char *id, long offline_after_s,
				   struct json_object **out);
	const char *what;		/* what failed: "cannot record the heartbeat" */
};

/* A command of main.c's table: exactly one of run, list and scoped is set. */
struct ctl_command {
	const char *group;		/* "workspace"; or the command itself, "migrate" */
	const char *verb;		/* "create"; NULL for a one-word command */
	enum ctl_rc (*run)(struct ctl *c, int argc, char **argv);
	const struct ctl_owned *list;
	const struct ctl_scoped *scoped;
};

/* The commands and their descriptions, listed in main.c's table, one file per resource. */
enum ctl_rc ctl_migrate(struct ctl *c, int argc, char **argv);			/* migrate.c */
enum ctl_rc ctl_workspace_create(struct ctl *c, int argc, char **argv);		/* workspace.c */
enum ctl_rc ctl_workspace_list(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_apikey_create(struct ctl *c, int argc, char **argv);		/* apikey.c */
extern const struct ctl_owned ctl_apikey_list;
enum ctl_rc ctl_apikey_revoke(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_runtime_create(struct ctl *c, int argc, char **argv);		/* runtime.c */
extern const struct ctl_owned ctl_runtime_list;
extern const struct ctl_scoped ctl_runtime_heartbeat;
enum ctl_rc ctl_autopilot_create(struct ctl *c, int argc, char **argv);		/* autopilot.c */
extern const struct ctl_owned ctl_autopilot_list;
extern const struct ctl_scoped ctl_autopilot_show;
enum ctl_rc ctl_autopilot_set_status(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_trigger_create(struct ctl *c, int argc, char **argv);		/* trigger.c */
extern const struct ctl_owned ctl_trigger_list;
enum ctl_rc ctl_trigger_show(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_trigger_rotate(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_trigger_set_secret(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_delivery_list(struct ctl *c, int argc, char **argv);		/* delivery.c */
enum ctl_rc ctl_delivery_show(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_delivery_replay(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_run_list(struct ctl *c, int argc, char **argv);		/* run.c */
enum ctl_rc ctl_run_show(struct ctl *c, int argc, char **argv);
enum ctl_rc ctl_prune(struct ctl *c, int argc, char **argv);			/* prune.c */

/*
 * The rows of --autopilot that a module lists (resource.c: deliveries or
 * runs) as one JSON array, newest first, of one --status (one of
 * rows->statuses), at most --limit (1 to 1000, default 20), older than
 * --before (a thing of that autopilot); what says what failed ("cannot
 * list deliveries").
 */
enum ctl_rc ctl_list_of_autopilot(struct ctl *c, int argc, char **argv,
				  const struct model_list *rows, const char *what);

/* A db module's lookup of one thing by id (run_show, delivery_show). */
typedef enum store_rc (*ctl_show_fn)(const char *workspace_id, const char *owner_id,
				     const char *id, struct json_object **out,
				     const char **missing);

/*
 * "<thing> show ID" (ID named arg in the usage, e.g. "RUN_ID"): parse,
 * check the id, connect, print what show finds in any workspace.
 */
enum ctl_rc ctl_show(struct ctl *c, int argc, char **argv, const char *arg, const char *thing,
		     ctl_show_fn show);

/*
 * Parse the arguments after the command words, argv[0..argc), against
 * args: options as --name VALUE, --name=VALUE or --flag, "--" ending the
 * options, -h/--help anywhere before it. Returns only when they are
 * right. -h/--help prints the usage on stdout and exits 0; wrong usage
 * (an unknown or repeated option, a missing value, option or positional
 * argument, an extra argument) says why and prints the usage on stderr,
 * and exits CTL_USAGE. A command calls it first, before ctl_connect:
 * nothing is held yet that the exit would leave behind.
 * Argument values are never echoed: one could be a secret typed there by mistake.
 */
void ctl_parse_args(int argc, char **argv, const struct ctl_arg *args);

/*
 * Load the configuration and connect to the database, once per run.
 * False after printing why.
 */
bool ctl_connect(struct ctl *c) HG_MUSTCHECK;

/* "hookgatectl: <message>" on stderr, one line. */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * "hookgatectl: <what>: <why>", why being the server's primary message of
 * res (never its DETAIL, which quotes row values) or libpq's first line.
 */
void ctl_db_error(struct ctl *c, const PGresult *res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * --option's value s as a whole number from min to max into *out; else
 * false after saying "invalid --option 's' (a whole number<unit> from min
 * to max)", unit being e.g. " of days" or "".
 */
bool ctl_number(const char *option, const char *s, long min, long max, const char *unit,
		long *out) HG_MUSTCHECK;

/* names (NULL-terminated; NULL: none) as "a, b, c" into list (len bytes, cut to fit); returns list. */
const char *ctl_join(const char *const *names, char *list, size_t len);

/* Whether id is a UUID; else says "invalid <thing> id '<id>'". */
bool ctl_id_valid(const char *thing, const char *id) HG_MUSTCHECK;

/*
 * Print obj as one line of compact JSON on stdout and put it (ownership
 * moves here, also when obj is NULL, which means out of memory).
 * False after printing why.
 */
bool ctl_print(struct json_object *obj) HG_MUSTCHECK;

/*
 * The answer of a resource module's call: print *out (ownership moves
 * here; *out is NULLed) when rc is STORE_OK; else say "<thing> '<id>' not
 * found" (STORE_NOT_FOUND) or "<what>: <why>" (the store's last error).
 * Takes out's address, so that a call may be its first argument.
 */
enum ctl_rc ctl_answer(enum store_rc rc, struct json_object **out, const char *what,
		       const char *thing, const char *id);

/*
 * Parse a command whose one argument is the ID (its name in usage: arg,
 * e.g. "RUNTIME_ID") of a thing into *id, check it and connect; false
 * after saying why.
 */
bool ctl_id_arg(struct ctl *c, int argc, char **argv, const char *arg, const char *thing,
		const char **id) HG_MUSTCHECK;

/*
 * Whether a module's lookup found <thing> '<id>' (rc STORE_OK); else false
 * after saying "not found" or "<what>: <why>".
 */
bool ctl_found(enum store_rc rc, const char *thing, const char *id, const char *what)
	HG_MUSTCHECK;

/* The id of the workspace called slug into id; false after saying why. */
bool ctl_workspace_id(const char *slug, char id[STORE_ID_LEN]) HG_MUSTCHECK;

#endif
