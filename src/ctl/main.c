/* ctl: hookgatectl main: global options, the command table (and the lists and by-id calls it runs from their descriptions), usage, configuration, helpers shared by the command files. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "db/autopilot.h"
#include "db/model.h"
#include "db/store.h"
#include "db/workspace.h"
#include "lib/log.h"
#include "lib/util.h"

/* How to name another configuration file, in the messages of a missing one. */
#define NAME_ANOTHER "name another with -c FILE or HOOKGATE_CONFIG"

static void usage(FILE *out)
{
	fputs("Usage: " CTL_PROGRAM " [-c FILE] COMMAND [ARGUMENTS]\n"
	      "\n"
	      "Options:\n"
	      "  -c FILE     configuration file (default: $HOOKGATE_CONFIG, else\n"
	      "              " HG_DEFAULT_CONFIG "); HOOKGATE_<KEY> variables win\n"
	      "  -h, --help  show this help\n"
	      "\n"
	      "Commands:\n"
	      "  migrate\n"
	      "  workspace create SLUG [--name NAME]\n"
	      "  workspace list\n"
	      "  apikey create --workspace SLUG [--scope read|write] [--name NAME]\n"
	      "  apikey list --workspace SLUG\n"
	      "  apikey revoke APIKEY_ID\n"
	      "  runtime create --workspace SLUG --name NAME\n"
	      "  runtime list --workspace SLUG\n"
	      "  runtime heartbeat RUNTIME_ID\n"
	      "  autopilot create --workspace SLUG --title TITLE [--description TEXT]\n"
	      "                   [--status active|paused|archived] [--runtime RUNTIME_ID]\n"
	      "  autopilot list --workspace SLUG\n"
	      "  autopilot show AUTOPILOT_ID\n"
	      "  autopilot set-status AUTOPILOT_ID active|paused|archived\n"
	      "  trigger create --autopilot AUTOPILOT_ID [--provider NAME] [--label TEXT]\n"
	      "                 [--disabled]\n"
	      "                 prints the webhook token: the only time it is shown\n"
	      "  trigger list --autopilot AUTOPILOT_ID\n"
	      "  trigger show TRIGGER_ID\n"
	      "  trigger rotate TRIGGER_ID\n"
	      "                 a new webhook token, shown once; the old one stops working\n"
	      "                 at once\n"
	      "  trigger set-secret TRIGGER_ID [--stdin] [--keep-previous SECONDS]\n"
	      "                 reads the secret from standard input (one line; at least\n"
	      "                 16 characters; an empty line clears it)\n"
	      "  delivery list --autopilot AUTOPILOT_ID [--status STATUS] [--limit N]\n"
	      "                [--before DELIVERY_ID]\n"
	      "                 newest first, N (1 to 1000, default 20) of them; --before\n"
	      "                 lists those older than that delivery (pass the last id\n"
	      "                 printed to get the next page)\n"
	      "  delivery show DELIVERY_ID\n"
	      "  delivery replay DELIVERY_ID [--idempotency-key KEY]\n"
	      "                 a new delivery and run; with KEY, replaying again with the\n"
	      "                 same KEY prints the first replay instead\n"
	      "  delivery replay --autopilot AUTOPILOT_ID --since TIME --until TIME\n"
	      "                  [--status STATUS]... [--event EVENT] [--limit N]\n"
	      "                  [--idempotency-key KEY]\n"
	      "                 replays, oldest first, the deliveries received from --since\n"
	      "                 to --until (RFC 3339 times) whose status or whose run's is\n"
	      "                 a STATUS, N (1 to 1000, default 100) of them; prints what\n"
	      "                 was replayed, what was skipped and why, and next_since: the\n"
	      "                 --since of the next call, or null\n"
	      "  run list --autopilot AUTOPILOT_ID [--status STATUS] [--limit N]\n"
	      "           [--before RUN_ID]\n"
	      "  run show RUN_ID\n"
	      "  prune [--older-than DAYS] [--bodies-older-than DAYS] [--dry-run] [--verbose]\n"
	      "                 deletes the deliveries older than DAYS (retention_days) with\n"
	      "                 their finished runs, empties the bodies older than DAYS\n"
	      "                 (body_retention_days), in batches of 1000; never one whose run\n"
	      "                 is pending or running; --dry-run only counts; --verbose says\n"
	      "                 how long each batch took on standard error\n"
	      "\n"
	      "Each command prints one JSON object on standard output; a list prints\n"
	      "one JSON array.\n"
	      "Exit status: 0 done, 1 error, 2 wrong usage.\n", out);
}

void ctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs(CTL_PROGRAM ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ctl_db_error(struct ctl *c, const PGresult *res, const char *fmt, ...)
{
	const char *why = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!why)
		why = PQerrorMessage(c->conn);
	ctl_error("%s: %.*s", what, (int)strcspn(why, "\r\n"), why);
}

bool ctl_number(const char *option, const char *s, long min, long max, const char *unit,
		long *out)
{
	char *end = NULL;
	long n = 0;

	errno = 0;
	if (isdigit((unsigned char)s[0]))
		n = strtol(s, &end, 10);
	if (!end || errno != 0 || *end != '\0' || n < min || n > max) {
		ctl_error("invalid --%s '%s' (a whole number%s from %ld to %ld)", option, s, unit,
			  min, max);
		return false;
	}
	*out = n;
	return true;
}

const char *ctl_join(const char *const *names, char *list, size_t len)
{
	size_t used = 0;

	list[0] = '\0';
	for (size_t i = 0; names && names[i] && used < len; i++) {
		int n = snprintf(list + used, len - used, "%s%s", i ? ", " : "", names[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return list;
}

bool ctl_id_valid(const char *thing, const char *id)
{
	if (uuid_valid(id))
		return true;
	ctl_error("invalid %s id '%s'", thing, id);
	return false;
}

static const struct ctl_arg *find_option(const struct ctl_arg *args, const char *name, size_t len)
{
	for (const struct ctl_arg *a = args; a->name; a++)
		if (a->kind != CTL_POSITIONAL && strlen(a->name) == len &&
		    strncmp(a->name, name, len) == 0)
			return a;
	return NULL;
}

/* The next positional entry of args after prev (NULL: the first), or NULL. */
static const struct ctl_arg *next_positional(const struct ctl_arg *args, const struct ctl_arg *prev)
{
	for (const struct ctl_arg *a = prev ? prev + 1 : args; a->name; a++)
		if (a->kind == CTL_POSITIONAL)
			return a;
	return NULL;
}

/* A usage error, already said on stderr: the usage after it, exit status 2. */
static _Noreturn void usage_error(void)
{
	usage(stderr);
	exit(CTL_USAGE);
}

void ctl_parse_args(int argc, char **argv, const struct ctl_arg *args)
{
	const struct ctl_arg *pos = next_positional(args, NULL);
	bool options_done = false;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
			usage(stdout);
			exit(CTL_OK);
		}
		if (!options_done && strncmp(arg, "--", 2) == 0) {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const struct ctl_arg *a = find_option(args, name, len);
			const char **slot;

			if (!a) {
				ctl_error("unknown option '--%.*s'", (int)len, name);
				usage_error();
			}
			if (a->kind == CTL_FLAG) {
				if (eq) {
					ctl_error("option '--%s' takes no value", a->name);
					usage_error();
				}
				*a->flag = true;
				continue;
			}
			slot = a->value;
			if (a->kind == CTL_REPEATED) {
				int n = 0;

				while (n < CTL_REPEATED_MAX && slot[n])
					n++;
				if (n == CTL_REPEATED_MAX) {
					ctl_error("option '--%s' given more than %d times", a->name,
						  CTL_REPEATED_MAX);
					usage_error();
				}
				slot += n;
			} else if (*slot) {
				ctl_error("option '--%s' given twice", a->name);
				usage_error();
			}
			if (eq) {
				*slot = eq + 1;
			} else if (i + 1 < argc) {
				*slot = argv[++i];
			} else {
				ctl_error("option '--%s' needs a value", a->name);
				usage_error();
			}
			continue;
		}
		if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			ctl_error("unknown option '-%c'", arg[1]);
			usage_error();
		}
		if (!pos) {
			ctl_error("too many arguments");
			usage_error();
		}
		*pos->value = arg;
		pos = next_positional(args, pos);
	}
	if (pos) {
		ctl_error("missing argument %s", pos->name);
		usage_error();
	}
	for (const struct ctl_arg *a = args; a->name; a++) {
		if (a->kind == CTL_REQUIRED && !*a->value) {
			ctl_error("missing option --%s", a->name);
			usage_error();
		}
	}
}

bool ctl_connect(struct ctl *c)
{
	const char *url = getenv("HOOKGATE_DATABASE_URL"), *file;
	char err[1024];
	bool named;

	if (c->conn)
		return true;
	file = settings_file(c->config_path, &named);
	if (!c->settings_loaded) {
		if (!settings_load(&c->settings, c->config_path, err, sizeof(err))) {
			if (access(file, R_OK) != 0)
				ctl_error("cannot read the configuration file %s: %s (" NAME_ANOTHER ")",
					  file, strerror(errno));
			else
				ctl_error("%s", err);
			return false;
		}
		c->settings_loaded = true;
	}
	/* else libpq's defaults would answer, with a message that names no file */
	if (!settings_path() && (!url || !*url)) {
		ctl_error("no configuration: %s does not exist and HOOKGATE_DATABASE_URL is not set ("
			  NAME_ANOTHER ")", file);
		return false;
	}
	/* the same connection layer as the responder; its log lines stay quiet */
	log_set_level("off");
	store_init(&c->settings, CTL_PROGRAM);
	c->conn = store_connection();
	if (!c->conn) {
		ctl_error("%s", store_last_error());
		return false;
	}
	return true;
}

bool ctl_print(struct json_object *obj)
{
	const char *text;

	if (!obj) {
		ctl_error("out of memory");
		return false;
	}
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		ctl_error("out of memory");
		goto fail;
	}
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0) {
		ctl_error("cannot write to standard output: %s", strerror(errno));
		goto fail;
	}
	json_object_put(obj);
	return true;
fail:
	json_object_put(obj);
	return false;
}

/* Say why a module's call failed: "<thing> '<id>' not found", or "<what>: <why>". */
static void say_failed(enum store_rc rc, const char *thing, const char *id, const char *what)
{
	if (rc == STORE_NOT_FOUND)
		ctl_error("%s '%s' not found", thing, id);
	else
		ctl_error("%s: %s", what, store_last_error());
}

enum ctl_rc ctl_answer(enum store_rc rc, struct json_object **out, const char *what,
		       const char *thing, const char *id)
{
	struct json_object *o = *out;

	*out = NULL;
	if (rc == STORE_OK)
		return ctl_print(o) ? CTL_OK : CTL_FAIL;
	json_object_put(o);
	say_failed(rc, thing, id, what);
	return CTL_FAIL;
}

bool ctl_found(enum store_rc rc, const char *thing, const char *id, const char *what)
{
	if (rc == STORE_OK)
		return true;
	say_failed(rc, thing, id, what);
	return false;
}

bool ctl_workspace_id(const char *slug, char id[STORE_ID_LEN])
{
	return ctl_found(workspace_find(slug, id), "workspace", slug, "cannot look up the workspace");
}

bool ctl_id_arg(struct ctl *c, int argc, char **argv, const char *arg, const char *thing,
		const char **id)
{
	const struct ctl_arg args[] = {
		{ arg, CTL_POSITIONAL, id, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};

	*id = NULL;
	ctl_parse_args(argc, argv, args);
	return ctl_id_valid(thing, *id) && ctl_connect(c);
}

/*
 * A list's one option, --<owner> VALUE (owner "workspace": a slug;
 * "autopilot": an id): parse it into *value, connect, and find the
 * workspace that scopes the list into workspace_id; false after saying why.
 */
static HG_MUSTCHECK bool owner_arg(struct ctl *c, int argc, char **argv, const char *owner,
				   const char **value, char workspace_id[STORE_ID_LEN])
{
	const struct ctl_arg args[] = {
		{ owner, CTL_REQUIRED, value, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	bool by_slug = strcmp(owner, "workspace") == 0;

	*value = NULL;
	ctl_parse_args(argc, argv, args);
	if ((!by_slug && !ctl_id_valid(owner, *value)) || !ctl_connect(c))
		return false;
	if (by_slug)
		return ctl_workspace_id(*value, workspace_id);
	return ctl_found(autopilot_owner(*value, workspace_id), owner, *value,
			 "cannot look up the autopilot");
}

/* A struct ctl_owned command. */
static enum ctl_rc owned_list(struct ctl *c, int argc, char **argv, const struct ctl_owned *l)
{
	const char *owner = l->of_autopilot ? "autopilot" : "workspace", *value;
	char workspace_id[STORE_ID_LEN];
	struct json_object *out = NULL;
	enum store_rc rc;

	if (!owner_arg(c, argc, argv, owner, &value, workspace_id))
		return CTL_FAIL;
	if (l->of_autopilot)
		rc = l->of_autopilot(workspace_id, value, &out);
	else if (l->of_workspace_live)
		rc = l->of_workspace_live(workspace_id, c->settings.runtime_offline_after, &out);
	else
		rc = l->of_workspace(workspace_id, &out);
	return ctl_answer(rc, &out, l->what, owner, value);
}

/* A struct ctl_scoped command. */
static enum ctl_rc scoped_call(struct ctl *c, int argc, char **argv, const struct ctl_scoped *s)
{
	char workspace_id[STORE_ID_LEN], what[64];
	struct json_object *out = NULL;
	const char *id;
	enum store_rc rc;

	if (!ctl_id_arg(c, argc, argv, s->arg, s->thing, &id))
		return CTL_FAIL;
	snprintf(what, sizeof(what), "cannot read the %s", s->thing);
	if (!ctl_found(s->owner(id, workspace_id), s->thing, id, what))
		return CTL_FAIL;
	if (s->call_live)
		rc = s->call_live(workspace_id, id, c->settings.runtime_offline_after, &out);
	else
		rc = s->call(workspace_id, id, &out);
	return ctl_answer(rc, &out, s->what, s->thing, id);
}

/* The commands, ended by an entry whose group is NULL. */
static const struct ctl_command commands[] = {
	{ "migrate", NULL, .run = ctl_migrate },
	{ "workspace", "create", .run = ctl_workspace_create },
	{ "workspace", "list", .run = ctl_workspace_list },
	{ "apikey", "create", .run = ctl_apikey_create },
	{ "apikey", "list", .list = &ctl_apikey_list },
	{ "apikey", "revoke", .run = ctl_apikey_revoke },
	{ "runtime", "create", .run = ctl_runtime_create },
	{ "runtime", "list", .list = &ctl_runtime_list },
	{ "runtime", "heartbeat", .scoped = &ctl_runtime_heartbeat },
	{ "autopilot", "create", .run = ctl_autopilot_create },
	{ "autopilot", "list", .list = &ctl_autopilot_list },
	{ "autopilot", "show", .scoped = &ctl_autopilot_show },
	{ "autopilot", "set-status", .run = ctl_autopilot_set_status },
	{ "trigger", "create", .run = ctl_trigger_create },
	{ "trigger", "list", .list = &ctl_trigger_list },
	{ "trigger", "show", .run = ctl_trigger_show },
	{ "trigger", "rotate", .run = ctl_trigger_rotate },
	{ "trigger", "set-secret", .run = ctl_trigger_set_secret },
	{ "delivery", "list", .run = ctl_delivery_list },
	{ "delivery", "show", .run = ctl_delivery_show },
	{ "delivery", "replay", .run = ctl_delivery_replay },
	{ "run", "list", .run = ctl_run_list },
	{ "run", "show", .run = ctl_run_show },
	{ "prune", NULL, .run = ctl_prune },
	{ NULL, NULL, NULL, NULL, NULL },
};

/* Find the command named by argv[0] (and argv[1]); *words gets how many words it took. */
static const struct ctl_command *find_command(int argc, char **argv, int *words)
{
	bool group_known = false;

	for (const struct ctl_command *cmd = commands; cmd->group; cmd++) {
		if (strcmp(cmd->group, argv[0]) != 0)
			continue;
		group_known = true;
		if (!cmd->verb) {
			*words = 1;
			return cmd;
		}
		if (argc > 1 && strcmp(cmd->verb, argv[1]) == 0) {
			*words = 2;
			return cmd;
		}
	}
	if (!group_known)
		ctl_error("unknown command '%s'", argv[0]);
	else if (argc < 2 || argv[1][0] == '-')
		ctl_error("'%s' needs a subcommand", argv[0]);
	else
		ctl_error("unknown command '%s %s'", argv[0], argv[1]);
	return NULL;
}

int main(int argc, char **argv)
{
	struct ctl c = { 0 };
	const struct ctl_command *cmd;
	enum ctl_rc rc = CTL_USAGE;
	int i, words = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(arg, "-c") == 0) {
			if (i + 1 >= argc) {
				ctl_error("option '-c' needs a file name");
				goto usage;
			}
			c.config_path = argv[++i];
			continue;
		}
		if (strncmp(arg, "-c", 2) == 0) {
			c.config_path = arg + 2;
			continue;
		}
		if (arg[0] == '-' && arg[1] != '\0') {
			ctl_error("unknown option '%s'", arg);
			goto usage;
		}
		break;
	}
	if (i >= argc) {
		ctl_error("missing command");
		goto usage;
	}
	cmd = find_command(argc - i, argv + i, &words);
	if (!cmd)
		goto usage;
	i += words;
	if (cmd->list)
		rc = owned_list(&c, argc - i, argv + i, cmd->list);
	else if (cmd->scoped)
		rc = scoped_call(&c, argc - i, argv + i, cmd->scoped);
	else
		rc = cmd->run(&c, argc - i, argv + i);

	store_close();	/* c.conn is the store's */
	if (c.settings_loaded)
		settings_free(&c.settings);
	return rc;
usage:
	usage(stderr);
	return CTL_USAGE;
}
