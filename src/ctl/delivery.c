/* delivery: hookgatectl delivery list, show and replay, over db/delivery (SPEC 9). */
#include "config.h"

#include <string.h>

#include "ctl/ctl.h"
#include "db/delivery.h"

static const struct ctl_list deliveries = {
	.thing = "delivery",
	.statuses = delivery_statuses,
	.cursor = delivery_cursor,
	.page = delivery_page,
	.row_json = delivery_json,
	.what = "cannot list deliveries",
};

enum ctl_rc ctl_delivery_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list_of_autopilot(c, argc, argv, &deliveries);
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
	enum ctl_rc rc;

	rc = ctl_parse_args(argc, argv, args);
	if (rc != CTL_OK)
		return rc;
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
