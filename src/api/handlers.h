/* handlers: every route handler of the route table, by resource file. */
#ifndef HG_HANDLERS_H
#define HG_HANDLERS_H

#include "http/request.h"

/* ingress.c */
void ingress_handle(struct hg_request *r);
/* 404 {"error":"webhook not found"}, charged to the client's bad-credential budget. */
void ingress_not_found(struct hg_request *r);

/* health.c */
void health_live(struct hg_request *r);
void health_ready(struct hg_request *r);

/*
 * The API handlers below run after the router has checked the API key
 * (r->workspace_id is the key's workspace), the write scope where needed,
 * and that every id in the path is a well-formed UUID. Path parameters are
 * in r->params in the order they appear in the pattern.
 */

/* autopilots.c */
void autopilots_list(struct hg_request *r);
void autopilots_create(struct hg_request *r);
void autopilots_show(struct hg_request *r);
void autopilots_update(struct hg_request *r);
void autopilots_delete(struct hg_request *r);

/* triggers.c */
void triggers_list(struct hg_request *r);
void triggers_create(struct hg_request *r);
void triggers_update(struct hg_request *r);
void triggers_delete(struct hg_request *r);
void triggers_rotate_token(struct hg_request *r);
void triggers_set_secret(struct hg_request *r);

/* deliveries.c */
void deliveries_list(struct hg_request *r);
void deliveries_show(struct hg_request *r);
void deliveries_replay(struct hg_request *r);
void deliveries_bulk_replay(struct hg_request *r);

/* runs.c */
void runs_list(struct hg_request *r);
void runs_show(struct hg_request *r);
void runs_get(struct hg_request *r);
void runs_claim(struct hg_request *r);
void runs_heartbeat(struct hg_request *r);
void runs_complete(struct hg_request *r);
void runs_fail(struct hg_request *r);

/* runtimes.c */
void runtimes_list(struct hg_request *r);
void runtimes_create(struct hg_request *r);
void runtimes_heartbeat(struct hg_request *r);

#endif
