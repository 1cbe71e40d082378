/* test_ratelimit: GCRA arithmetic: burst, steady rate, Retry-After, a clock going backwards. */
#include "config.h"

#include <stdint.h>

#include "http/ratelimit.h"
#include "tap.h"

#define S 1000000000ull

static int run(uint64_t *tat, uint64_t now, long per_minute, int n)
{
	uint64_t retry;
	int allowed = 0;

	for (int i = 0; i < n; i++)
		if (gcra_step(tat, now, per_minute, true, &retry))
			allowed++;
	return allowed;
}

int main(void)
{
	uint64_t tat = 0, retry = 0, t0 = 100000 * S;
	uint64_t before;

	plan(26);

	/* burst: per_minute requests at once, then refused */
	is_int(run(&tat, t0, 5, 5), 5, "5/min: a burst of 5 passes");
	ok(!gcra_step(&tat, t0, 5, true, &retry), "5/min: the 6th at the same instant is refused");
	is_int(retry, 12 * S, "5/min: the 6th may come 12 s later (one interval)");
	is_int(retry_after_seconds(retry), 12, "Retry-After 12");
	before = tat;
	ok(!gcra_step(&tat, t0 + 1 * S, 5, true, &retry), "still refused 1 s later");
	is_int(tat, before, "a refused request does not push the limit further");
	ok(gcra_step(&tat, t0 + 12 * S, 5, true, &retry), "allowed again after one interval");
	ok(!gcra_step(&tat, t0 + 12 * S, 5, true, &retry), "and only one");

	/* steady rate: one per interval forever */
	tat = 0;
	{
		int allowed = 0;
		for (int i = 0; i < 100; i++)
			allowed += gcra_step(&tat, t0 + (uint64_t)i * 12 * S, 5, true, &retry);
		is_int(allowed, 100, "one request per interval is always allowed");
	}

	/* Retry-After rounding */
	is_int(retry_after_seconds(1), 1, "1 ns rounds up to 1 s");
	is_int(retry_after_seconds(0), 1, "Retry-After is at least 1");
	is_int(retry_after_seconds(S + 1), 2, "just over 1 s rounds up to 2");
	is_int(retry_after_seconds(3 * S), 3, "whole seconds stay");

	/* asking without charging */
	tat = 0;
	ok(gcra_step(&tat, t0, 2, false, &retry), "asking: allowed");
	is_int(tat, 0, "asking does not charge");
	(void)run(&tat, t0, 2, 2);
	ok(!gcra_step(&tat, t0, 2, false, &retry), "asking after the budget is spent: refused");
	is_int(retry, 30 * S, "2/min: wait one interval of 30 s");

	/* disabled */
	ok(gcra_step(&tat, t0, 0, true, &retry), "per_minute 0 disables the limit");

	/* a clock going backwards: the wait never exceeds the window */
	tat = 0;
	(void)run(&tat, t0, 60, 60);
	ok(!gcra_step(&tat, t0 - 3600 * S, 60, true, &retry), "an hour back in time: refused");
	ok(retry <= 60 * S, "but the wait is within one window (%llu ns)", (unsigned long long)retry);
	ok(gcra_step(&tat, t0 + 61 * S, 60, true, &retry), "and a window later it passes");

	/* a large rate: 600/min is one per 100 ms */
	tat = 0;
	is_int(run(&tat, t0, 600, 700), 600, "600/min: 600 of 700 at once pass");
	{
		/* token_rate as a schedule: 5 at once, then one every 12 s, nothing refused */
		uint64_t sched = 0, d[8];

		for (int i = 0; i < 8; i++)
			d[i] = gcra_defer(&sched, t0, 5);
		ok(d[0] == 0 && d[4] == 0, "defer: the first 5 start at once");
		ok(d[5] == 12 * S && d[6] == 24 * S && d[7] == 36 * S, "defer: then one every 12 s");
		ok(gcra_defer(&sched, t0 + 100 * S, 5) == 0, "defer: the schedule drains with time");
		sched = 0;
		ok(gcra_defer(&sched, t0, 0) == 0 && sched == 0, "defer: 0 per minute is off");
	}
	return done_testing();
}
