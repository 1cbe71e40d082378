/* delivery: hookgatectl delivery list, show, replay and bulk replay, over db/delivery (SPEC 9). */
#include "config.h"

#include <string.h>

#include "ctl/ctl.h"
#include "db/delivery.h"

enum ctl_rc ctl_delivery_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list_of_autopilot(c, argc, argv, &delivery_rows, "cannot list deliveries");
}

enum ctl_rc ctl_delivery_show(struct ctl *c, int argc, char **argv)
{
	return ctl_show(c, argc, argv, "DELIVERY_ID", "delivery", delivery_show);
}

/* --idempotency-key, trimmed into key as the API trims its header; false after saying why. */
static HG_MUSTCHECK bool idempotency_key(const char *s, char *key)
{
	switch (delivery_idempotency_key(s, strlen(s), key)) {
	case DELIVERY_KEY_OK:
		return true;
	case DELIVERY_KEY_EMPTY:
		ctl_error("--idempotency-key must not be empty");
		return false;
	case DELIVERY_KEY_TOO_LONG:
		ctl_error("--idempotency-key must be at most %d bytes", DELIVERY_IDEMPOTENCY_KEY_MAX);
		return false;
	case DELIVERY_KEY_NOT_UTF8:
		break;
	}
	ctl_error("--idempotency-key must be UTF-8 text");
	return false;
}

/* --status fills the statuses of a bulk replay: as many as the API takes. */
_Static_assert(CTL_REPEATED_MAX == DELIVERY_BULK_MAX_STATUSES,
	       "--status may be given as many times as a bulk replay takes statuses");

/* "delivery replay --autopilot ID --since T --until T ...": the bulk replay (SPEC 4.4). */
static enum ctl_rc bulk_replay(struct ctl *c, int argc, char **argv)
{
	struct delivery_bulk_args a = { .workspace_id = NULL, .limit = DELIVERY_BULK_DEFAULT_LIMIT };
	const char *limit = NULL, *key_arg = NULL;
	const struct ctl_arg args[] = {
		{ "autopilot", CTL_REQUIRED, &a.autopilot_id, NULL },
		{ "since", CTL_REQUIRED, &a.since, NULL },
		{ "until", CTL_REQUIRED, &a.until, NULL },
		{ "status", CTL_REPEATED, a.statuses, NULL },
		{ "event", CTL_OPTIONAL, &a.event, NULL },
		{ "limit", CTL_OPTIONAL, &limit, NULL },
		{ "idempotency-key", CTL_OPTIONAL, &key_arg, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char key[DELIVERY_IDEMPOTENCY_KEY_MAX + 1], msg[256];
	struct delivery_bulk_result out = { .answer = NULL };

	ctl_parse_args(argc, argv, args);
	if (!ctl_id_valid("autopilot", a.autopilot_id) ||
	    (limit && !ctl_number("limit", limit, 1, DELIVERY_BULK_MAX_LIMIT, "", &a.limit)) ||
	    (key_arg && !idempotency_key(key_arg, key)))
		return CTL_FAIL;
	/* the API's rules, its messages naming the options */
	if (!delivery_bulk_check(&a, msg, sizeof(msg))) {
		ctl_error("--%s", msg);
		return CTL_FAIL;
	}
	if (!ctl_connect(c))
		return CTL_FAIL;
	a.idempotency_key = key_arg ? key : NULL;
	a.offline_after_s = c->settings.runtime_offline_after;
	if (delivery_bulk_replay(&a, &out) != STORE_OK) {
		ctl_error("cannot replay the deliveries of autopilot '%s': %s", a.autopilot_id,
			  store_last_error());
		return CTL_FAIL;
	}
	switch (out.outcome) {
	case BULK_DONE:
		return ctl_print(out.answer) ? CTL_OK : CTL_FAIL;
	case BULK_NOT_FOUND:
		ctl_error("autopilot '%s' not found", a.autopilot_id);
		break;
	case BULK_KEY_REUSED:
		ctl_error("--idempotency-key was used for another bulk replay of autopilot '%s'",
			  a.autopilot_id);
		break;
	}
	json_object_put(out.answer);
	return CTL_FAIL;
}

/* Whether the arguments name --autopilot (before "--"): the bulk form. */
static bool bulk_form(int argc, char **argv)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--autopilot") == 0 || strncmp(argv[i], "--autopilot=", 12) == 0)
			return true;
	return false;
}

enum ctl_rc ctl_delivery_replay(struct ctl *c, int argc, char **argv)
{
	const char *id = NULL, *key_arg = NULL;
	const struct ctl_arg args[] = {
		{ "DELIVERY_ID", CTL_POSITIONAL, &id, NULL },
		{ "idempotency-key", CTL_OPTIONAL, &key_arg, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char key[DELIVERY_IDEMPOTENCY_KEY_MAX + 1];
	struct delivery_replay_args a = { .workspace_id = NULL };
	struct delivery_replay_result out = { .answer = NULL };

	if (bulk_form(argc, argv))
		return bulk_replay(c, argc, argv);
	ctl_parse_args(argc, argv, args);
	if (!ctl_id_valid("delivery", id) || (key_arg && !idempotency_key(key_arg, key)))
		return CTL_FAIL;
	if (!ctl_connect(c))
		return CTL_FAIL;
	/* scoped as the API's, by the delivery's own workspace and autopilot */
	a.delivery_id = id;
	a.idempotency_key = key_arg ? key : NULL;
	a.offline_after_s = c->settings.runtime_offline_after;
	if (delivery_replay(&a, &out) != STORE_OK) {
		ctl_error("cannot replay delivery '%s': %s", id, store_last_error());
		return CTL_FAIL;
	}
	switch (out.outcome) {
	case REPLAY_CREATED:
	case REPLAY_REPEATED:
		return ctl_print(out.answer) ? CTL_OK : CTL_FAIL;
	case REPLAY_NOT_FOUND:
		if (strcmp(out.message, "delivery not found") == 0)
			ctl_error("delivery '%s' not found", id);
		else
			ctl_error("cannot replay delivery '%s': %s", id, out.message);
		break;
	case REPLAY_REFUSED:
		ctl_error("cannot replay delivery '%s': %s", id, out.message);
		break;
	}
	json_object_put(out.answer);
	return CTL_FAIL;
}
