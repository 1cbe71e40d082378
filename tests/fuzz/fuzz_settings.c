/*
 * fuzz_settings: the configuration file (src/lib/settings.c, SPEC 6).
 * The input is the file. Properties: a refusal names the file and line;
 * an accepted file gives values within their rules (counts in range,
 * base_path empty or "/..." without a trailing slash or blank, CIDR lists
 * that cidr_list_valid takes, a known log level, values trimmed); and the
 * values written back as a file load again to the same values.
 */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "lib/cidr.h"
#include "lib/settings.h"

/* The keys whose fields this target knows (others a build adds keep their defaults). */
static const struct field {
	const char *key;
	size_t off;
	bool text;
} fields[] = {
#define S(k) { #k, offsetof(struct hg_settings, k), true }
#define N(k) { #k, offsetof(struct hg_settings, k), false }
	S(database_url), S(public_url), S(base_path), N(max_body_bytes), N(ip_ceiling),
	N(ip_bad_credentials), N(token_rate), S(trusted_proxies), S(metrics_allow),
	N(runtime_offline_after), N(signature_tolerance_s), N(statement_timeout_ms),
	S(shm_name), S(log_level),
#undef S
#undef N
};

static bool load(const char *text, size_t len, struct hg_settings *s, char *err, size_t errlen,
		 char *path, size_t pathlen)
{
	int fd = memfd_create("hookgate.conf", MFD_CLOEXEC);
	bool ok;

	if (fd < 0 || (len && write(fd, text, len) != (ssize_t)len))
		abort();
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	ok = settings_load(s, path, err, errlen);
	close(fd);
	return ok;
}

static bool trimmed(const char *v)
{
	size_t n = strlen(v);

	return n == 0 || (!strchr(" \t\r\n\v\f", v[0]) && !strchr(" \t\r\n\v\f", v[n - 1]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hg_settings s, again;
	char err[512], path[64], *out = NULL;
	size_t outlen = 0;
	FILE *f;

	if (!load((const char *)data, size, &s, err, sizeof(err), path, sizeof(path))) {
		PROPERTY(strncmp(err, path, strlen(path)) == 0, "the error does not name the file: %s", err);
		return 0;
	}
	for (size_t i = 0; i < HG_ARRAY_LEN(fields); i++) {
		const char *v = *(char **)((char *)&s + fields[i].off);
		long n = *(long *)((char *)&s + fields[i].off);

		if (!fields[i].text) {
			PROPERTY(n >= 0 && n <= (strcmp(fields[i].key, "max_body_bytes") ? 2147483647L : 64L << 20),
				 "%s = %ld", fields[i].key, n);
			continue;
		}
		PROPERTY(v != NULL, "%s is NULL", fields[i].key);
		PROPERTY(trimmed(v), "%s = '%s' is not trimmed", fields[i].key, v);
	}
	PROPERTY(!s.base_path[0] || (s.base_path[0] == '/' && s.base_path[strlen(s.base_path) - 1] != '/' &&
				      !strpbrk(s.base_path, " \t?#")), "base_path '%s'", s.base_path);
	PROPERTY(cidr_list_valid(s.trusted_proxies), "trusted_proxies '%s'", s.trusted_proxies);
	PROPERTY(cidr_list_valid(s.metrics_allow), "metrics_allow '%s'", s.metrics_allow);
	PROPERTY(!strcmp(s.log_level, "error") || !strcmp(s.log_level, "warn") ||
		 !strcmp(s.log_level, "info") || !strcmp(s.log_level, "debug"), "log_level '%s'", s.log_level);

	/* written back, the file loads to the same values */
	f = open_memstream(&out, &outlen);
	if (!f)
		abort();
	for (size_t i = 0; i < HG_ARRAY_LEN(fields); i++) {
		const char *v = *(char **)((char *)&s + fields[i].off);

		if (fields[i].text)
			fprintf(f, "%s = %s\n", fields[i].key, v);
		else
			fprintf(f, "%s = %ld\n", fields[i].key, *(long *)((char *)&s + fields[i].off));
	}
	fclose(f);
	/* a base_path of "/" is stored as "": written back it reads the same */
	PROPERTY(load(out, outlen, &again, err, sizeof(err), path, sizeof(path)),
		 "the values written back are refused: %s\n%s", err, out);
	for (size_t i = 0; i < HG_ARRAY_LEN(fields); i++) {
		const char *a = *(char **)((char *)&s + fields[i].off), *b = *(char **)((char *)&again + fields[i].off);

		if (fields[i].text)
			PROPERTY(strcmp(a, b) == 0, "%s: '%s' read back as '%s'", fields[i].key, a, b);
		else
			PROPERTY(*(long *)((char *)&s + fields[i].off) == *(long *)((char *)&again + fields[i].off),
				 "%s read back differently", fields[i].key);
	}
	settings_free(&again);
	settings_free(&s);
	free(out);
	return 0;
}
