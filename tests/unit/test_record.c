/*
 * test_event.c: the JSON event line, field by field.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "record.h"
#include "json.h"

/* A TLS block by a suffix rule of a Kaspersky list, IPv4 or IPv6. */
static void
setup(struct record *e, struct tuple *t, int v6)
{
	memset(t, 0, sizeof(*t));
	t->src.family = t->dst.family = v6 ? AF_INET6 : AF_INET;
	inet_pton(t->src.family, v6 ? "fd00:77:1::2" : "10.77.1.2", t->src.u.b);
	inet_pton(t->dst.family, v6 ? "fd00:77:2::2" : "10.77.2.2", t->dst.u.b);
	t->sport = 51234;
	t->dport = 443;
	t->l4 = IPPROTO_TCP;
	memset(e, 0, sizeof(*e));
	e->action = RECORD_BLOCK;
	e->ruleset = "kaspersky-update";
	e->vendor = "Kaspersky";
	e->category = "update";
	e->match = "suffix";
	e->t = t;
}

static void
test_tls_block(void **state)
{
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048], want[2048], host[256] = "";
	size_t		 n;

	(void)state;
	setup(&e, &t, 0);
	e.proto = PROTO_TLS;
	e.name = "s12.upd.kaspersky.com";
	e.rule = "upd.kaspersky.com";
	e.alpn = "h2,http/1.1";
	e.t = &t;
	e.queue = 1;
	e.time_ms = 1795857600123ULL;	/* 2026-11-28T09:20:00.123Z */
	n = record_format_json(&e, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	gethostname(host, sizeof(host));
	snprintf(want, sizeof(want),
	    "{\"@timestamp\":\"2026-11-28T09:20:00.123Z\","
	    "\"ecs\":{\"version\":\"8.11.0\"},"
	    "\"event\":{\"action\":\"block\",\"kind\":\"event\","
	    "\"category\":[\"network\"],\"type\":[\"connection\",\"denied\"],"
	    "\"outcome\":\"success\",\"dataset\":\"embargo.events\","
	    "\"module\":\"embargo\"},"
	    "\"observer\":{\"type\":\"firewall\",\"vendor\":\"embargo\","
	    "\"product\":\"embargod\",\"version\":\"" PACKAGE_VERSION "\","
	    "\"hostname\":\"%s\"},"
	    "\"rule\":{\"name\":\"upd.kaspersky.com\","
	    "\"ruleset\":\"kaspersky-update\",\"category\":\"update\"},"
	    "\"network\":{\"protocol\":\"tls\",\"transport\":\"tcp\","
	    "\"type\":\"ipv4\"},"
	    "\"source\":{\"ip\":\"10.77.1.2\",\"port\":51234},"
	    "\"destination\":{\"ip\":\"10.77.2.2\",\"port\":443},"
	    "\"tls\":{\"client\":{\"server_name\":\"s12.upd.kaspersky.com\"}},"
	    "\"embargo\":{\"list\":\"kaspersky-update\",\"vendor\":\"Kaspersky\","
	    "\"category\":\"update\",\"match\":\"suffix\",\"queue\":1,"
	    "\"ech\":false,\"alpn_offered\":[\"h2\",\"http/1.1\"]}}\n", host);
	assert_string_equal(buf, want);
	/* offered is not negotiated: ECS tls.next_protocol stays out */
	assert_null(strstr(buf, "next_protocol"));
}

/* QUIC: the TLS fields, network.protocol quic, embargo.quic.version */
static void
test_quic_block(void **state)
{
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 0);
	t.l4 = IPPROTO_UDP;
	e.proto = PROTO_QUIC;
	e.name = "s12.upd.kaspersky.com";
	e.rule = "upd.kaspersky.com";
	e.alpn = "h3";
	e.quic_version = "2";
	e.t = &t;
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"network\":{\"protocol\":\"quic\","
	    "\"transport\":\"udp\",\"type\":\"ipv4\"}"));
	assert_non_null(strstr(buf, "\"tls\":{\"client\":{\"server_name\":"
	    "\"s12.upd.kaspersky.com\"}}"));
	/* offered, not negotiated: under embargo, as for TLS */
	assert_null(strstr(buf, "next_protocol"));
	assert_non_null(strstr(buf, "\"alpn_offered\":[\"h3\"]"));
	assert_non_null(strstr(buf, "\"quic\":{\"version\":\"2\"}"));
}

static void
test_dns_audit_v6(void **state)
{
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 1);
	e.action = RECORD_AUDIT;
	e.match = "exact";
	t.l4 = IPPROTO_UDP;
	t.dport = 53;
	e.proto = PROTO_DNS;
	e.name = "ds.kaspersky.com";
	e.rule = e.name;
	e.qtype = 28;
	e.time_ms = 0;
	record_format_json(&e, buf, sizeof(buf));
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
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 0);
	e.proto = PROTO_HTTP;
	e.name = "a\"b\\c.kaspersky.com";
	e.rule = e.name;
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf,
	    "\"url\":{\"domain\":\"a\\\"b\\\\c.kaspersky.com\"}"));
}

/* An audited answer lists the addresses it gave, as the client saw them. */
static void
test_dns_answer(void **state)
{
	struct tuple	 t;
	struct record	 e;
	struct addr	 a[2];
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 0);
	t.l4 = IPPROTO_UDP;
	t.dport = 53;
	memset(a, 0, sizeof(a));
	a[0].family = AF_INET;
	inet_pton(AF_INET, "10.77.2.4", &a[0].u.v4);
	a[1].family = AF_INET;
	inet_pton(AF_INET, "10.77.2.5", &a[1].u.v4);
	e.action = RECORD_AUDIT;
	e.proto = PROTO_DNS;
	e.answer = 1;
	e.answers = a;
	e.nanswers = 2;
	e.name = "alias.example.net";
	e.rule = "kaspersky.com";
	e.qtype = 1;
	e.reason = "reached through a CNAME";
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"dns\":{\"type\":\"answer\","
	    "\"question\":{\"name\":\"alias.example.net\",\"type\":\"A\"},"
	    "\"resolved_ip\":[\"10.77.2.4\",\"10.77.2.5\"]}"));
	assert_non_null(strstr(buf, "\"reason\":\"reached through a CNAME\""));
	assert_non_null(strstr(buf, "\"rule\":{\"name\":\"kaspersky.com\""));
}

/*
 * A flow judged by its address: it may carry no name at all; a reject
 * and an allow-for-a-reason each say so.
 */
static void
test_address(void **state)
{
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 1);
	e.reject = 1;
	e.proto = PROTO_TLS;
	e.rule = "fd00:77:2::/64";
	e.match = "prefix";
	e.reason = "TLS without a server name";
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"action\":\"reject\""));
	assert_non_null(strstr(buf, "\"tls\":{\"client\":{}}"));
	assert_non_null(strstr(buf, "\"rule\":{\"name\":\"fd00:77:2::/64\""));
	assert_non_null(strstr(buf, "\"match\":\"prefix\""));
	assert_null(strstr(buf, "server_name"));

	setup(&e, &t, 0);
	e.action = RECORD_ALLOW;
	e.proto = PROTO_NONE;
	e.rule = "ksn.example";
	e.match = "learned";
	e.reason = "the flow names a host no rule blocks";
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"action\":\"allow\""));
	assert_non_null(strstr(buf, "\"type\":[\"connection\",\"allowed\"]"));
	assert_non_null(strstr(buf, "\"protocol\":\"other\""));
	assert_null(strstr(buf, "\"url\""));
}

/*
 * Bytes from packets that are not UTF-8 come out as U+FFFD, never as
 * Latin-1, and the raw bytes are kept in hex; well-formed UTF-8 stays.
 */
static void
test_utf8(void **state)
{
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 0);
	e.proto = PROTO_HTTP;
	e.name = "b\xe9\xc3\xa9\x7f\x01.kaspersky.com";
	e.rule = "kaspersky.com";
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"url\":{\"domain\":"
	    "\"b\\ufffd\xc3\xa9\\u007f\\u0001.kaspersky.com\"}"));
	assert_non_null(strstr(buf, "\"name_hex\":"
	    "\"62e9c3a97f012e6b6173706572736b792e636f6d\""));
	assert_null(strstr(buf, "\\u00e9"));

	/* valid UTF-8 only: no hex copy */
	e.name = "\xd0\xba\xd0\xb0.example";
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"domain\":\"\xd0\xba\xd0\xb0.example\""));
	assert_null(strstr(buf, "name_hex"));

	/* overlong, surrogate, past U+10FFFF, cut: each byte is U+FFFD */
	assert_int_equal(json_utf8_valid("\xc0\xaf"), 0);
	assert_int_equal(json_utf8_valid("\xed\xa0\x80"), 0);
	assert_int_equal(json_utf8_valid("\xf4\x90\x80\x80"), 0);
	assert_int_equal(json_utf8_valid("\xe2\x82"), 0);
	assert_int_equal(json_utf8_valid("\xe2\x82\xac"), 1);
	json_escape(buf, sizeof(buf), "\xc0\xaf");
	assert_string_equal(buf, "\"\\ufffd\\ufffd\"");
	/* cut short by the buffer: never inside a character */
	json_escape(buf, 6, "\xe2\x82\xac\xe2\x82\xac");
	assert_string_equal(buf, "\"\xe2\x82\xac\"");
}

/* No field is ever the empty string: a missing value leaves it out. */
static void
test_no_empty(void **state)
{
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 0);
	e.proto = PROTO_TLS;
	e.category = NULL;
	e.vendor = NULL;
	e.name = "";
	e.alpn = "";
	e.rule = "10.77.2.0/24";
	e.match = "prefix";
	record_format_json(&e, buf, sizeof(buf));
	assert_null(strstr(buf, "\"\""));
	assert_null(strstr(buf, "category\":\""));
	assert_null(strstr(buf, "server_name"));
	assert_null(strstr(buf, "alpn_offered"));
	assert_non_null(strstr(buf, "\"rule\":{\"name\":\"10.77.2.0/24\","
	    "\"ruleset\":\"kaspersky-update\"}"));
}

/*
 * An unclean name says so and keeps the name as sent; bytes in it that
 * are not UTF-8 are kept in hex too.
 */
static void
test_malformed(void **state)
{
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 0);
	e.proto = PROTO_HTTP;
	e.name = "upd.kaspersky.com";
	e.rule = "upd.kaspersky.com";
	e.malformed = 1;
	e.raw = "a b\xff.upd.kaspersky.com";
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"malformed\":true,"
	    "\"raw_name\":\"a b\\ufffd.upd.kaspersky.com\","
	    "\"raw_name_hex\":\"612062ff2e7570642e6b6173706572736b792e636f6d\""));
	assert_null(strstr(buf, "\"name_hex\""));
	e.malformed = 0;
	record_format_json(&e, buf, sizeof(buf));
	assert_null(strstr(buf, "malformed"));
	assert_null(strstr(buf, "raw_name"));
}

/* A replayed event names its capture and packet, and no queue. */
static void
test_capture(void **state)
{
	struct tuple	 t;
	struct record	 e;
	char		 buf[2048];

	(void)state;
	setup(&e, &t, 0);
	e.proto = PROTO_DNS;
	e.name = "ds.kaspersky.com";
	e.rule = e.name;
	e.qtype = 1;
	e.queue = 3;
	e.capture = "week48.pcapng";
	e.packet = 4242;
	record_format_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"capture\":{\"file\":\"week48.pcapng\","
	    "\"packet\":4242}}}\n"));
	assert_null(strstr(buf, "\"queue\""));
	assert_null(strstr(buf, "\"ech\""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_block),
		cmocka_unit_test(test_quic_block),
		cmocka_unit_test(test_dns_audit_v6),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_dns_answer),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_no_empty),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_malformed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
