/* provider: the table of webhook senders, each a signature check and a dedupe rule (SPEC 3.4, 3.5). */
#include "config.h"

#include <string.h>

#include "provider.h"

enum pick { PICK_ABSENT, PICK_SET, PICK_TOO_LONG };

/*
 * Take the trimmed value of header name as the dedupe key, with source its
 * lower-case name. Absent or blank: PICK_ABSENT, and the caller tries the
 * next header. A value that does not fit d->key is PICK_TOO_LONG: cutting
 * it would make different keys equal (and collapse distinct deliveries),
 * so the delivery gets no key at all rather than the next header's.
 */
static enum pick take_header(const struct hg_hdrs *h, const char *name, const char *source,
			     struct dedupe *d)
{
	size_t len;
	const char *v = hdrs_get_span(h, name, &len);

	if (!v)
		return PICK_ABSENT;
	if (len >= sizeof(d->key))
		return PICK_TOO_LONG;
	memcpy(d->key, v, len);
	d->key[len] = '\0';
	d->source = source;
	return PICK_SET;
}

/* Fill d from the first of two headers that is present. */
static void dedupe_first_of(const struct hg_hdrs *h, struct dedupe *d,
			    const char *name1, const char *source1,
			    const char *name2, const char *source2)
{
	d->key[0] = '\0';
	d->source = NULL;
	if (take_header(h, name1, source1, d) == PICK_ABSENT)
		(void)take_header(h, name2, source2, d);
}

static void dedupe_github(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "X-GitHub-Delivery", "x-github-delivery",
			"Idempotency-Key", "idempotency-key");
}

static void dedupe_generic(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d)
{
	(void)body;
	dedupe_first_of(h, d, "Idempotency-Key", "idempotency-key",
			"X-GitHub-Delivery", "x-github-delivery");
}

/* A new provider is one entry here plus its functions. */
static const struct provider providers[] = {
	{ "generic",	sig_check_hub256,	dedupe_generic },
	{ "github",	sig_check_hub256,	dedupe_github },
};

#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

static const char *names[NPROVIDERS + 1];

const struct provider *provider_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < NPROVIDERS; i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

const char *const *provider_names(void)
{
	for (size_t i = 0; i < NPROVIDERS; i++)
		names[i] = providers[i].name;
	names[NPROVIDERS] = NULL;
	return names;
}
