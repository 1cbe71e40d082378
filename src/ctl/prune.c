/* prune: hookgatectl prune, retention's command, over db/retention (SPEC 9, 12). */
#include "config.h"

#include <stdio.h>

#include "ctl/ctl.h"
#include "db/retention.h"

/* --verbose: one line per batch on stderr, with the time its transaction took. */
static void say_batch(void *ctx, const struct retention_batch *b)
{
	(void)ctx;
	if (b->runs)
		fprintf(stderr, CTL_PROGRAM ": prune: %s batch %d: %ld rows, %ld runs in %.3f s\n",
			b->phase, b->number, b->rows, b->runs, b->seconds);
	else
		fprintf(stderr, CTL_PROGRAM ": prune: %s batch %d: %ld rows in %.3f s\n",
			b->phase, b->number, b->rows, b->seconds);
}

enum ctl_rc ctl_prune(struct ctl *c, int argc, char **argv)
{
	const char *older = NULL, *bodies = NULL;
	bool dry_run = false, verbose = false;
	const struct ctl_arg args[] = {
		{ "older-than", CTL_OPTIONAL, &older, NULL },
		{ "bodies-older-than", CTL_OPTIONAL, &bodies, NULL },
		{ "dry-run", CTL_FLAG, NULL, &dry_run },
		{ "verbose", CTL_FLAG, NULL, &verbose },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	struct retention_limits l;
	struct retention_counts n;
	enum store_rc src;

	ctl_parse_args(argc, argv, args);
	/* the options replace their keys; the days are checked before connecting */
	l.delete_days = l.body_days = 0;
	if ((older && !ctl_number("older-than", older, 0, RETENTION_DAYS_MAX, " of days",
				  &l.delete_days)) ||
	    (bodies && !ctl_number("bodies-older-than", bodies, 0, RETENTION_DAYS_MAX,
				   " of days", &l.body_days)) ||
	    !ctl_connect(c))
		return CTL_FAIL;
	if (!older)
		l.delete_days = c->settings.retention_days;
	if (!bodies)
		l.body_days = c->settings.body_retention_days;
	src = retention_prune(&l, dry_run, verbose ? say_batch : NULL, NULL, &n);
	if (src != STORE_OK) {
		ctl_error("cannot prune: %s", store_last_error());
		if (!dry_run && (n.deliveries || n.bodies))
			ctl_error("pruned before the failure: %lld deliveries, %lld runs, %lld bodies",
				  n.deliveries, n.runs, n.bodies);
		return CTL_FAIL;
	}
	return ctl_print(retention_summary_json(&n, dry_run)) ? CTL_OK : CTL_FAIL;
}
