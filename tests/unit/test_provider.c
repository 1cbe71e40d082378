/* test_provider: the provider table, its signature checks and dedupe keys (SPEC 3.4, 3.5). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "provider.h"
#include "tap.h"

/* Run p's dedupe rule on env into d, which starts out full of junk. */
static void dedupe(const char *provider, char **env, struct dedupe *d)
{
	const struct provider *p = provider_find(provider);
	struct hg_hdrs h = { env };

	memset(d->key, 'J', sizeof(d->key));
	d->source = "junk";
	if (p)
		p->dedupe(&h, NULL, d);
}

static void key_is(const char *provider, char **env, const char *key, const char *source,
		   const char *name)
{
	struct dedupe d;

	dedupe(provider, env, &d);
	is_str(d.key, key, "%s: key: %s", provider, name);
	is_str(d.source, source, "%s: source: %s", provider, name);
}

static void test_table(void)
{
	const struct provider *gh = provider_find("github"), *gen = provider_find("generic");
	const char *const *names = provider_names();
	bool seen_gh = false, seen_gen = false, all_found = true;
	int n = 0;

	ok(gh && strcmp(gh->name, "github") == 0, "provider_find(\"github\")");
	ok(gen && strcmp(gen->name, "generic") == 0, "provider_find(\"generic\")");
	ok(gh && gh->verify == sig_check_hub256, "github verifies X-Hub-Signature-256");
	ok(gen && gen->verify == sig_check_hub256, "generic verifies X-Hub-Signature-256");
	ok(gh && gh->dedupe && gen && gen->dedupe && gh->dedupe != gen->dedupe,
	   "github and generic have their own dedupe rules");
	ok(provider_find("GitHub") == NULL, "provider names are exact (lower case)");
	ok(provider_find("stripe") == NULL, "an unknown provider");
	ok(provider_find("") == NULL, "an empty name");
	ok(provider_find(NULL) == NULL, "NULL");

	for (; names && names[n]; n++) {
		seen_gh |= strcmp(names[n], "github") == 0;
		seen_gen |= strcmp(names[n], "generic") == 0;
		all_found &= provider_find(names[n]) != NULL;
	}
	ok(seen_gh && seen_gen, "provider_names lists github and generic");
	ok(all_found, "every listed name is found");
	is_int(n, 2, "two providers for now");
}

static void test_verify(void)
{
	char *env[] = { "HTTP_X_HUB_SIGNATURE_256=sha256="
			"757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", NULL };
	struct hg_hdrs h = { env };
	struct sig_input in = {
		.hdrs = &h,
		.body = (const unsigned char *)"Hello, World!",
		.body_len = 13,
		.secret = "It's a Secret to Everybody",
	};

	for (const char *const *n = provider_names(); *n; n++) {
		const struct provider *p = provider_find(*n);

		in.secret = "It's a Secret to Everybody";
		is_int(p->verify(&in), SIG_VALID, "%s: a good signature through the table", *n);
		in.secret = "another secret";
		is_int(p->verify(&in), SIG_INVALID, "%s: a bad signature through the table", *n);
		in.secret = NULL;
		is_int(p->verify(&in), SIG_NOT_REQUIRED, "%s: no secret through the table", *n);
	}
}

static void test_dedupe(void)
{
	char *both[] = { "HTTP_X_GITHUB_DELIVERY=72d3162e-cc78-11e3-81ab-4c9367dc0958",
			 "HTTP_IDEMPOTENCY_KEY=order-42", NULL };
	char *only_gh[] = { "HTTP_X_GITHUB_DELIVERY=gh-1", NULL };
	char *only_idem[] = { "HTTP_IDEMPOTENCY_KEY=idem-1", NULL };
	char *none[] = { "HTTP_USER_AGENT=curl", "HTTP_X_REQUEST_ID=r1", NULL };
	char *padded[] = { "HTTP_X_GITHUB_DELIVERY= \tgh-2 \t", "HTTP_IDEMPOTENCY_KEY=  idem 2  ", NULL };
	char *gh_blank[] = { "HTTP_X_GITHUB_DELIVERY=   ", "HTTP_IDEMPOTENCY_KEY=idem-3", NULL };
	char *idem_empty[] = { "HTTP_IDEMPOTENCY_KEY=", "HTTP_X_GITHUB_DELIVERY=gh-3", NULL };
	char *all_blank[] = { "HTTP_IDEMPOTENCY_KEY=\t", "HTTP_X_GITHUB_DELIVERY= ", NULL };
	char *empty_env[] = { NULL };

	key_is("github", both, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x-github-delivery",
	       "X-GitHub-Delivery before Idempotency-Key");
	key_is("github", only_idem, "idem-1", "idempotency-key", "Idempotency-Key when no delivery id");
	key_is("github", only_gh, "gh-1", "x-github-delivery", "only X-GitHub-Delivery");
	key_is("github", padded, "gh-2", "x-github-delivery", "values are trimmed");
	key_is("github", gh_blank, "idem-3", "idempotency-key", "a blank delivery id counts as absent");
	key_is("github", all_blank, "", NULL, "blank values: no key");
	key_is("github", none, "", NULL, "no key headers: no key");
	key_is("github", empty_env, "", NULL, "no headers: no key");

	key_is("generic", both, "order-42", "idempotency-key", "Idempotency-Key before X-GitHub-Delivery");
	key_is("generic", only_gh, "gh-1", "x-github-delivery", "X-GitHub-Delivery when no Idempotency-Key");
	key_is("generic", only_idem, "idem-1", "idempotency-key", "only Idempotency-Key");
	key_is("generic", padded, "idem 2", "idempotency-key", "values are trimmed, inner blanks kept");
	key_is("generic", idem_empty, "gh-3", "x-github-delivery", "an empty Idempotency-Key counts as absent");
	key_is("generic", all_blank, "", NULL, "blank values: no key");
	key_is("generic", none, "", NULL, "no key headers: no key");
}

/* Longest key struct dedupe holds. */
#define KEY_CAP (sizeof(((struct dedupe *)0)->key) - 1)

/* "NAME=" followed by n copies of c, into out (n + 64 bytes). */
static char *env_entry(char *out, const char *name, char c, size_t n)
{
	size_t len = strlen(name);

	memcpy(out, name, len);
	out[len] = '=';
	memset(out + len + 1, c, n);
	out[len + 1 + n] = '\0';
	return out;
}

/* A key of exactly the buffer's capacity, and one byte more. */
static void test_long_keys(void)
{
	static char fits[KEY_CAP + 64], too_long[KEY_CAP + 64], gh_long[KEY_CAP + 64];
	char *env_fits[] = { env_entry(fits, "HTTP_IDEMPOTENCY_KEY", 'k', KEY_CAP),
			     "HTTP_X_GITHUB_DELIVERY=gh-9", NULL };
	char *env_long[] = { env_entry(too_long, "HTTP_IDEMPOTENCY_KEY", 'k', KEY_CAP + 1),
			     "HTTP_X_GITHUB_DELIVERY=gh-9", NULL };
	char *env_gh_long[] = { "HTTP_IDEMPOTENCY_KEY=idem-9",
				env_entry(gh_long, "HTTP_X_GITHUB_DELIVERY", 'g', KEY_CAP + 1), NULL };
	struct dedupe d;

	dedupe("generic", env_fits, &d);
	ok(strlen(d.key) == KEY_CAP && d.key[0] == 'k' && d.source &&
	   strcmp(d.source, "idempotency-key") == 0, "a key of %zu bytes fits", KEY_CAP);
	dedupe("generic", env_long, &d);
	ok(d.key[0] == '\0' && d.source == NULL,
	   "a key of %zu bytes is not cut: no key, not the next header's", KEY_CAP + 1);
	dedupe("github", env_long, &d);
	is_str(d.key, "gh-9", "github: an overlong Idempotency-Key does not matter after a delivery id");
	dedupe("github", env_gh_long, &d);
	ok(d.key[0] == '\0' && d.source == NULL, "github: an overlong delivery id gives no key");
}

int main(void)
{
	test_table();
	test_verify();
	test_dedupe();
	test_long_keys();
	return done_testing();
}
