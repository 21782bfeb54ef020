/*
 * test_lists.c: every list format, good lines and bad, with the exact
 * messages a user sees; and loading a configuration's lists.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "cidr.h"
#include "lists.h"
#include "match.h"

#define MSGMAX	64

static char	*msgs[MSGMAX];
static int	 nmsgs;

static void
collect(const char *msg, void *arg)
{
	(void)arg;
	if (nmsgs < MSGMAX)
		msgs[nmsgs++] = strdup(msg);
}

static void
clear_msgs(void)
{
	while (nmsgs > 0)
		free(msgs[--nmsgs]);
}

static void
expect_msgs(const char **want, int n)
{
	int	 i;

	for (i = 0; i < n && i < nmsgs; i++)
		assert_string_equal(msgs[i], want[i]);
	if (nmsgs != n) {
		for (i = 0; i < nmsgs; i++)
			print_message("got: %s\n", msgs[i]);
		fail_msg("%d messages, expected %d", nmsgs, n);
	}
}

struct parsed {
	struct list	 l;
	struct match	*m;
	int		 errors;
};

/* Parse len bytes as list "t.list" in format f; messages go to msgs[]. */
static void
parse_bytes(struct parsed *p, const char *text, size_t len,
    enum list_format f)
{
	struct match_builder	*b = match_builder_new();
	char			*buf = malloc(len + 1);

	memcpy(buf, text, len);
	buf[len] = '\0';
	clear_msgs();
	memset(&p->l, 0, sizeof(p->l));
	p->l.name = strdup("t");
	p->l.path = strdup("t.list");
	p->l.format = f;
	p->errors = lists_parse(b, &p->l, 0, buf, len, collect, NULL);
	p->m = match_builder_finish(b, NULL, NULL);
	free(buf);
}

static void
parse(struct parsed *p, const char *text, enum list_format f)
{
	parse_bytes(p, text, strlen(text), f);
}

static void
done(struct parsed *p)
{
	match_unref(p->m);
	list_clear(&p->l);
	clear_msgs();
}

/* Expect name decided by rule with kind and effect. */
static void
expect(struct parsed *p, const char *name, const char *rule,
    enum match_kind kind, enum match_effect effect)
{
	struct match_result	 res;

	if (!match_lookup(p->m, name, strlen(name), &res))
		fail_msg("%s: no rule", name);
	assert_string_equal(name + res.offset, rule);
	assert_int_equal(res.kind, kind);
	assert_int_equal(res.effect, effect);
}

static void
expect_none(struct parsed *p, const char *name)
{
	struct match_result	 res;

	if (match_lookup(p->m, name, strlen(name), &res))
		fail_msg("%s: matched %s", name, name + res.offset);
}

static void
test_native_good(void **state)
{
	struct parsed	 p;

	(void)state;
	parse(&p,
	    "# a comment\n"
	    "@vendor   Kaspersky\n"
	    "@category update\n"
	    "@description Update servers\n"
	    "@source https://example.org/a#frag\n"
	    "@source https://example.org/b\n"
	    "@version 2026-11-28\n"
	    "@scope 89 FR 52434\n"
	    "\n"
	    "  upd.kaspersky.com   # trailing comment\n"
	    "exact cm.k.kaspersky-labs.com\n"
	    "allow tip.kaspersky.com\n"
	    "allow exact www.upd.kaspersky.com\r\n"
	    "UPPER.Example.COM.\n"
	    "*.wild.example\n"
	    "касперский.рф\n",
	    FORMAT_NATIVE);
	expect_msgs(NULL, 0);
	assert_int_equal(p.errors, 0);
	assert_int_equal(p.l.rules, 7);
	assert_string_equal(p.l.vendor, "Kaspersky");
	assert_string_equal(p.l.category, "update");
	assert_string_equal(p.l.description, "Update servers");
	assert_string_equal(p.l.version, "2026-11-28");
	assert_string_equal(p.l.scope, "89 FR 52434");
	assert_int_equal(p.l.nsources, 2);
	assert_string_equal(p.l.sources[0], "https://example.org/a#frag");
	expect(&p, "s12.upd.kaspersky.com", "upd.kaspersky.com", MATCH_SUFFIX,
	    MATCH_BLOCK);
	expect(&p, "cm.k.kaspersky-labs.com", "cm.k.kaspersky-labs.com",
	    MATCH_EXACT, MATCH_BLOCK);
	expect_none(&p, "x.cm.k.kaspersky-labs.com");
	expect(&p, "opentip.tip.kaspersky.com", "tip.kaspersky.com",
	    MATCH_SUFFIX, MATCH_ALLOW);
	expect(&p, "www.upd.kaspersky.com", "www.upd.kaspersky.com",
	    MATCH_EXACT, MATCH_ALLOW);
	expect(&p, "upper.example.com", "upper.example.com", MATCH_SUFFIX,
	    MATCH_BLOCK);
	expect(&p, "a.wild.example", "wild.example", MATCH_SUFFIX,
	    MATCH_BLOCK);
	expect(&p, "www.xn--80akjebc7ajgd.xn--p1ai",
	    "xn--80akjebc7ajgd.xn--p1ai", MATCH_SUFFIX, MATCH_BLOCK);
	done(&p);
}

static void
test_native_bad(void **state)
{
	struct parsed	 p;
	const char	*want[] = {
		"t.list:1: unknown metadata key \"@vender\"",
		"t.list:2: \"@vendor\" needs a value",
		"t.list:4: \"@vendor\" given twice (first at line 3)",
		"t.list:5: \"bad_name!.com\": invalid character '!' in label",
		"t.list:6: unexpected \"extra\" after the name",
		"t.list:7: \"exact\" needs a name",
		"t.list:8: unexpected \"b.example\" after the name",
		"t.list:9: \"a..example\": empty label",
		"t.list:10: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\": label longer than 63 bytes",
		"t.list:11: \"10.1.2.3\": an IPv4 address, not a name",
		"t.list:12: not a native list line",
		"t.list:13: not a native list line",
		"t.list:14: NUL byte in line",
	};
	char		 text[1024];
	size_t		 n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text),
	    "@vender Kaspersky\n"
	    "@vendor\n"
	    "@vendor Kaspersky\n"
	    "@vendor Again\n"
	    "bad_name!.com\n"
	    "good.example extra\n"
	    "exact\n"
	    "allow exact a.example b.example\n"
	    "a..example\n"
	    "%s.example\n"
	    "10.1.2.3\n"
	    "0.0.0.0 hosts.example\n"
	    "||adblock.example^\n"
	    "nul", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	/* a NUL byte inside line 14 */
	memcpy(text + n, "\0byte.example\nfine.example\n", 27);
	parse_bytes(&p, text, n + 27, FORMAT_NATIVE);
	expect_msgs(want, 13);
	assert_int_equal(p.errors, 13);
	assert_int_equal(p.l.rules, 1);		/* fine.example */
	expect(&p, "fine.example", "fine.example", MATCH_SUFFIX, MATCH_BLOCK);
	done(&p);
}

static void
test_hosts(void **state)
{
	struct parsed	 p;
	const char	*want[] = {
		"t.list:6: hosts entry points to 192.0.2.1, not to a blocking address (0.0.0.0, 127.0.0.1, :: or ::1)",
		"t.list:7: hosts entry without a name",
		"t.list:8: \"bad..name\": empty label",
		"t.list:9: not a hosts line",
		"t.list:10: not a hosts line",
	};

	(void)state;
	parse(&p,
	    "# Title: a hosts blocklist\n"
	    "127.0.0.1 localhost localhost.localdomain\n"
	    "::1 ip6-localhost ip6-loopback\n"
	    "0.0.0.0 ds.kaspersky.com s01.upd.kaspersky.com\t# comment\n"
	    "127.0.0.1\tdc1.ksn.kaspersky-labs.com\n"
	    "192.0.2.1 not.a.block.example\n"
	    "0.0.0.0\n"
	    ":: good.example bad..name\n"
	    "plain.example\n"
	    "||adblock.example^\n",
	    FORMAT_HOSTS);
	expect_msgs(want, 5);
	assert_int_equal(p.l.rules, 4);
	/* hosts entries are exact */
	expect(&p, "ds.kaspersky.com", "ds.kaspersky.com", MATCH_EXACT,
	    MATCH_BLOCK);
	expect_none(&p, "x.ds.kaspersky.com");
	expect(&p, "dc1.ksn.kaspersky-labs.com", "dc1.ksn.kaspersky-labs.com",
	    MATCH_EXACT, MATCH_BLOCK);
	expect(&p, "good.example", "good.example", MATCH_EXACT, MATCH_BLOCK);
	/* boilerplate names are skipped, not blocked */
	expect_none(&p, "localhost");
	expect_none(&p, "ip6-loopback");
	done(&p);
}

static void
test_domains(void **state)
{
	struct parsed	 p;
	const char	*want[] = {
		"t.list:3: not a plain name",
		"t.list:4: not a plain name",
		"t.list:5: unexpected \"two.example\" after the name",
	};

	(void)state;
	parse(&p,
	    "one.example\n"
	    "# comment\n"
	    "exact no.example\n"
	    "@vendor X\n"
	    "one.example two.example\n"
	    "Three.Example\n",
	    FORMAT_DOMAINS);
	expect_msgs(want, 3);
	assert_int_equal(p.l.rules, 2);
	expect(&p, "a.one.example", "one.example", MATCH_SUFFIX, MATCH_BLOCK);
	expect(&p, "three.example", "three.example", MATCH_SUFFIX,
	    MATCH_BLOCK);
	done(&p);
}

/*
 * A line of one plain name takes a short way (parse_plain_name); the
 * lines that only look like one, and formats that take no plain names,
 * still get the full reading.
 */
static void
test_plain_names(void **state)
{
	struct parsed	 p;
	const char	*hosts[] = { "t.list:1: not a hosts line" };
	const char	*adblock[] = { "t.list:1: not an adblock rule" };
	const char	*bad[] = {
		"t.list:4: \"bad_.example-\": label starts or ends with a hyphen",
		"t.list:5: \"a..b\": empty label",
	};

	(void)state;
	parse(&p,
	    "plain.example\r\n"		/* CRLF */
	    "allowed.example\n"		/* "a", yet no "allow" */
	    "Upper.Example # comment\n"
	    "bad_.example-\n"
	    "a..b\n"
	    "exactly.example\n",
	    FORMAT_AUTO);
	expect_msgs(bad, 2);
	assert_int_equal(p.l.rules, 4);
	expect(&p, "x.plain.example", "plain.example", MATCH_SUFFIX,
	    MATCH_BLOCK);
	expect(&p, "allowed.example", "allowed.example", MATCH_SUFFIX,
	    MATCH_BLOCK);
	expect(&p, "upper.example", "upper.example", MATCH_SUFFIX,
	    MATCH_BLOCK);
	expect(&p, "exactly.example", "exactly.example", MATCH_SUFFIX,
	    MATCH_BLOCK);
	done(&p);
	parse(&p, "plain.example\n", FORMAT_HOSTS);
	expect_msgs(hosts, 1);
	assert_int_equal(p.l.rules, 0);
	done(&p);
	parse(&p, "plain.example\n", FORMAT_ADBLOCK);
	expect_msgs(adblock, 1);
	assert_int_equal(p.l.rules, 0);
	done(&p);
}

static void
test_adblock(void **state)
{
	struct parsed	 p;
	const char	*want[] = {
		"t.list:6: adblock modifiers (\"$important\") are not supported",
		"t.list:7: adblock rule without the '^' separator",
		"t.list:8: adblock rule is not a domain rule (\"||name^\")",
		"t.list:9: unexpected \"/path\" after '^'",
		"t.list:10: not an adblock rule",
	};

	(void)state;
	parse(&p,
	    "[Adblock Plus 2.0]\n"
	    "! Title: test\n"
	    "||ksn.kaspersky-labs.com^\n"
	    "@@||ok.ksn.kaspersky-labs.com^\n"
	    "||pipe.example^|\n"
	    "||important.example^$important\n"
	    "||nocaret.example\n"
	    "|http://url.example/\n"
	    "||path.example^/path\n"
	    "plain.example\n",
	    FORMAT_ADBLOCK);
	expect_msgs(want, 5);
	assert_int_equal(p.l.rules, 3);
	expect(&p, "dc1.ksn.kaspersky-labs.com", "ksn.kaspersky-labs.com",
	    MATCH_SUFFIX, MATCH_BLOCK);
	expect(&p, "x.ok.ksn.kaspersky-labs.com", "ok.ksn.kaspersky-labs.com",
	    MATCH_SUFFIX, MATCH_ALLOW);
	expect(&p, "pipe.example", "pipe.example", MATCH_SUFFIX, MATCH_BLOCK);
	done(&p);
}

static void
test_auto_mixes_forms(void **state)
{
	struct parsed	 p;

	(void)state;
	parse(&p,
	    "@vendor Mixed\n"
	    "! adblock comment\n"
	    "native.example\n"
	    "0.0.0.0 hosts.example\n"
	    "||adblock.example^\n"
	    "allow ok.native.example\n",
	    FORMAT_AUTO);
	expect_msgs(NULL, 0);
	assert_int_equal(p.l.rules, 4);
	expect(&p, "hosts.example", "hosts.example", MATCH_EXACT, MATCH_BLOCK);
	expect(&p, "a.adblock.example", "adblock.example", MATCH_SUFFIX,
	    MATCH_BLOCK);
	expect(&p, "ok.native.example", "ok.native.example", MATCH_SUFFIX,
	    MATCH_ALLOW);
	done(&p);
}

static void
test_message_budget(void **state)
{
	struct parsed	 p;
	char		*text;
	size_t		 i, off = 0;

	(void)state;
	text = malloc(30 * 16 + 1);
	for (i = 0; i < 30; i++)
		off += (size_t)sprintf(text + off, "bad..name%02zu\n", i);
	parse(&p, text, FORMAT_AUTO);
	free(text);
	assert_int_equal(p.errors, 30);
	assert_int_equal(nmsgs, 21);
	assert_string_equal(msgs[20], "t.list: 10 more messages not shown");
	done(&p);
}

/* Write text to a temporary file in dir; returns its name. */
static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_load_strict_and_lenient(void **state)
{
	char			 dir[] = "/tmp/embargo-test-XXXXXX", conftext[512];
	char			 path[600];
	struct conf		*conf;
	struct lists		*ls;
	struct match_result	 res;
	const struct list	*l;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/good.list", dir);
	write_file(path, "@vendor V\ngood.example\ngood.example\n");
	snprintf(path, sizeof(path), "%s/third.hosts", dir);
	write_file(path, "0.0.0.0 ads.example bad..one\n0.0.0.0 more.example\n");
	snprintf(path, sizeof(path), "%s/broken.list", dir);
	write_file(path, "fine.example\nbad..two\n");

	/* strict good list (with a duplicate warning) plus lenient hosts */
	snprintf(conftext, sizeof(conftext),
	    "lists-dir \"%s\"\n"
	    "list good \"good.list\"\n"
	    "list third \"third.hosts\" format hosts lenient action audit\n",
	    dir);
	conf = conf_load_string("test.conf", conftext, NULL);
	assert_non_null(conf);
	clear_msgs();
	ls = lists_load(conf, collect, NULL);
	assert_non_null(ls);
	assert_int_equal(nmsgs, 3);
	assert_non_null(strstr(msgs[0], "third.hosts:1: \"bad..one\": empty label"));
	assert_non_null(strstr(msgs[1], "third.hosts: 1 line skipped"));
	assert_non_null(strstr(msgs[2], "good.list:3: duplicate rule (first at line 2)"));
	assert_int_equal(ls->list[0].warnings, 1);
	assert_int_equal(lists_rules(ls), 3);
	l = lists_lookup(ls, "more.example", 12, &res);
	assert_non_null(l);
	assert_string_equal(l->name, "third");
	assert_int_equal(l->action, ACTION_AUDIT);
	l = lists_lookup(ls, "x.good.example", 14, &res);
	assert_non_null(l);
	assert_string_equal(l->vendor, "V");
	lists_unref(ls);
	conf_free(conf);

	/* a strict list with an error refuses the whole set */
	snprintf(conftext, sizeof(conftext),
	    "lists-dir \"%s\"\nlist good \"good.list\"\n"
	    "list broken \"broken.list\"\n", dir);
	conf = conf_load_string("test.conf", conftext, NULL);
	clear_msgs();
	assert_null(lists_load(conf, collect, NULL));
	assert_int_equal(nmsgs, 2);
	assert_non_null(strstr(msgs[0], "broken.list:2: \"bad..two\": empty label"));
	assert_non_null(strstr(msgs[1], "broken.list: 1 error; list refused"));
	conf_free(conf);

	/* a missing file is an error naming it */
	snprintf(conftext, sizeof(conftext),
	    "lists-dir \"%s\"\nlist gone \"gone.list\"\n", dir);
	conf = conf_load_string("test.conf", conftext, NULL);
	clear_msgs();
	assert_null(lists_load(conf, collect, NULL));
	assert_int_equal(nmsgs, 1);
	assert_non_null(strstr(msgs[0], "gone.list: No such file or directory"));
	conf_free(conf);
	clear_msgs();

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/*
 * A list read a block at a time (file.c): lines that straddle blocks,
 * a line longer than a block, a last line without its newline; every
 * message still names the right line.
 */
static void
test_load_in_blocks(void **state)
{
	char			 dir[] = "/tmp/embargo-test-XXXXXX", conftext[512];
	char			 path[600], name[64];
	struct conf		*conf;
	struct lists		*ls;
	struct match_result	 res;
	FILE			*f;
	int			 i, j;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.list", dir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 1; i <= 30000; i++) {
		if (i == 20001)
			fputs("bad..name.example\n", f);
		else if (i == 25000) {
			for (j = 0; j < 70000; j++)
				fputc('a', f);
			fputc('\n', f);
		} else if (i == 29000)
			fputs("h3.blocks.example\n", f);
		else if (i == 30000)
			fputs("last.blocks.example", f);	/* no newline */
		else if (i % 1000 == 0)
			fputc('\n', f);
		else
			fprintf(f, "h%d.blocks.example\n", i);
	}
	fclose(f);
	snprintf(conftext, sizeof(conftext), "lists-dir \"%s\"\n"
	    "list big \"big.list\" lenient\n", dir);
	conf = conf_load_string("test.conf", conftext, NULL);
	assert_non_null(conf);
	clear_msgs();
	ls = lists_load(conf, collect, NULL);
	assert_non_null(ls);
	assert_int_equal(nmsgs, 4);
	assert_non_null(strstr(msgs[0], "big.list:20001: \"bad..name.example\": empty label"));
	assert_non_null(strstr(msgs[1], "big.list:25000: line longer than 4096 bytes"));
	assert_non_null(strstr(msgs[2], "big.list: 2 lines skipped"));
	assert_non_null(strstr(msgs[3], "big.list:29000: duplicate rule (first at line 3)"));
	/* 30000 lines: 27 empty, 2 refused, 1 duplicate */
	assert_int_equal(lists_rules(ls), 30000 - 27 - 2 - 1);
	for (i = 1; i < 30000; i++) {
		if (i == 20001 || i == 25000 || i == 29000 || i % 1000 == 0)
			continue;
		snprintf(name, sizeof(name), "x.h%d.blocks.example", i);
		if (lists_lookup(ls, name, strlen(name), &res) == NULL)
			fail_msg("%s: no rule", name);
	}
	assert_non_null(lists_lookup(ls, "last.blocks.example", 19, &res));
	lists_unref(ls);
	conf_free(conf);
	clear_msgs();
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/*
 * An IP list: prefixes (IPv4, IPv6), metadata and comments; every bad
 * line named with its number; lookups take the most specific prefix.
 */
static void
test_ip_list(void **state)
{
	struct cidr_builder	*cb = cidr_builder_new();
	struct cidr_set		*set;
	struct list		 l;
	struct addr		 a, net;
	unsigned		 plen;
	uint32_t		 v;
	char			 buf[INET6_ADDRSTRLEN + 4];
	const char		*why;
	char			*text = strdup(
	    "# Kaspersky address space\n"
	    "@vendor Kaspersky\n"
	    "10.77.0.0/16\n"
	    "10.77.8.0/24   # more specific\n"
	    "fd00:77::/32\n"
	    "10.77.8.1/24\n"
	    "not-a-prefix\n"
	    "10.0.0.0/8 extra\n"
	    "@ports 853\n"
	    "fd00::/129\n");
	static const char *want[] = {
		"t.cidr:6: \"10.77.8.1/24\": address has bits set past the "
		    "prefix length",
		"t.cidr:7: \"not-a-prefix\": not an address or prefix",
		"t.cidr:8: unexpected \"extra\" after the prefix",
		"t.cidr:10: \"fd00::/129\": bad prefix length",
	};

	(void)state;
	clear_msgs();
	memset(&l, 0, sizeof(l));
	l.name = strdup("t");
	l.path = strdup("t.cidr");
	l.format = FORMAT_CIDR;
	assert_int_equal(lists_parse_ip(cb, &l, 5, text, strlen(text), collect,
	    NULL), 4);
	expect_msgs(want, 4);
	assert_int_equal(l.rules, 3);
	assert_string_equal(l.vendor, "Kaspersky");
	assert_int_equal(l.nports, 1);
	set = cidr_builder_finish(cb);
	assert_int_equal(cidr_parse("10.77.8.9", &a, &plen, &why), 0);
	assert_true(cidr_lookup(set, &a, &v, &net, &plen));
	assert_int_equal(v, 5);
	assert_string_equal(cidr_format(&net, plen, buf, sizeof(buf)),
	    "10.77.8.0/24");
	assert_int_equal(cidr_parse("10.77.9.9", &a, &plen, &why), 0);
	assert_true(cidr_lookup(set, &a, &v, &net, &plen));
	assert_string_equal(cidr_format(&net, plen, buf, sizeof(buf)),
	    "10.77.0.0/16");
	assert_int_equal(cidr_parse("10.78.0.1", &a, &plen, &why), 0);
	assert_false(cidr_lookup(set, &a, &v, NULL, NULL));
	cidr_free(set);
	list_clear(&l);
	free(text);
	clear_msgs();
}

/* @ports: service ports a list claims; bad ones named. */
static void
test_ports(void **state)
{
	struct parsed	 p;
	static const char *want[] = {
		"t.list:2: @ports: \"0\" is not a port",
		"t.list:3: @ports: \"http\" is not a port",
	};

	(void)state;
	parse(&p, "@ports 853 5353\n@ports 0\n@ports http\ndns.example\n",
	    FORMAT_NATIVE);
	expect_msgs(want, 2);
	assert_int_equal(p.l.nports, 2);
	assert_int_equal(p.l.ports[0], 853);
	assert_int_equal(p.l.ports[1], 5353);
	done(&p);
}

/*
 * A whole set: the IP list's prefixes and the name lists' ports are
 * looked up; the exact names of block lists (not audit lists, not
 * suffix rules, not allow rules) are the ones the daemon resolves.
 */
static void
test_load_ip_and_resolve(void **state)
{
	char			 dir[] = "/tmp/embargo-test-XXXXXX", conftext[512];
	char			 path[600];
	struct conf		*conf;
	struct lists		*ls;
	struct addr		 a;
	unsigned		 plen;
	const char		*why;
	const struct list	*l;
	size_t			 i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b.list", dir);
	write_file(path, "@ports 853\nexact one.example\nsuffix.example\n"
	    "exact two.example\nallow exact three.example\n");
	snprintf(path, sizeof(path), "%s/a.list", dir);
	write_file(path, "exact audited.example\n");
	snprintf(path, sizeof(path), "%s/n.cidr", dir);
	write_file(path, "192.0.2.0/24\n2001:db8::/32\n");
	snprintf(conftext, sizeof(conftext),
	    "lists-dir \"%s\"\nlist b \"b.list\"\n"
	    "list a \"a.list\" action audit\niplist n \"n.cidr\"\n", dir);
	conf = conf_load_string("test.conf", conftext, NULL);
	assert_non_null(conf);
	clear_msgs();
	ls = lists_load(conf, collect, NULL);
	assert_non_null(ls);
	assert_int_equal(nmsgs, 0);
	assert_int_equal(ls->nresolve, 2);
	for (i = 0; i < ls->nresolve; i++)
		assert_string_equal(ls->list[ls->resolve[i].list].name, "b");
	assert_string_equal(ls->resolve[0].name, "one.example");
	assert_string_equal(ls->resolve[1].name, "two.example");
	assert_int_equal(cidr_parse("2001:db8::1", &a, &plen, &why), 0);
	l = lists_lookup_addr(ls, &a, NULL, NULL);
	assert_non_null(l);
	assert_string_equal(l->name, "n");
	assert_int_equal(cidr_parse("2001:db9::1", &a, &plen, &why), 0);
	assert_null(lists_lookup_addr(ls, &a, NULL, NULL));
	assert_string_equal(lists_lookup_port(ls, 853)->name, "b");
	assert_null(lists_lookup_port(ls, 443));
	assert_string_equal(lists_find(ls, "a")->name, "a");
	assert_null(lists_find(ls, "gone"));
	lists_unref(ls);
	conf_free(conf);
	clear_msgs();
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_good),
		cmocka_unit_test(test_native_bad),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_plain_names),
		cmocka_unit_test(test_adblock),
		cmocka_unit_test(test_auto_mixes_forms),
		cmocka_unit_test(test_message_budget),
		cmocka_unit_test(test_load_strict_and_lenient),
		cmocka_unit_test(test_load_in_blocks),
		cmocka_unit_test(test_ip_list),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_load_ip_and_resolve),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
