/* ctl: hookgatectl trigger create|list|show|rotate|set-secret, through db/trigger (the operator names a trigger by its id). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "ctl/ctl.h"
#include "db/autopilot.h"
#include "db/trigger.h"
#include "lib/util.h"
#include "webhook/provider.h"

/* The secret as read: at most this many bytes (every character of UTF-8 is at most 4). */
#define SECRET_BUF (4 * TRIGGER_SECRET_MAX_CHARS + 1)

/* "unknown provider 'x' (known: generic, github, ...)" */
static void unknown_provider(const char *name)
{
	char list[512];

	ctl_error("unknown provider '%s' (known: %s)", name,
		  ctl_join(provider_names(), list, sizeof(list)));
}

/*
 * A command whose one argument is a TRIGGER_ID: parse it into *id, connect,
 * and find the workspace and autopilot that scope it (the operator has no
 * key) into ws and ap; false after saying why.
 */
static HG_MUSTCHECK bool trigger_arg(struct ctl *c, int argc, char **argv, const char **id,
				     char ws[STORE_ID_LEN], char ap[STORE_ID_LEN])
{
	return ctl_id_arg(c, argc, argv, "TRIGGER_ID", "trigger", id) &&
	       ctl_found(trigger_owner(*id, ws, ap), "trigger", *id, "cannot read the trigger");
}

enum ctl_rc ctl_trigger_create(struct ctl *c, int argc, char **argv)
{
	struct trigger_fields f = { 0 };
	const char *autopilot = NULL;
	bool disabled = false;
	const struct ctl_arg args[] = {
		{ "autopilot", CTL_REQUIRED, &autopilot, NULL },
		{ "provider", CTL_OPTIONAL, &f.provider, NULL },
		{ "label", CTL_OPTIONAL, &f.label, NULL },
		{ "disabled", CTL_FLAG, NULL, &disabled },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char workspace_id[STORE_ID_LEN];
	struct json_object *out = NULL;

	ctl_parse_args(argc, argv, args);
	if (!ctl_id_valid("autopilot", autopilot))
		return CTL_FAIL;
	if (f.provider && !provider_find(f.provider)) {
		unknown_provider(f.provider);
		return CTL_FAIL;
	}
	f.enabled_set = true;
	f.enabled = !disabled;
	if (!ctl_connect(c) || !ctl_found(autopilot_owner(autopilot, workspace_id), "autopilot",
					  autopilot, "cannot read the autopilot"))
		return CTL_FAIL;
	/* the token is printed: the only time it is shown */
	return ctl_answer(trigger_create(workspace_id, autopilot, &f, &c->settings, &out), &out,
			  "cannot create trigger", "autopilot", autopilot);
}

const struct ctl_owned ctl_trigger_list = { .of_autopilot = trigger_list,
					     .what = "cannot list triggers" };

/* "trigger show|rotate TRIGGER_ID": the trigger, or the trigger with a new webhook token. */
static enum ctl_rc show_or_rotate(struct ctl *c, int argc, char **argv, bool rotate)
{
	char ws[STORE_ID_LEN], ap[STORE_ID_LEN];
	struct json_object *out = NULL;
	const char *id, *missing;

	if (!trigger_arg(c, argc, argv, &id, ws, ap))
		return CTL_FAIL;
	if (!rotate)
		return ctl_answer(trigger_show(ws, ap, id, &out, &missing), &out,
				  "cannot read the trigger", "trigger", id);
	/* the new token is printed: the only time it is shown */
	return ctl_answer(trigger_rotate(ws, ap, id, &c->settings, &out, &missing), &out,
			  "cannot rotate the webhook token", "trigger", id);
}

enum ctl_rc ctl_trigger_show(struct ctl *c, int argc, char **argv)
{
	return show_or_rotate(c, argc, argv, false);
}

enum ctl_rc ctl_trigger_rotate(struct ctl *c, int argc, char **argv)
{
	return show_or_rotate(c, argc, argv, true);
}

/*
 * Read the signing secret: one line of standard input into buf (buflen
 * bytes), NUL-terminated, trimmed and checked by the trigger's rule. On a
 * terminal, prompt on stderr and turn echo off. False after saying why.
 * The caller cleanses buf.
 */
static HG_MUSTCHECK bool secret_read(char *buf, size_t buflen)
{
	struct termios saved, quiet;
	bool tty = isatty(STDIN_FILENO), restore = false, nul = false, too_long = false;
	size_t n = 0;
	int ch;

	/* unbuffered: no copy of the secret is left in stdio's buffer */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (tty) {
		fputs("Signing secret (not echoed; an empty line clears it): ", stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &saved) == 0) {
			quiet = saved;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	while ((ch = getchar()) != EOF && ch != '\n') {
		if (ch == '\0')
			nul = true;
		if (n + 1 >= buflen) {
			too_long = true;
			break;
		}
		buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	if (tty)
		fputc('\n', stderr);
	if (ch == EOF && ferror(stdin)) {
		ctl_error("cannot read the secret from standard input: %s", strerror(errno));
		return false;
	}
	if (nul) {
		ctl_error("the secret contains a NUL byte");
		return false;
	}
	if (!too_long && !utf8_valid((const unsigned char *)buf, n)) {
		ctl_error("the secret is not valid UTF-8");
		return false;
	}
	if (too_long || !trigger_secret_trim(buf)) {
		ctl_error("the secret must be " TRIGGER_SECRET_RULE);
		return false;
	}
	return true;
}

/* The provider's rule for a new secret (a standard trigger's whpk_ key); false after saying why. */
static bool secret_fits(const char *ws, const char *ap, const char *id, const char *secret)
{
	const char *why = NULL, *missing = NULL;

	if (!secret[0])
		return true;
	if (!ctl_found(trigger_secret_fits(ws, ap, id, secret, &why, &missing), "trigger", id,
		       "cannot read the trigger"))
		return false;
	if (why)
		ctl_error("%s", why);
	return why == NULL;
}

enum ctl_rc ctl_trigger_set_secret(struct ctl *c, int argc, char **argv)
{
	const char *id = NULL, *keep = NULL, *missing;
	bool from_stdin = false;
	const struct ctl_arg args[] = {
		{ "TRIGGER_ID", CTL_POSITIONAL, &id, NULL },
		{ "stdin", CTL_FLAG, NULL, &from_stdin },
		{ "keep-previous", CTL_OPTIONAL, &keep, NULL },
		{ NULL, CTL_FLAG, NULL, NULL },
	};
	char secret[SECRET_BUF], ws[STORE_ID_LEN], ap[STORE_ID_LEN];
	struct json_object *out = NULL;
	long keep_s = 0;
	enum ctl_rc rc;

	ctl_parse_args(argc, argv, args);
	/* --stdin only says what is the default (and only) source */
	if (!ctl_id_valid("trigger", id))
		return CTL_FAIL;
	if (keep && !ctl_number("keep-previous", keep, 0, TRIGGER_KEEP_PREVIOUS_MAX_S, " of seconds",
				&keep_s))
		return CTL_FAIL;
	rc = CTL_FAIL;
	if (secret_read(secret, sizeof(secret)) && ctl_connect(c) &&
	    ctl_found(trigger_owner(id, ws, ap), "trigger", id, "cannot read the trigger") &&
	    secret_fits(ws, ap, id, secret))
		rc = ctl_answer(trigger_set_secret(ws, ap, id, secret, keep_s, &out, &missing), &out,
				"cannot set the signing secret", "trigger", id);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}
