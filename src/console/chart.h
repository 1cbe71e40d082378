/* chart: an autopilot's last 24 hours of deliveries as an inline SVG bar chart, stacked by status. */
#ifndef HG_CONSOLE_CHART_H
#define HG_CONSOLE_CHART_H

#include "console/page.h"
#include "db/delivery.h"

/*
 * The chart of d into p: one bar an hour, the oldest on the left, each
 * cut by status (classes c-<status> of the stylesheet), a title on each
 * hour and on the whole (for a screen reader, a tooltip), then a legend
 * with the day's count per status. id tells charts of one page apart.
 */
void chart_day(struct page *p, const struct delivery_day *d, int id);

#endif
