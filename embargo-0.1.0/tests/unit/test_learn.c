/*
 * test_learn.c: the table of addresses learned for blocked names: held
 * for their TTL or the minimum hold, whichever is longer; bounded, with
 * expired entries reclaimed before anything is refused.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "learn.h"

static struct addr
addr(const char *s)
{
	struct addr	 a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a.family, s, a.u.b), 1);
	return (a);
}

static void
test_ttl_and_hold(void **state)
{
	struct learn		*l = learn_new(16, 10);
	struct learn_info	 i;
	struct addr		 a = addr("10.77.2.4"), b = addr("fd00:77:2::4");

	(void)state;
	assert_false(learn_lookup(l, &a, 0, &i));
	/* TTL 60 s from t = 1 s: until 61 s, not at 61 s */
	assert_int_equal(learn_add(l, &a, 60, "ksn.kaspersky.com", "kl-ksn",
	    1000), 0);
	assert_true(learn_lookup(l, &a, 1000, &i));
	assert_string_equal(i.name, "ksn.kaspersky.com");
	assert_string_equal(i.list, "kl-ksn");
	assert_true(learn_lookup(l, &a, 60999, &i));
	assert_false(learn_lookup(l, &a, 61000, &i));
	/* TTL 0: held for the minimum, 10 s */
	assert_int_equal(learn_add(l, &b, 0, "x.kaspersky.com", "kl", 1000), 0);
	assert_true(learn_lookup(l, &b, 10999, &i));
	assert_false(learn_lookup(l, &b, 11000, &i));
	/* a later, shorter answer does not cut a longer hold */
	assert_int_equal(learn_add(l, &a, 1000, "a", "kl", 1000), 0);
	assert_int_equal(learn_add(l, &a, 1, "b", "kl", 2000), 0);
	assert_true(learn_lookup(l, &a, 500000, &i));
	assert_string_equal(i.name, "a");
	assert_int_equal(learn_count(l), 2);
	/* the same bytes as IPv6 are another address */
	b = addr("::a4d:204");
	assert_false(learn_lookup(l, &b, 2000, &i));
	learn_free(l);
}

static void
test_bound(void **state)
{
	struct learn		*l = learn_new(4, 0);
	struct learn_info	 i;
	struct addr		 a[6];
	char			 s[32];
	int			 k;

	(void)state;
	for (k = 0; k < 6; k++) {
		snprintf(s, sizeof(s), "10.77.3.%d", k + 1);
		a[k] = addr(s);
	}
	for (k = 0; k < 4; k++)
		assert_int_equal(learn_add(l, &a[k], 10 + k, "n", "l", 0), 0);
	/* full: refused and counted; the others stay */
	assert_int_equal(learn_add(l, &a[4], 60, "n", "l", 0), -1);
	assert_int_equal(learn_full(l), 1);
	assert_int_equal(learn_count(l), 4);
	assert_true(learn_lookup(l, &a[0], 0, &i));
	/* once some expired, they make room */
	assert_int_equal(learn_add(l, &a[4], 60, "n", "l", 11000), 0);
	assert_int_equal(learn_add(l, &a[5], 60, "n", "l", 11000), 0);
	assert_false(learn_lookup(l, &a[0], 11000, &i));
	assert_true(learn_lookup(l, &a[5], 11000, &i));
	/* expiry forgets exactly what is past its time */
	assert_int_equal(learn_expire(l, 13000), 2);	/* .3 and .4: 12, 13 s */
	assert_int_equal(learn_count(l), 2);
	assert_int_equal(learn_expire(l, 13000), 0);
	learn_free(l);
}

/* Names longer than an entry holds are cut, never overrun. */
static void
test_long_name(void **state)
{
	struct learn		*l = learn_new(16, 10);
	struct learn_info	 i;
	struct addr		 a = addr("10.77.2.9");
	char			 name[254];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(learn_add(l, &a, 60, name, name, 0), 0);
	assert_true(learn_lookup(l, &a, 0, &i));
	assert_int_equal(strlen(i.name), LEARN_NAMEMAX - 1);
	assert_int_equal(strlen(i.list), LEARN_LISTMAX - 1);
	learn_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_and_hold),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_long_name),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
