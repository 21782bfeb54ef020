/*
 * test_flow.c: the bounded flow table, its buffers and expiry.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "flow.h"

static struct tuple
mk(int v6, uint16_t sport)
{
	struct tuple	 t;

	memset(&t, 0, sizeof(t));
	t.src.family = t.dst.family = v6 ? AF_INET6 : AF_INET;
	if (v6) {
		inet_pton(AF_INET6, "fd00:77:1::2", &t.src.u.v6);
		inet_pton(AF_INET6, "fd00:77:2::2", &t.dst.u.v6);
	} else {
		inet_pton(AF_INET, "10.77.1.2", &t.src.u.v4);
		inet_pton(AF_INET, "10.77.2.2", &t.dst.u.v4);
	}
	t.sport = sport;
	t.dport = 443;
	t.l4 = IPPROTO_TCP;
	return (t);
}

static void
test_add_find_remove(void **state)
{
	struct flow_table	*ft = flow_table_new(64, 4, 4096, 0);
	int			 ev;
	struct tuple		 a = mk(0, 1000), b = mk(1, 1000), c = mk(0, 1001);
	struct flow		*fa, *fb;

	(void)state;
	assert_null(flow_find(ft, &a));
	fa = flow_add(ft, &a, 1, &ev);
	fb = flow_add(ft, &b, 1, &ev);
	assert_non_null(fa);
	assert_non_null(fb);
	assert_ptr_equal(flow_find(ft, &a), fa);
	assert_ptr_equal(flow_find(ft, &b), fb);
	assert_null(flow_find(ft, &c));
	assert_int_equal(flow_count(ft), 2);
	flow_remove(ft, fa);
	assert_null(flow_find(ft, &a));
	assert_ptr_equal(flow_find(ft, &b), fb);
	assert_int_equal(flow_count(ft), 1);
	flow_table_free(ft);
}

/*
 * A full table gives up a flow for a new one: a decided one among the
 * oldest first, then a lone SYN, else the oldest.  It never refuses one.
 */
static void
test_full(void **state)
{
	struct flow_table	*ft = flow_table_new(16, 2, 4096, 0);
	struct tuple		 t;
	struct flow		*f;
	uint16_t		 i;
	int			 ev;

	(void)state;
	for (i = 0; i < 16; i++) {
		t = mk(i & 1, 2000 + i);
		assert_non_null(f = flow_add(ft, &t, 1, &ev));
		assert_int_equal(ev, 0);
		f->answered = 1;	/* connections, not lone SYNs */
	}
	/* the fourth oldest is decided: it goes, not the oldest */
	t = mk(1, 2003);
	flow_find(ft, &t)->state = FLOW_DECIDED;
	t = mk(0, 3000);
	assert_non_null(flow_add(ft, &t, 1, &ev));
	assert_int_equal(ev, 1);
	t = mk(1, 2003);
	assert_null(flow_find(ft, &t));
	t = mk(0, 2000);
	assert_non_null(flow_find(ft, &t));
	/* none decided: the oldest goes */
	t = mk(0, 3001);
	assert_non_null(f = flow_add(ft, &t, 1, &ev));
	assert_int_equal(ev, 1);
	t = mk(0, 2000);
	assert_null(flow_find(ft, &t));
	assert_int_equal(flow_count(ft), 16);
	t = mk(1, 2001);
	flow_remove(ft, flow_find(ft, &t));
	t = mk(0, 3002);
	assert_non_null(f = flow_add(ft, &t, 1, &ev));
	assert_int_equal(ev, 0);
	/* a lone SYN among the oldest goes before an older connection */
	t = mk(1, 2005);
	flow_find(ft, &t)->answered = 0;
	t = mk(0, 3003);
	assert_non_null(flow_add(ft, &t, 1, &ev));
	assert_int_equal(ev, 1);
	t = mk(1, 2005);
	assert_null(flow_find(ft, &t));
	t = mk(0, 2002);
	assert_non_null(flow_find(ft, &t));
	flow_table_free(ft);
}

/*
 * Entries are handed out unused ones first, then from the free list:
 * freed and never-used entries mix without one flow getting two.
 */
static void
test_fresh_then_freed(void **state)
{
	struct flow_table	*ft = flow_table_new(16, 2, 4096, 0);
	struct flow		*seen[16];
	struct tuple		 t;
	uint16_t		 i, j, n = 0;
	int			 ev;

	(void)state;
	for (i = 0; i < 8; i++) {
		t = mk(0, 4000 + i);
		assert_non_null(flow_add(ft, &t, 1, &ev));
	}
	for (i = 0; i < 8; i += 2) {
		t = mk(0, 4000 + i);
		flow_remove(ft, flow_find(ft, &t));
	}
	for (i = 0; i < 12; i++) {
		t = mk(1, 5000 + i);
		assert_non_null(flow_add(ft, &t, 1, &ev));
	}
	assert_int_equal(flow_count(ft), 16);
	assert_int_equal(ev, 0);	/* full, and nothing was given up */
	for (i = 0; i < 20; i++) {
		t = i < 8 ? mk(0, 4000 + i) : mk(1, 5000 + i - 8);
		if (i < 8 && i % 2 == 0) {
			assert_null(flow_find(ft, &t));
			continue;
		}
		assert_non_null(seen[n] = flow_find(ft, &t));
		for (j = 0; j < n; j++)
			assert_ptr_not_equal(seen[j], seen[n]);
		n++;
	}
	assert_int_equal(n, 16);
	flow_table_free(ft);
}

static void
test_buffers(void **state)
{
	struct flow_table	*ft = flow_table_new(16, 2, 2048, 0);
	int			 ev;
	struct tuple		 t1 = mk(0, 1), t2 = mk(0, 2), t3 = mk(0, 3);
	struct flow		*f1, *f2, *f3;

	(void)state;
	f1 = flow_add(ft, &t1, 1, &ev);
	f2 = flow_add(ft, &t2, 1, &ev);
	f3 = flow_add(ft, &t3, 1, &ev);
	f1->base = 77;
	assert_int_equal(flow_gather(ft, f1), 0);
	assert_int_equal(f1->st.base, 77);
	assert_int_equal(f1->st.cap, 2048);
	assert_int_equal(flow_gather(ft, f1), 0);	/* already has one */
	assert_int_equal(flow_gather(ft, f2), 0);
	assert_int_equal(flow_gather(ft, f3), -1);	/* pool empty */
	assert_ptr_not_equal(f1->st.buf, f2->st.buf);
	memset(f1->st.buf, 0xaa, 2048);
	memset(f2->st.buf, 0xbb, 2048);
	assert_int_equal(f1->st.buf[2047], 0xaa);	/* no overlap */
	flow_remove(ft, f1);				/* gives it back */
	assert_int_equal(flow_gather(ft, f3), 0);
	flow_release_buffer(ft, f2);
	assert_null(f2->st.buf);
	flow_table_free(ft);
}

/* Expiry follows last use, with a shorter life for decided flows. */
static void
test_expire(void **state)
{
	struct flow_table	*ft = flow_table_new(16, 2, 2048, 0);
	int			 ev;
	struct tuple		 t1 = mk(0, 1), t2 = mk(0, 2), t3 = mk(1, 3);
	struct flow		*f1, *f2, *f3;

	(void)state;
	f1 = flow_add(ft, &t1, 0, &ev);
	f2 = flow_add(ft, &t2, 0, &ev);
	f3 = flow_add(ft, &t3, 0, &ev);
	f2->state = FLOW_DECIDED;
	flow_touch(ft, f1, 4000);
	/* at 6 s: f2 decided and idle 6 s (> 5), f3 idle 6 s (< 30) */
	assert_int_equal(flow_expire(ft, 6000, 30000, 5000), 1);
	assert_null(flow_find(ft, &t2));
	assert_non_null(flow_find(ft, &t3));
	(void)f3;
	/* at 31 s: f3 idle 31 s goes, f1 idle 27 s stays */
	assert_int_equal(flow_expire(ft, 31000, 30000, 5000), 1);
	assert_null(flow_find(ft, &t3));
	assert_non_null(flow_find(ft, &t1));
	assert_int_equal(flow_expire(ft, 40000, 30000, 5000), 1);
	assert_int_equal(flow_count(ft), 0);
	flow_table_free(ft);
}

/* The asker of test_expire_ask: a fate by source port, and who was asked. */
struct asked {
	uint16_t	 ports[8];
	int		 n;
};

static enum flow_fate
ask_by_port(const struct flow *f, void *arg)
{
	struct asked	*a = arg;

	assert_true(f->state != FLOW_DECIDED);
	a->ports[a->n++] = f->t.sport;
	switch (f->t.sport) {
	case 1:
		return (FLOW_KEEP);
	case 2:
		return (FLOW_LATER);
	default:
		return (FLOW_FORGET);
	}
}

/*
 * The asker decides undecided flows past idle_ms only: kept ones start
 * their idle time again (and move behind the others), those left for
 * later stay as they are and are asked again, decided ones go unasked.
 */
static void
test_expire_ask(void **state)
{
	struct flow_table	*ft = flow_table_new(16, 2, 2048, 0);
	struct asked		 a;
	struct tuple		 t1 = mk(0, 1), t2 = mk(0, 2), t3 = mk(1, 3),
				 t4 = mk(0, 4), t5 = mk(0, 5);
	struct flow		*f4;
	int			 ev;

	(void)state;
	flow_add(ft, &t1, 0, &ev);
	flow_add(ft, &t2, 0, &ev);
	flow_add(ft, &t3, 0, &ev);
	f4 = flow_add(ft, &t4, 0, &ev);
	f4->state = FLOW_DECIDED;
	flow_add(ft, &t5, 20000, &ev);
	memset(&a, 0, sizeof(a));
	/* at 31 s: 1 kept, 2 later, 3 forgotten, 4 decided, unasked; 5 new */
	assert_int_equal(flow_expire_ask(ft, 31000, 30000, 5000, ask_by_port,
	    &a), 2);
	assert_int_equal(a.n, 3);
	assert_int_equal(a.ports[0], 1);
	assert_int_equal(a.ports[1], 2);
	assert_int_equal(a.ports[2], 3);
	assert_non_null(flow_find(ft, &t1));
	assert_non_null(flow_find(ft, &t2));
	assert_null(flow_find(ft, &t3));
	assert_null(flow_find(ft, &t4));
	assert_non_null(flow_find(ft, &t5));
	assert_int_equal(flow_find(ft, &t1)->last, 31000);
	assert_int_equal(flow_find(ft, &t2)->last, 0);
	/* at 32 s: only 2 is past its time again; 1's clock restarted */
	memset(&a, 0, sizeof(a));
	assert_int_equal(flow_expire_ask(ft, 32000, 30000, 5000, ask_by_port,
	    &a), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.ports[0], 2);
	/* without an asker, as flow_expire(): 2 goes, then 5, then 1 */
	assert_int_equal(flow_expire_ask(ft, 32000, 30000, 5000, NULL, NULL),
	    1);
	assert_int_equal(flow_expire(ft, 50001, 30000, 5000), 1);
	assert_non_null(flow_find(ft, &t1));
	assert_int_equal(flow_expire(ft, 61001, 30000, 5000), 1);
	assert_int_equal(flow_count(ft), 0);
	flow_table_free(ft);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_remove),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_fresh_then_freed),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_expire_ask),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
