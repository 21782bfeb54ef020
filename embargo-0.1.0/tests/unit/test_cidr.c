/*
 * test_cidr.c: prefix parsing and longest-prefix match, edges included.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cidr.h"

static struct cidr_set *
build(const char **prefixes, size_t n)
{
	struct cidr_builder	*b = cidr_builder_new();
	struct addr		 a;
	unsigned		 plen;
	const char		*why;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (cidr_parse(prefixes[i], &a, &plen, &why) == -1)
			fail_msg("%s: %s", prefixes[i], why);
		assert_int_equal(cidr_builder_add(b, &a, plen, (uint32_t)i), 0);
	}
	return (cidr_builder_finish(b));
}

/* Expect addr to match the prefix with index want (-1: none). */
static void
expect(const struct cidr_set *s, const char *addr, int want)
{
	struct addr	 a;
	unsigned	 plen;
	const char	*why;
	uint32_t	 v;

	assert_int_equal(cidr_parse(addr, &a, &plen, &why), 0);
	if (want < 0) {
		if (cidr_lookup(s, &a, &v, NULL, NULL))
			fail_msg("%s: matched %u", addr, v);
		return;
	}
	if (!cidr_lookup(s, &a, &v, NULL, NULL))
		fail_msg("%s: no match, wanted %d", addr, want);
	assert_int_equal(v, want);
}

static void
test_parse(void **state)
{
	struct addr	 a;
	unsigned	 plen;
	const char	*why;
	char		 buf[64];

	(void)state;
	assert_int_equal(cidr_parse("10.0.0.0/8", &a, &plen, &why), 0);
	assert_int_equal(plen, 8);
	assert_string_equal(cidr_format(&a, plen, buf, sizeof(buf)),
	    "10.0.0.0/8");
	assert_int_equal(cidr_parse("2a03:2480::/33", &a, &plen, &why), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(cidr_parse("192.0.2.7", &a, &plen, &why), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(cidr_parse("10.1.2.3/8", &a, &plen, &why), -1);
	assert_string_equal(why, "address has bits set past the prefix length");
	assert_int_equal(cidr_parse("10.0.0.0/33", &a, &plen, &why), -1);
	assert_string_equal(why, "bad prefix length");
	assert_int_equal(cidr_parse("10.0.0.0/", &a, &plen, &why), -1);
	assert_int_equal(cidr_parse("example.com/8", &a, &plen, &why), -1);
	assert_string_equal(why, "not an address or prefix");
	assert_int_equal(cidr_parse("fd00::/129", &a, &plen, &why), -1);
}

static void
test_nesting(void **state)
{
	const char	*p[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24",
	    "10.1.2.128/25", "192.0.2.0/24", "2a03:2480::/33",
	    "2a03:2480:8000::/43", "10.200.0.0/16" };
	struct cidr_set	*s = build(p, 8);

	(void)state;
	expect(s, "10.0.0.1", 0);
	expect(s, "10.1.0.1", 1);
	expect(s, "10.1.2.1", 2);
	expect(s, "10.1.2.200", 3);
	expect(s, "10.1.3.0", 1);
	expect(s, "10.2.0.0", 0);
	expect(s, "10.200.5.5", 7);
	{
		struct addr	 a, net;
		unsigned	 plen, pl;
		uint32_t	 v;
		const char	*why;
		char		 buf[64];

		/* the lookup also names the prefix that matched */
		cidr_parse("10.1.2.200", &a, &pl, &why);
		assert_int_equal(cidr_lookup(s, &a, &v, &net, &plen), 1);
		assert_string_equal(cidr_format(&net, plen, buf, sizeof(buf)),
		    "10.1.2.128/25");
		cidr_parse("10.1.3.1", &a, &pl, &why);
		assert_int_equal(cidr_lookup(s, &a, &v, &net, &plen), 1);
		assert_string_equal(cidr_format(&net, plen, buf, sizeof(buf)),
		    "10.1.0.0/16");
		cidr_parse("2a03:2480:8005::1", &a, &pl, &why);
		assert_int_equal(cidr_lookup(s, &a, &v, &net, &plen), 1);
		assert_string_equal(cidr_format(&net, plen, buf, sizeof(buf)),
		    "2a03:2480:8000::/43");
	}
	expect(s, "10.255.255.255", 0);
	expect(s, "11.0.0.0", -1);
	expect(s, "9.255.255.255", -1);
	expect(s, "192.0.2.255", 4);
	expect(s, "192.0.3.0", -1);
	expect(s, "2a03:2480::1", 5);
	expect(s, "2a03:2480:8005::1", 6);
	expect(s, "2a03:2480:8020::1", -1);	/* past the /33 and /43 */
	expect(s, "2a03:2481::", -1);
	/* an IPv4 prefix never matches IPv6 addresses and the reverse */
	expect(s, "::ffff:10.0.0.1", 0);	/* the mapped form is the same */
	expect(s, "fd00::1", -1);
	assert_int_equal(cidr_count(s), 8);
	cidr_free(s);
}

/* Whole spaces, a shared start, the top address, duplicates. */
static void
test_edges(void **state)
{
	const char	*p[] = { "::/0", "::/1", "ffff:ffff:ffff:ffff:ffff:ffff:"
	    "ffff:fffe/127", "0.0.0.0/0", "255.255.255.255", "10.0.0.0/8",
	    "10.0.0.0/8" };
	struct cidr_set	*s = build(p, 7);
	struct cidr_set	*empty = build(NULL, 0);

	(void)state;
	expect(s, "::1", 1);
	expect(s, "8000::", 0);
	expect(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 2);
	expect(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd", 0);
	expect(s, "1.2.3.4", 3);
	expect(s, "255.255.255.255", 4);
	expect(s, "255.255.255.254", 3);
	expect(s, "10.9.9.9", 5);		/* the first of the two */
	expect(empty, "10.0.0.1", -1);
	cidr_free(s);
	cidr_free(empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_edges),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
