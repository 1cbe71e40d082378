/* provider: the registry of webhook senders: signature scheme, dedupe rule, event rule. */
#ifndef HG_PROVIDER_H
#define HG_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "hdrs.h"
#include "signature.h"

struct dedupe {
	char key[512];			/* trimmed value; "" when none */
	const char *source;		/* lower-case header name (static), or NULL */
};

struct provider {
	const char *name;
	enum sig_status (*verify)(const struct sig_input *in);
	/* Fill d from headers (and body, for providers that key on it). */
	void (*dedupe)(const struct hg_hdrs *h, struct json_object *body, struct dedupe *d);
};

/* The provider called name, or NULL. */
const struct provider *provider_find(const char *name);

/* The NULL-terminated list of provider names this build knows. */
const char *const *provider_names(void);

#endif
