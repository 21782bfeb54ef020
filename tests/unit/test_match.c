/*
 * test_match.c: the compiled rule set and its precedence rules.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "match.h"
#include "name.h"

struct rule {
	const char		*name;
	enum match_kind		 kind;
	enum match_effect	 effect;
	unsigned		 list;
};

static struct match *
build(const struct rule *r, size_t n)
{
	struct match_builder	*b = match_builder_new();
	size_t			 i;

	for (i = 0; i < n; i++)
		assert_int_equal(match_builder_add(b, r[i].name,
		    strlen(r[i].name), r[i].kind, r[i].effect, r[i].list,
		    (uint32_t)i + 1), 0);
	return (match_builder_finish(b, NULL, NULL));
}

/* Expect name decided by rule (the suffix of name) with effect and list. */
static void
expect(const struct match *m, const char *name, const char *rule,
    enum match_kind kind, enum match_effect effect, unsigned list)
{
	struct match_result	 res;

	if (!match_lookup(m, name, strlen(name), &res))
		fail_msg("%s: no rule", name);
	assert_string_equal(name + res.offset, rule);
	assert_int_equal(res.kind, kind);
	assert_int_equal(res.effect, effect);
	assert_int_equal(res.list, list);
}

static void
expect_none(const struct match *m, const char *name)
{
	struct match_result	 res;

	if (match_lookup(m, name, strlen(name), &res))
		fail_msg("%s: matched %s", name, name + res.offset);
}

static void
test_suffix_and_exact(void **state)
{
	const struct rule rules[] = {
		{ "upd.kaspersky.com", MATCH_SUFFIX, MATCH_BLOCK, 0 },
		{ "cm.k.kaspersky-labs.com", MATCH_EXACT, MATCH_BLOCK, 1 },
	};
	struct match	*m = build(rules, 2);

	(void)state;
	expect(m, "upd.kaspersky.com", "upd.kaspersky.com", MATCH_SUFFIX,
	    MATCH_BLOCK, 0);
	expect(m, "s12.upd.kaspersky.com", "upd.kaspersky.com",
	    MATCH_SUFFIX, MATCH_BLOCK, 0);
	expect(m, "a.b.c.upd.kaspersky.com", "upd.kaspersky.com",
	    MATCH_SUFFIX, MATCH_BLOCK, 0);
	expect(m, "cm.k.kaspersky-labs.com", "cm.k.kaspersky-labs.com",
	    MATCH_EXACT, MATCH_BLOCK, 1);
	/* exact covers the name only */
	expect_none(m, "x.cm.k.kaspersky-labs.com");
	expect_none(m, "k.kaspersky-labs.com");
	/* a suffix match is on whole labels */
	expect_none(m, "xupd.kaspersky.com");
	expect_none(m, "kaspersky.com");
	expect_none(m, "upd.kaspersky.com.example.org");
	expect_none(m, "com");
	assert_int_equal(match_count(m), 2);
	match_unref(m);
}

static void
test_allow_inside_block(void **state)
{
	const struct rule rules[] = {
		{ "kaspersky.com", MATCH_SUFFIX, MATCH_BLOCK, 0 },
		{ "tip.kaspersky.com", MATCH_SUFFIX, MATCH_ALLOW, 1 },
	};
	struct match	*m = build(rules, 2);

	(void)state;
	expect(m, "www.kaspersky.com", "kaspersky.com", MATCH_SUFFIX,
	    MATCH_BLOCK, 0);
	expect(m, "tip.kaspersky.com", "tip.kaspersky.com", MATCH_SUFFIX,
	    MATCH_ALLOW, 1);
	expect(m, "api.tip.kaspersky.com", "tip.kaspersky.com",
	    MATCH_SUFFIX, MATCH_ALLOW, 1);
	match_unref(m);
}

static void
test_block_inside_allow(void **state)
{
	const struct rule rules[] = {
		{ "example.com", MATCH_SUFFIX, MATCH_ALLOW, 0 },
		{ "bad.example.com", MATCH_SUFFIX, MATCH_BLOCK, 0 },
		{ "worse.good.example.com", MATCH_EXACT, MATCH_BLOCK, 2 },
	};
	struct match	*m = build(rules, 3);

	(void)state;
	expect(m, "www.example.com", "example.com", MATCH_SUFFIX,
	    MATCH_ALLOW, 0);
	expect(m, "x.bad.example.com", "bad.example.com", MATCH_SUFFIX,
	    MATCH_BLOCK, 0);
	expect(m, "worse.good.example.com", "worse.good.example.com",
	    MATCH_EXACT, MATCH_BLOCK, 2);
	expect(m, "sub.worse.good.example.com", "example.com", MATCH_SUFFIX,
	    MATCH_ALLOW, 0);
	match_unref(m);
}

static void
test_equal_specificity(void **state)
{
	const struct rule rules[] = {
		/* same name and kind: allow beats block, whatever the order */
		{ "a.example", MATCH_SUFFIX, MATCH_BLOCK, 0 },
		{ "a.example", MATCH_SUFFIX, MATCH_ALLOW, 3 },
		{ "b.example", MATCH_SUFFIX, MATCH_ALLOW, 4 },
		{ "b.example", MATCH_SUFFIX, MATCH_BLOCK, 1 },
		/* same name, exact block and suffix allow: allow */
		{ "c.example", MATCH_EXACT, MATCH_BLOCK, 0 },
		{ "c.example", MATCH_SUFFIX, MATCH_ALLOW, 2 },
		/* same name and effect in two lists: the lower list */
		{ "d.example", MATCH_SUFFIX, MATCH_BLOCK, 7 },
		{ "d.example", MATCH_SUFFIX, MATCH_BLOCK, 5 },
		/* exact allow and suffix block: allow for the name only */
		{ "e.example", MATCH_SUFFIX, MATCH_BLOCK, 0 },
		{ "e.example", MATCH_EXACT, MATCH_ALLOW, 1 },
	};
	struct match	*m = build(rules, 10);

	(void)state;
	expect(m, "a.example", "a.example", MATCH_SUFFIX, MATCH_ALLOW, 3);
	expect(m, "x.a.example", "a.example", MATCH_SUFFIX, MATCH_ALLOW, 3);
	expect(m, "b.example", "b.example", MATCH_SUFFIX, MATCH_ALLOW, 4);
	expect(m, "c.example", "c.example", MATCH_SUFFIX, MATCH_ALLOW, 2);
	expect(m, "d.example", "d.example", MATCH_SUFFIX, MATCH_BLOCK, 5);
	expect(m, "e.example", "e.example", MATCH_EXACT, MATCH_ALLOW, 1);
	expect(m, "x.e.example", "e.example", MATCH_SUFFIX, MATCH_BLOCK, 0);
	match_unref(m);
}

static void
test_more_specific_wins(void **state)
{
	const struct rule rules[] = {
		{ "com", MATCH_SUFFIX, MATCH_BLOCK, 0 },
		{ "kaspersky.com", MATCH_SUFFIX, MATCH_ALLOW, 1 },
		{ "upd.kaspersky.com", MATCH_SUFFIX, MATCH_BLOCK, 2 },
		{ "s00.upd.kaspersky.com", MATCH_EXACT, MATCH_ALLOW, 3 },
	};
	struct match	*m = build(rules, 4);

	(void)state;
	expect(m, "example.com", "com", MATCH_SUFFIX, MATCH_BLOCK, 0);
	expect(m, "kaspersky.com", "kaspersky.com", MATCH_SUFFIX,
	    MATCH_ALLOW, 1);
	expect(m, "s01.upd.kaspersky.com", "upd.kaspersky.com",
	    MATCH_SUFFIX, MATCH_BLOCK, 2);
	expect(m, "s00.upd.kaspersky.com", "s00.upd.kaspersky.com",
	    MATCH_EXACT, MATCH_ALLOW, 3);
	expect(m, "x.s00.upd.kaspersky.com", "upd.kaspersky.com",
	    MATCH_SUFFIX, MATCH_BLOCK, 2);
	match_unref(m);
}

struct dup {
	unsigned	 list;
	uint32_t	 tag;
	uint32_t	 first;
	int		 conflict;
	int		 n;
};

static void
on_dup(unsigned list, uint32_t tag, uint32_t first, int conflict, void *arg)
{
	struct dup	*d = arg;

	d->list = list;
	d->tag = tag;
	d->first = first;
	d->conflict = conflict;
	d->n++;
}

static void
test_duplicates_reported(void **state)
{
	struct match_builder	*b = match_builder_new();
	struct match		*m;
	struct dup		 d;

	(void)state;
	memset(&d, 0, sizeof(d));
	match_builder_add(b, "x.example", 9, MATCH_SUFFIX, MATCH_BLOCK, 2, 10);
	match_builder_add(b, "x.example", 9, MATCH_SUFFIX, MATCH_BLOCK, 2, 30);
	/* the same rule in another list is not a duplicate */
	match_builder_add(b, "x.example", 9, MATCH_SUFFIX, MATCH_BLOCK, 1, 5);
	/* exact and suffix of one name are different rules */
	match_builder_add(b, "x.example", 9, MATCH_EXACT, MATCH_BLOCK, 2, 40);
	m = match_builder_finish(b, on_dup, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.list, 2);
	assert_int_equal(d.tag, 30);
	assert_int_equal(d.first, 10);
	assert_int_equal(d.conflict, 0);
	assert_int_equal(match_count(m), 2);
	match_unref(m);

	memset(&d, 0, sizeof(d));
	b = match_builder_new();
	match_builder_add(b, "y.example", 9, MATCH_SUFFIX, MATCH_ALLOW, 0, 7);
	match_builder_add(b, "y.example", 9, MATCH_SUFFIX, MATCH_BLOCK, 0, 3);
	m = match_builder_finish(b, on_dup, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.conflict, 1);
	assert_int_equal(d.tag, 7);
	assert_int_equal(d.first, 3);
	expect(m, "y.example", "y.example", MATCH_SUFFIX, MATCH_ALLOW, 0);
	match_unref(m);
}

/* Large sets take the radix sort; duplicates are still found and kept once. */
static void
test_large_set_duplicates(void **state)
{
	struct match_builder	*b = match_builder_new();
	struct match		*m;
	struct dup		 d;
	char			 name[64];
	int			 i;

	(void)state;
	memset(&d, 0, sizeof(d));
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		match_builder_add(b, name, strlen(name), MATCH_SUFFIX,
		    MATCH_BLOCK, 0, (uint32_t)i + 1);
	}
	/* 50 names again, and one name 20000 more times */
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "n%d.example", i * 1000);
		match_builder_add(b, name, strlen(name), MATCH_SUFFIX,
		    MATCH_BLOCK, 0, 200000 + (uint32_t)i);
	}
	for (i = 0; i < 20000; i++)
		match_builder_add(b, "n7.example", 10, MATCH_SUFFIX,
		    MATCH_BLOCK, 0, 300000 + (uint32_t)i);
	m = match_builder_finish(b, on_dup, &d);
	assert_int_equal(d.n, 20050);
	assert_int_equal(match_count(m), 100000);
	expect(m, "x.n99999.example", "n99999.example", MATCH_SUFFIX,
	    MATCH_BLOCK, 0);
	expect_none(m, "n100000.example");
	match_unref(m);
}

/*
 * A set large enough for the in-place radix sort and for the builder
 * to give back its rules' pages while it fills the table: every rule
 * is still found, with allow over block and the lower list first.
 */
static void
test_large_set_every_rule(void **state)
{
	struct match_builder	*b = match_builder_new();
	struct match		*m;
	char			 name[64];
	int			 i;

	(void)state;
	for (i = 0; i < 300000; i++) {
		snprintf(name, sizeof(name), "h%d.big.example", i);
		match_builder_add(b, name, strlen(name), MATCH_SUFFIX,
		    MATCH_BLOCK, 1 + (unsigned)(i % 5), (uint32_t)i + 1);
		if (i % 7 == 0)
			match_builder_add(b, name, strlen(name), MATCH_SUFFIX,
			    MATCH_ALLOW, 6, (uint32_t)i + 1);
		if (i % 11 == 0)
			match_builder_add(b, name, strlen(name), MATCH_SUFFIX,
			    MATCH_BLOCK, 0, (uint32_t)i + 1);
	}
	m = match_builder_finish(b, NULL, NULL);
	assert_int_equal(match_count(m), 300000);
	for (i = 0; i < 300000; i++) {
		snprintf(name, sizeof(name), "s.h%d.big.example", i);
		expect(m, name, name + 2, MATCH_SUFFIX,
		    i % 7 == 0 ? MATCH_ALLOW : MATCH_BLOCK,
		    i % 7 == 0 ? 6 : i % 11 == 0 ? 0 : 1 + (unsigned)(i % 5));
	}
	snprintf(name, sizeof(name), "h300000.big.example");
	expect_none(m, name);
	match_unref(m);
}

static void
test_empty_set_and_bounds(void **state)
{
	struct match_builder	*b = match_builder_new();
	struct match		*m;

	(void)state;
	assert_int_equal(match_builder_add(b, "x.example", 9, MATCH_SUFFIX,
	    MATCH_BLOCK, MATCH_LISTMAX, 1), -1);
	assert_int_equal(match_builder_add(b, "", 0, MATCH_SUFFIX,
	    MATCH_BLOCK, 0, 1), -1);
	m = match_builder_finish(b, NULL, NULL);
	expect_none(m, "x.example");
	expect_none(m, "");
	assert_int_equal(match_count(m), 0);
	match_unref(m);
}

struct reader {
	const struct match	*m;
	atomic_int		 stop;
	long			 lookups;
	long			 wrong;
};

/* Look up in the old set until told to stop; count wrong answers. */
static void *
reader_main(void *arg)
{
	struct reader		*r = arg;
	struct match_result	 res;
	char			 name[64];
	int			 i = 0, len;

	while (!atomic_load(&r->stop) || r->lookups < 100000) {
		len = snprintf(name, sizeof(name), "host%d.old.example",
		    i++ % 50000);
		if (!match_lookup(r->m, name, (size_t)len, &res) ||
		    res.list != 0 || res.offset != 0)
			r->wrong++;
		r->lookups++;
	}
	return (NULL);
}

/*
 * A new set is built while a thread answers from the old one; both
 * answer correctly, and the old one survives until its last user goes.
 */
static void
test_second_set_while_first_serves(void **state)
{
	struct match_builder	*b;
	struct match		*old, *new;
	struct reader		 r;
	pthread_t		 t;
	char			 name[64];
	int			 i;

	(void)state;
	b = match_builder_new();
	for (i = 0; i < 50000; i++) {
		snprintf(name, sizeof(name), "host%d.old.example", i);
		match_builder_add(b, name, strlen(name), MATCH_EXACT,
		    MATCH_BLOCK, 0, (uint32_t)i);
	}
	old = match_builder_finish(b, NULL, NULL);
	memset(&r, 0, sizeof(r));
	r.m = match_ref(old);	/* the reader's reference */
	assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
	b = match_builder_new();
	for (i = 0; i < 200000; i++) {
		snprintf(name, sizeof(name), "host%d.new.example", i);
		match_builder_add(b, name, strlen(name), MATCH_SUFFIX,
		    MATCH_BLOCK, 1, (uint32_t)i);
	}
	new = match_builder_finish(b, NULL, NULL);
	match_unref(old);	/* the swap lets go of the old set */
	atomic_store(&r.stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.wrong, 0);
	assert_true(r.lookups >= 100000);
	for (i = 0; i < 50000; i += 7) {
		snprintf(name, sizeof(name), "host%d.old.example", i);
		expect(old, name, name, MATCH_EXACT, MATCH_BLOCK, 0);
		expect_none(new, name);
		snprintf(name, sizeof(name), "a.host%d.new.example", i);
		expect(new, name, name + 2, MATCH_SUFFIX, MATCH_BLOCK, 1);
		expect_none(old, name);
	}
	assert_int_equal(match_count(old), 50000);
	assert_int_equal(match_count(new), 200000);
	assert_true(match_memsize(new) < 200000 * 16);
	match_unref(old);	/* the reader's reference: now freed */
	match_unref(new);
}

/* A small deterministic generator for the property test. */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

/*
 * The promise behind "unclean names are judged": whatever bytes stand
 * in front of a blocked suffix (odd bytes, spaces, NULs, UTF-8, empty
 * or long labels, far too many of them), the name is still decided by
 * that suffix's block rule, and an exact rule never decides a name of
 * which only the right-most labels were read.
 */
static void
test_unclean_never_escapes(void **state)
{
	static const struct rule r[] = {
		{ "upd.kaspersky.com", MATCH_SUFFIX, MATCH_BLOCK, 1 },
		{ "kaspersky.com", MATCH_EXACT, MATCH_BLOCK, 2 }
	};
	static const char	 alphabet[] = "aZ9-_. \t\0\x01\x7f\x80\xc3\xa9.";
	static char		 buf[1024];
	struct match		*m = build(r, 2);
	struct match_result	 res;
	struct name		 n;
	uint64_t		 x = 0x9e3779b97f4a7c15ULL;
	size_t			 i, k, len;
	int			 found, partial = 0;

	(void)state;
	for (i = 0; i < 200000; i++) {
		len = next_rand(&x) % (i % 50 == 0 ? 600 : 40);
		for (k = 0; k < len; k++)
			buf[k] = alphabet[next_rand(&x) %
			    (sizeof(alphabet) - 1)];
		memcpy(buf + len, ".upd.kaspersky.com", 18);
		name_normalize(&n, buf, len + 18, NAME_WIRE);
		partial += n.partial;
		found = n.partial ?
		    match_lookup_below(m, n.s, n.len, &res) :
		    match_lookup(m, n.s, n.len, &res);
		if (!found || res.list != 1 || res.effect != MATCH_BLOCK)
			fail_msg("escaped: %zu bytes in front, \"%s\"", len,
			    n.s);
	}
	assert_true(partial > 1000);	/* the unclean case was exercised */
	/* below a name, exact rules do not count */
	assert_int_equal(match_lookup_below(m, "kaspersky.com", 13, &res), 0);
	assert_int_equal(match_lookup(m, "kaspersky.com", 13, &res), 1);
	match_unref(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unclean_never_escapes),
		cmocka_unit_test(test_suffix_and_exact),
		cmocka_unit_test(test_allow_inside_block),
		cmocka_unit_test(test_block_inside_allow),
		cmocka_unit_test(test_equal_specificity),
		cmocka_unit_test(test_more_specific_wins),
		cmocka_unit_test(test_duplicates_reported),
		cmocka_unit_test(test_large_set_duplicates),
		cmocka_unit_test(test_large_set_every_rule),
		cmocka_unit_test(test_empty_set_and_bounds),
		cmocka_unit_test(test_second_set_while_first_serves),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
