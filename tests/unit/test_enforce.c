/*
 * test_enforce.c: the address path finds the rule that claims a flow by
 * where it goes (a listed prefix, a learned address, a claimed port) and
 * keeps what DNS answers teach.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cidr.h"
#include "enforce.h"
#include "fixture.h"
#include "learn.h"
#include "policy.h"

static struct addr
addr(const char *s)
{
	struct addr	 a;
	unsigned	 plen;
	const char	*why;

	assert_int_equal(cidr_parse(s, &a, &plen, &why), 0);
	return (a);
}

/* A prefix of an IP list claims the addresses inside it only. */
static void
test_prefix(void **state)
{
	struct policy		*p = fixture_policy_ip("ds.kaspersky.com\n",
	    "77.74.176.0/22\n2a03:2480::/32\n", ACTION_BLOCK, MODE_BLOCK, 0);
	struct enforce_rule	 r;
	struct addr		 a;

	(void)state;
	a = addr("77.74.177.5");
	assert_int_equal(enforce_addr(p->lists, NULL, &a, 0, &r), 1);
	assert_string_equal(r.list->name, "test-ip");
	assert_string_equal(r.match, "prefix");
	assert_string_equal(r.rule, "77.74.176.0/22");
	a = addr("2a03:2480:8::1");
	assert_int_equal(enforce_addr(p->lists, NULL, &a, 0, &r), 1);
	assert_string_equal(r.rule, "2a03:2480::/32");
	a = addr("77.74.180.1");
	assert_int_equal(enforce_addr(p->lists, NULL, &a, 0, &r), 0);
	policy_unref(p);
}

/*
 * Answers teach addresses for their TTLs; a learned address claims a
 * flow while it lives and while its list is loaded.
 */
static void
test_learned(void **state)
{
	struct policy		*p = fixture_policy("ds.kaspersky.com\n",
	    ACTION_BLOCK, MODE_BLOCK, 0);
	struct learn		*l = learn_new(16, 0);
	struct dns_answer	 ans;
	struct enforce_rule	 r;
	struct addr		 a;

	(void)state;
	memset(&ans, 0, sizeof(ans));
	ans.addr[0] = addr("192.0.2.7");
	ans.ttl[0] = 60;
	ans.addr[1] = addr("2001:db8::7");
	ans.ttl[1] = 60;
	ans.naddr = 2;
	assert_int_equal(enforce_learn(l, &ans, "ds.kaspersky.com", "test",
	    1000), 2);
	a = addr("192.0.2.7");
	assert_int_equal(enforce_addr(p->lists, l, &a, 2000, &r), 1);
	assert_string_equal(r.match, "learned");
	assert_string_equal(r.rule, "ds.kaspersky.com");
	assert_string_equal(r.list->name, "test");
	a = addr("2001:db8::7");
	assert_int_equal(enforce_addr(p->lists, l, &a, 2000, &r), 1);
	/* past its TTL it is gone */
	assert_int_equal(enforce_addr(p->lists, l, &a, 1000 + 61000, &r), 0);
	/* learned for a list no longer loaded: ignored */
	ans.addr[0] = addr("192.0.2.8");
	ans.naddr = 1;
	assert_int_equal(enforce_learn(l, &ans, "x.example", "gone", 1000), 1);
	a = addr("192.0.2.8");
	assert_int_equal(enforce_addr(p->lists, l, &a, 2000, &r), 0);
	/* no table, nothing learned */
	assert_int_equal(enforce_learn(NULL, &ans, "x", "test", 0), 0);
	learn_free(l);
	policy_unref(p);
}

/* A list's @ports claims flows to those ports. */
static void
test_port(void **state)
{
	struct policy		*p = fixture_policy("@ports 853 5353\n"
	    "dns.example\n", ACTION_BLOCK, MODE_BLOCK, 0);
	struct enforce_rule	 r;

	(void)state;
	assert_int_equal(enforce_port(p->lists, 853, &r), 1);
	assert_string_equal(r.rule, "853");
	assert_string_equal(r.match, "port");
	assert_string_equal(r.list->name, "test");
	assert_int_equal(enforce_port(p->lists, 5353, &r), 1);
	assert_int_equal(enforce_port(p->lists, 443, &r), 0);
	policy_unref(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_learned),
		cmocka_unit_test(test_port),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
