/*
 * test_event.c: the JSON event line, field by field.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"

static void
setup(struct list *l, struct decision *d, struct tuple *t, int v6)
{
	memset(l, 0, sizeof(*l));
	l->name = "kaspersky-update";
	l->vendor = "Kaspersky";
	l->category = "update";
	memset(d, 0, sizeof(*d));
	d->action = EVENT_BLOCK;
	d->verdict = VERDICT_BLOCK;
	d->list = l;
	d->res.kind = MATCH_SUFFIX;
	d->res.offset = 4;
	memset(t, 0, sizeof(*t));
	t->src.family = t->dst.family = v6 ? AF_INET6 : AF_INET;
	inet_pton(t->src.family, v6 ? "fd00:77:1::2" : "10.77.1.2", t->src.u.b);
	inet_pton(t->dst.family, v6 ? "fd00:77:2::2" : "10.77.2.2", t->dst.u.b);
	t->sport = 51234;
	t->dport = 443;
	t->l4 = IPPROTO_TCP;
}

static void
test_tls_block(void **state)
{
	struct list	 l;
	struct decision	 d;
	struct tuple	 t;
	struct event	 e;
	char		 buf[2048];
	size_t		 n;

	(void)state;
	setup(&l, &d, &t, 0);
	memset(&e, 0, sizeof(e));
	e.d = &d;
	e.proto = PROTO_TLS;
	e.name = "s12.upd.kaspersky.com";
	e.alpn = "h2,http/1.1";
	e.t = &t;
	e.queue = 1;
	e.time_ms = 1795857600123ULL;	/* 2026-11-28T09:20:00.123Z */
	n = event_format_json(&e, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf,
	    "{\"@timestamp\":\"2026-11-28T09:20:00.123Z\","
	    "\"event\":{\"action\":\"block\",\"kind\":\"event\","
	    "\"category\":[\"network\"],\"type\":[\"connection\",\"denied\"],"
	    "\"module\":\"embargo\"},"
	    "\"rule\":{\"name\":\"upd.kaspersky.com\","
	    "\"ruleset\":\"kaspersky-update\",\"category\":\"update\"},"
	    "\"network\":{\"protocol\":\"tls\",\"transport\":\"tcp\","
	    "\"type\":\"ipv4\"},"
	    "\"source\":{\"ip\":\"10.77.1.2\",\"port\":51234},"
	    "\"destination\":{\"ip\":\"10.77.2.2\",\"port\":443},"
	    "\"tls\":{\"client\":{\"server_name\":\"s12.upd.kaspersky.com\"},"
	    "\"next_protocol\":\"h2,http/1.1\"},"
	    "\"embargo\":{\"list\":\"kaspersky-update\",\"vendor\":\"Kaspersky\","
	    "\"match\":\"suffix\",\"queue\":1,\"ech\":false}}\n");
}

static void
test_dns_audit_v6(void **state)
{
	struct list	 l;
	struct decision	 d;
	struct tuple	 t;
	struct event	 e;
	char		 buf[2048];

	(void)state;
	setup(&l, &d, &t, 1);
	d.action = EVENT_AUDIT;
	d.res.kind = MATCH_EXACT;
	d.res.offset = 0;
	t.l4 = IPPROTO_UDP;
	t.dport = 53;
	memset(&e, 0, sizeof(e));
	e.d = &d;
	e.proto = PROTO_DNS;
	e.name = "ds.kaspersky.com";
	e.qtype = 28;
	e.t = &t;
	e.time_ms = 0;
	event_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"@timestamp\":\"1970-01-01T00:00:00.000Z\""));
	assert_non_null(strstr(buf, "\"action\":\"audit\""));
	assert_non_null(strstr(buf, "\"type\":[\"connection\",\"allowed\"]"));
	assert_non_null(strstr(buf, "\"network\":{\"protocol\":\"dns\","
	    "\"transport\":\"udp\",\"type\":\"ipv6\"}"));
	assert_non_null(strstr(buf, "\"source\":{\"ip\":\"fd00:77:1::2\","
	    "\"port\":51234}"));
	assert_non_null(strstr(buf, "\"dns\":{\"type\":\"query\","
	    "\"question\":{\"name\":\"ds.kaspersky.com\",\"type\":\"AAAA\"}}"));
	assert_non_null(strstr(buf, "\"rule\":{\"name\":\"ds.kaspersky.com\""));
	assert_non_null(strstr(buf, "\"match\":\"exact\""));
}

/* Names from packets can hold any printable byte; JSON must survive. */
static void
test_escaping(void **state)
{
	struct list	 l;
	struct decision	 d;
	struct tuple	 t;
	struct event	 e;
	char		 buf[2048];

	(void)state;
	setup(&l, &d, &t, 0);
	d.res.offset = 0;
	memset(&e, 0, sizeof(e));
	e.d = &d;
	e.proto = PROTO_HTTP;
	e.name = "a\"b\\c.kaspersky.com";
	e.t = &t;
	event_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf,
	    "\"url\":{\"domain\":\"a\\\"b\\\\c.kaspersky.com\"}"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_block),
		cmocka_unit_test(test_dns_audit_v6),
		cmocka_unit_test(test_escaping),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
