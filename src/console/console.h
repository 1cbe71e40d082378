/* console: every handler of the console's routes (SPEC 11), by file, for the route table. */
#ifndef HG_CONSOLE_H
#define HG_CONSOLE_H

#include "http/request.h"

/*
 * The router has checked that every id in the path is a well-formed UUID
 * (else an HTML 400 through console_error_page) and that the console is
 * on. Each page below but login and the stylesheet needs a live session
 * (auth.h): its workspace bounds everything, as an API key's does, so
 * another workspace's ids are 404 as in the API. Path parameters are in
 * r->params in the order of the pattern.
 */

/* auth.c */
void console_login_form(struct hg_request *r);
void console_login(struct hg_request *r);
void console_logout(struct hg_request *r);

/* autopilots.c: the workspace's autopilots, their triggers, the last day's deliveries */
void console_root(struct hg_request *r);
void console_home(struct hg_request *r);
void console_autopilot(struct hg_request *r);

/* deliveries.c */
void console_deliveries(struct hg_request *r);
void console_delivery(struct hg_request *r);
void console_replay(struct hg_request *r);
void console_bulk_replay(struct hg_request *r);

/* runs.c */
void console_runs(struct hg_request *r);

/* assets.c: the stylesheet built into the binary */
void console_stylesheet(struct hg_request *r);

/* The router's errors under /console (route_table's page_error): an HTML page. */
void console_error_page(struct hg_request *r, int status, const char *message);

#endif
