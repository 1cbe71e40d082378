/* chart: the 24-hour delivery chart of the autopilots page, drawn as inline SVG (no script, no image fetched). */
#include "config.h"

#include <stdio.h>

#include "console/chart.h"

/* One slot an hour: a bar of BAR_W and a gap; bars at most BAR_H high above a baseline. */
#define BAR_W	10
#define SLOT_W	12
#define BAR_H	40
#define CHART_W	(SLOT_W * DELIVERY_DAY_HOURS)
#define CHART_H	(BAR_H + 2)

/* "3 dispatched, 1 rejected" for counts (or "no deliveries"). */
static void counts_text(struct page *p, const long *count)
{
	bool any = false;

	for (int s = 0; s < DELIVERY_STATUS_COUNT; s++) {
		if (!count[s])
			continue;
		if (any)
			page_raw(p, ", ");
		page_long(p, count[s]);
		page_raw(p, " ");
		page_text(p, delivery_statuses[s]);
		any = true;
	}
	if (!any)
		page_raw(p, "no deliveries");
}

void chart_day(struct page *p, const struct delivery_day *d, int id)
{
	long day[DELIVERY_STATUS_COUNT] = { 0 }, highest = 0;

	for (int h = 0; h < DELIVERY_DAY_HOURS; h++) {
		long n = 0;

		for (int s = 0; s < DELIVERY_STATUS_COUNT; s++) {
			n += d->count[h][s];
			day[s] += d->count[h][s];
		}
		if (n > highest)
			highest = n;
	}
	page_raw(p, "<figure class=\"chart\">\n<svg viewBox=\"0 0 ");
	page_long(p, CHART_W);
	page_raw(p, " ");
	page_long(p, CHART_H);
	page_raw(p, "\" width=\"");
	page_long(p, CHART_W);
	page_raw(p, "\" height=\"");
	page_long(p, CHART_H);
	page_raw(p, "\" role=\"img\" aria-labelledby=\"chart-");
	page_long(p, id);
	page_raw(p, "\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"chart-");
	page_long(p, id);
	page_raw(p, "\">Deliveries of the last 24 hours: ");
	page_long(p, d->total);
	page_raw(p, " (");
	counts_text(p, day);
	page_raw(p, ")</title>\n<line class=\"axis\" x1=\"0\" y1=\"");
	page_long(p, BAR_H + 1);
	page_raw(p, "\" x2=\"");
	page_long(p, CHART_W);
	page_raw(p, "\" y2=\"");
	page_long(p, BAR_H + 1);
	page_raw(p, "\"/>\n");
	for (int slot = 0; slot < DELIVERY_DAY_HOURS; slot++) {
		int ago = DELIVERY_DAY_HOURS - 1 - slot;	/* the oldest hour on the left */
		long y = BAR_H;

		page_raw(p, "<g><title>");
		if (ago == 0)
			page_raw(p, "the last hour");
		else {
			page_long(p, ago);
			page_raw(p, ago == 1 ? " hour ago" : " hours ago");
		}
		page_raw(p, ": ");
		counts_text(p, d->count[ago]);
		page_raw(p, "</title>");
		for (int s = 0; s < DELIVERY_STATUS_COUNT && highest > 0; s++) {
			long n = d->count[ago][s], hgt;

			if (!n)
				continue;
			/* to scale, but never thinner than one unit: a single delivery shows */
			hgt = n * BAR_H / highest;
			if (hgt < 1)
				hgt = 1;
			if (hgt > y)
				hgt = y;
			y -= hgt;
			page_raw(p, "<rect class=\"c-");
			page_text(p, delivery_statuses[s]);
			page_raw(p, "\" x=\"");
			page_long(p, slot * SLOT_W + (SLOT_W - BAR_W) / 2);
			page_raw(p, "\" y=\"");
			page_long(p, y);
			page_raw(p, "\" width=\"");
			page_long(p, BAR_W);
			page_raw(p, "\" height=\"");
			page_long(p, hgt);
			page_raw(p, "\"/>");
		}
		page_raw(p, "</g>\n");
	}
	page_raw(p, "</svg>\n<figcaption><span class=\"muted\">24 h ago &#8594; now:</span> ");
	if (!d->total)
		page_raw(p, "no deliveries");
	for (int s = 0; s < DELIVERY_STATUS_COUNT; s++) {
		if (!day[s])
			continue;
		page_raw(p, "<span class=\"key\"><span class=\"swatch c-");
		page_text(p, delivery_statuses[s]);
		page_raw(p, "\"></span>");
		page_text(p, delivery_statuses[s]);
		page_raw(p, " ");
		page_long(p, day[s]);
		page_raw(p, "</span> ");
	}
	page_raw(p, "</figcaption>\n</figure>\n");
}
