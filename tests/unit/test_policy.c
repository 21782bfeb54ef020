/*
 * test_policy.c: the one place that decides.  Rule x list action x mode
 * x client statement x reject settings -> verdict, event action, reject,
 * learn; unclean names; flows judged by where they go; the explanation
 * that embargod -T and embargoctl test print.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cidr.h"
#include "fixture.h"
#include "name.h"
#include "policy.h"

#define RULES	"upd.kaspersky.com\nexact cm.k.kaspersky-labs.com\n" \
		"allow tip.kaspersky.com\n"

static struct name *
wire(const char *s)
{
	static struct name	 n;

	name_normalize(&n, s, strlen(s), NAME_WIRE);
	return (&n);
}

/* Give p client statements: 10/8 audit, 10.1/16 exempt, fd00::/8 block. */
static void
clients(struct policy *p)
{
	struct cidr_builder	*b = cidr_builder_new();
	struct addr		 a;
	unsigned		 plen;
	const char		*why;

	cidr_free(p->clients);
	cidr_parse("10.0.0.0/8", &a, &plen, &why);
	cidr_builder_add(b, &a, plen, CLIENT_AUDIT);
	cidr_parse("10.1.0.0/16", &a, &plen, &why);
	cidr_builder_add(b, &a, plen, CLIENT_EXEMPT);
	cidr_parse("fd00::/8", &a, &plen, &why);
	cidr_builder_add(b, &a, plen, CLIENT_BLOCK);
	p->clients = cidr_builder_finish(b);
}

static enum client_policy
client_of(const struct policy *p, const char *s)
{
	struct addr	 a;
	unsigned	 plen;
	const char	*why;

	assert_int_equal(cidr_parse(s, &a, &plen, &why), 0);
	return (policy_client(p, &a));
}

/* The mode folds into the client's policy, and statements beat it. */
static void
test_client(void **state)
{
	struct policy	*p = fixture_policy(RULES, ACTION_BLOCK, MODE_BLOCK, 0);

	(void)state;
	assert_int_equal(policy_client(p, NULL), CLIENT_BLOCK);
	clients(p);
	assert_int_equal(client_of(p, "192.0.2.1"), CLIENT_BLOCK);
	assert_int_equal(client_of(p, "10.9.9.9"), CLIENT_AUDIT);
	assert_int_equal(client_of(p, "10.1.2.3"), CLIENT_EXEMPT);
	p->mode = MODE_AUDIT;
	assert_int_equal(client_of(p, "192.0.2.1"), CLIENT_AUDIT);
	assert_int_equal(client_of(p, "fd00::1"), CLIENT_BLOCK);
	policy_unref(p);
}

/* Names: block, exact, allow, none; per protocol and transport. */
static void
test_decide(void **state)
{
	struct policy	*p = fixture_policy(RULES, ACTION_BLOCK, MODE_BLOCK, 0);
	struct decision	 d;

	(void)state;
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_DNS, 0, 1,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_DROP);
	assert_int_equal(d.action, RECORD_BLOCK);
	assert_int_equal(d.learn, 1);
	assert_int_equal(d.reject, 0);
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_DNS, 1, 1,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	policy_decide(p, wire("ds.upd.kaspersky.com"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	policy_decide(p, wire("x.cm.k.kaspersky-labs.com"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	assert_int_equal(d.action, RECORD_NONE);
	assert_null(d.list);
	policy_decide(p, wire("opentip.tip.kaspersky.com"), PROTO_HTTP, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	assert_non_null(d.list);		/* the allow rule's list */
	assert_int_equal(d.res.effect, MATCH_ALLOW);
	policy_decide(p, wire("allowed.example"), PROTO_DNS, 0, 1,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_PASS);
	/* clients: audit lets it through with an event, exempt silently */
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_TLS, 1, 0,
	    CLIENT_AUDIT, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	assert_int_equal(d.action, RECORD_AUDIT);
	assert_int_equal(d.learn, 1);
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_DNS, 0, 1,
	    CLIENT_EXEMPT, &d);
	assert_int_equal(d.verdict, VERDICT_PASS);
	assert_int_equal(d.action, RECORD_NONE);
	policy_unref(p);

	/* an audit list audits whoever asks, and learns nothing */
	p = fixture_policy(RULES, ACTION_AUDIT, MODE_BLOCK, 0);
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.action, RECORD_AUDIT);
	assert_int_equal(d.learn, 0);
	policy_unref(p);
}

/* reject lists, and HTTPS/SVCB queries refused outright. */
static void
test_reject(void **state)
{
	struct policy	*p = fixture_policy(RULES, ACTION_REJECT, MODE_BLOCK, 0);
	struct decision	 d;

	(void)state;
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_DNS, 0, 1,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.reject, 1);
	assert_int_equal(d.refuse, 0);
	policy_unref(p);
	p = fixture_policy(RULES, ACTION_BLOCK, MODE_BLOCK, 0);
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_DNS, 0, 65,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.reject, 1);
	assert_int_equal(d.refuse, 1);
	p->refuse_svcb = 0;
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_DNS, 0, 65,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.reject, 0);
	/* audited: nothing is answered */
	p->refuse_svcb = 1;
	policy_decide(p, wire("s12.upd.kaspersky.com"), PROTO_DNS, 0, 64,
	    CLIENT_AUDIT, &d);
	assert_int_equal(d.reject, 0);
	policy_unref(p);
}

/* Unclean names: judged below their valid labels, then by the setting. */
static void
test_malformed(void **state)
{
	struct policy	*p = fixture_policy(RULES, ACTION_BLOCK, MODE_BLOCK, 0);
	struct decision	 d;

	(void)state;
	policy_decide(p, wire("a b.upd.kaspersky.com"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	assert_int_equal(d.malformed, 1);
	/* an exact rule never covers a name of which only a part was read */
	policy_decide(p, wire("a b.cm.k.kaspersky-labs.com"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.action, RECORD_NONE);
	assert_int_equal(d.verdict, VERDICT_ALLOW);	/* default accept */
	policy_decide(p, wire("a b.example"), PROTO_DNS, 0, 1, CLIENT_BLOCK,
	    &d);
	assert_int_equal(d.verdict, VERDICT_PASS);
	policy_unref(p);
	/* default drop: what no rule covers is dropped */
	p = fixture_policy(RULES, ACTION_BLOCK, MODE_BLOCK, 1);
	policy_decide(p, wire("a b.example"), PROTO_DNS, 0, 1, CLIENT_BLOCK,
	    &d);
	assert_int_equal(d.verdict, VERDICT_DROP);
	assert_int_equal(d.action, RECORD_NONE);
	/* malformed block: every unclean name, by the rule "malformed" */
	p->malformed_block = 1;
	policy_decide(p, wire("a b.example"), PROTO_TLS, 1, 0, CLIENT_BLOCK,
	    &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	assert_int_equal(d.action, RECORD_BLOCK);
	assert_string_equal(d.list->name, "malformed");
	policy_decide(p, wire("x\xc3\xa9.example"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.action, RECORD_BLOCK);	/* converted: unclean */
	policy_decide(p, wire("a b.tip.kaspersky.com"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_string_equal(d.list->name, "malformed");
	policy_decide(p, wire("clean.example"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &d);
	assert_int_equal(d.action, RECORD_NONE);
	policy_unref(p);
}

/*
 * A flow that cannot be judged: guard never passes it when the bytes
 * held name a blocked host (that name's rule blocks) or a list claims
 * its address; pass, drop and reject do what they say.
 */
static void
test_exception(void **state)
{
	struct policy	*p = fixture_policy(RULES, ACTION_BLOCK, MODE_BLOCK, 0);
	struct decision	 named, d;

	(void)state;
	policy_decide(p, wire("s1.upd.kaspersky.com"), PROTO_TLS, 1, 0,
	    CLIENT_BLOCK, &named);
	assert_int_equal(named.action, RECORD_BLOCK);
	policy_exception(p, EXC_SEGMENTS, NULL, &named, 1, CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	assert_ptr_equal(d.list, named.list);
	assert_string_equal(d.reason, "the bytes held name a blocked host");
	/* nothing named, nothing claimed: the default verdict, an event */
	policy_exception(p, EXC_SEGMENTS, NULL, NULL, 1, CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	assert_int_equal(d.action, RECORD_ALLOW);
	assert_ptr_equal(d.list, &p->exceptions);
	/* claimed: the claiming list judges */
	policy_exception(p, EXC_SEGMENTS, named.list, NULL, 1, CLIENT_BLOCK,
	    &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	/* pass passes even a named flow; drop drops even a quiet one */
	p->exception[EXC_SEGMENTS] = EXCA_PASS;
	policy_exception(p, EXC_SEGMENTS, NULL, &named, 1, CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	p->exception[EXC_SEGMENTS] = EXCA_REJECT;
	policy_exception(p, EXC_SEGMENTS, NULL, NULL, 1, CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	assert_int_equal(d.reject, 1);
	/* a name only audited does not block */
	p->exception[EXC_SEGMENTS] = EXCA_GUARD;
	policy_decide(p, wire("s1.upd.kaspersky.com"), PROTO_TLS, 1, 0,
	    CLIENT_AUDIT, &named);
	policy_exception(p, EXC_SEGMENTS, NULL, &named, 1, CLIENT_AUDIT, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	policy_unref(p);
}

/* The verdict when nothing can be judged. */
static void
test_default(void **state)
{
	struct policy	*p = fixture_policy(RULES, ACTION_BLOCK, MODE_BLOCK, 0);

	(void)state;
	assert_int_equal(policy_default(p, 0, 1), VERDICT_ALLOW);
	assert_int_equal(policy_default(p, 0, 0), VERDICT_PASS);
	assert_int_equal(policy_default(p, 1, 1), VERDICT_PASS);
	assert_int_equal(policy_default(p, 1, 0), VERDICT_PASS);
	p->default_drop = 1;
	assert_int_equal(policy_default(p, 0, 1), VERDICT_BLOCK);
	assert_int_equal(policy_default(p, 0, 0), VERDICT_DROP);
	assert_int_equal(policy_default(p, 1, 1), VERDICT_BLOCK);
	assert_int_equal(policy_default(p, 1, 0), VERDICT_DROP);
	assert_int_equal(policy_exempt(1, 1), VERDICT_ALLOW);
	assert_int_equal(policy_exempt(0, 1), VERDICT_PASS);
	assert_int_equal(policy_exempt(0, 0), VERDICT_ALLOW);
	policy_unref(p);
}

/* A flow toward a claimed address: honest names pass, nameless ones not. */
static void
test_flow(void **state)
{
	struct policy	*p = fixture_policy(RULES, ACTION_BLOCK, MODE_BLOCK, 0);
	const struct list *l = &p->lists->list[0];
	struct flow_name fn = { 0, 0, 0, "TLS without a server name" };
	struct decision	 d;

	(void)state;
	policy_flow(l, &fn, CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	assert_string_equal(d.reason, "TLS without a server name");
	fn.named = 1;
	policy_flow(l, &fn, CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	assert_int_equal(d.action, RECORD_ALLOW);
	fn.ech = 1;
	policy_flow(l, &fn, CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_BLOCK);
	assert_string_equal(d.reason, "ECH with an outer name on no allow list");
	fn.allowed = 1;
	policy_flow(l, &fn, CLIENT_BLOCK, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	fn.named = fn.ech = fn.allowed = 0;
	policy_flow(l, &fn, CLIENT_AUDIT, &d);
	assert_int_equal(d.verdict, VERDICT_ALLOW);
	assert_int_equal(d.action, RECORD_AUDIT);
	policy_unref(p);
}

/* The explanation: mode and client statements as the packet path sees. */
static void
test_explain(void **state)
{
	struct policy	*p = fixture_policy(RULES, ACTION_BLOCK, MODE_AUDIT, 0);
	struct explain	 x;
	struct addr	 a;
	char		 line[600];
	unsigned	 plen;
	const char	*why;

	(void)state;
	clients(p);
	assert_int_equal(policy_explain(p, "S12.upd.Kaspersky.com.", NULL, &x),
	    0);
	policy_explain_text(&x, "S12.upd.Kaspersky.com.", line, sizeof(line));
	assert_string_equal(line, "s12.upd.kaspersky.com: audited by list test "
	    "(suffix rule upd.kaspersky.com)");
	cidr_parse("fd00::5", &a, &plen, &why);
	policy_explain(p, "s12.upd.kaspersky.com", &a, &x);
	assert_string_equal(x.outcome, "blocked");
	cidr_parse("10.1.0.9", &a, &plen, &why);
	policy_explain(p, "s12.upd.kaspersky.com", &a, &x);
	assert_string_equal(x.outcome, "exempt");
	policy_explain(p, "opentip.tip.kaspersky.com", NULL, &x);
	policy_explain_text(&x, "opentip.tip.kaspersky.com", line,
	    sizeof(line));
	assert_string_equal(line, "opentip.tip.kaspersky.com: allowed by list "
	    "test (allow suffix rule tip.kaspersky.com)");
	policy_explain(p, "example.org", NULL, &x);
	assert_string_equal(x.outcome, "not listed");
	assert_int_equal(policy_explain(p, "bad..name", NULL, &x), -1);
	policy_explain_text(&x, "bad..name", line, sizeof(line));
	assert_string_equal(line, "bad..name: invalid name: empty label");
	policy_unref(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_explain),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
