/*
 * test_record.c: the JSON event line, field by field; the per-thread
 * buffers that write whole lines, in order, losing none.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "record.h"
#include "json.h"
#include "log.h"

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

/* Writers and events of the buffer tests. */
#define BUF_THREADS	4
#define BUF_EVENTS	3000
#define BUF_BATCH	37	/* events between two flushes */

struct writer {
	struct record_log	*el;
	unsigned		 id;
	size_t			 lost;
};

/* Event i of writer id: its number is in the name, its writer in queue. */
static void
numbered(struct record *e, struct tuple *t, char *name, size_t size,
    unsigned id, unsigned i)
{
	setup(e, t, id & 1);
	e->action = RECORD_AUDIT;
	e->proto = PROTO_TLS;
	snprintf(name, size, "n%u.w%u.update.kaspersky.com", i, id);
	e->name = name;
	e->rule = "kaspersky.com";
	e->queue = id;
	e->time_ms = 1700000000000ULL + i;
}

/* Events 1..n of writer 0 into b, none lost on the way. */
static void
emit_numbered(struct record_buf *b, unsigned n)
{
	struct record	 e;
	struct tuple	 t;
	char		 name[128];
	unsigned	 i;

	for (i = 1; i <= n; i++) {
		numbered(&e, &t, name, sizeof(name), 0, i);
		assert_int_equal(record_emit(b, &e), 0);
	}
}

/* One queue thread: its events, flushed every BUF_BATCH, freed at the end. */
static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	struct record_buf	*b = record_buf_new(w->el);
	struct record		 e;
	struct tuple		 t;
	char			 name[128];
	unsigned		 i;

	for (i = 1; i <= BUF_EVENTS; i++) {
		numbered(&e, &t, name, sizeof(name), w->id, i);
		w->lost += record_emit(b, &e);
		if (i % BUF_BATCH == 0)
			w->lost += record_flush(b);
	}
	/* the last events are still in the buffer: freeing writes them */
	record_buf_free(b);
	return (NULL);
}

/*
 * Check a file of events from writers 0..nw-1 (each wrote n): every line
 * a whole event, none lost, each writer's in the order it wrote them.
 */
static void
check_lines(const char *path, unsigned nw, unsigned n)
{
	FILE		*f;
	char		*line = NULL, want[160];
	size_t		 cap = 0;
	ssize_t		 len;
	unsigned	 next[BUF_THREADS], id, total = 0;
	const char	*q;

	assert_true(nw <= BUF_THREADS);
	for (id = 0; id < nw; id++)
		next[id] = 1;
	assert_non_null(f = fopen(path, "r"));
	while ((len = getline(&line, &cap, f)) != -1) {
		/* a line that mixed two events would break one of these */
		assert_true(len > 2 && line[len - 1] == '\n');
		assert_memory_equal(line, "{\"@timestamp\":", 14);
		assert_memory_equal(line + len - 3, "}}\n", 3);
		assert_null(strstr(line + 1, "{\"@timestamp\""));
		assert_non_null(q = strstr(line, "\"queue\":"));
		id = (unsigned)strtoul(q + 8, NULL, 10);
		assert_true(id < nw);
		snprintf(want, sizeof(want), "\"server_name\":\"n%u.w%u.",
		    next[id], id);
		assert_non_null(strstr(line, want));
		next[id]++;
		total++;
	}
	free(line);
	fclose(f);
	for (id = 0; id < nw; id++)
		assert_int_equal(next[id], n + 1);
	assert_int_equal(total, nw * n);
}

/*
 * Queue threads each with a buffer, writing one file at once: whole
 * lines, every event, each thread's in order, also those left in a
 * buffer when its thread ends and those that filled a buffer mid-batch.
 */
static void
test_buf_threads(void **state)
{
	char			 path[] = "/tmp/test_record.XXXXXX";
	struct record_log	*el;
	struct writer		 w[BUF_THREADS];
	pthread_t		 th[BUF_THREADS];
	unsigned		 i;
	int			 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_non_null(el = record_log_open(path));
	for (i = 0; i < BUF_THREADS; i++) {
		w[i].el = el;
		w[i].id = i;
		w[i].lost = 0;
		assert_int_equal(pthread_create(&th[i], NULL, writer_main,
		    &w[i]), 0);
	}
	for (i = 0; i < BUF_THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].lost, 0);
	}
	record_log_close(el);
	check_lines(path, BUF_THREADS, BUF_EVENTS);
	unlink(path);
}

/*
 * More events than a buffer holds, never flushed by the caller: the
 * buffer writes what it holds when full and the rest when freed.
 */
static void
test_buf_no_flush(void **state)
{
	char			 path[] = "/tmp/test_record.XXXXXX";
	struct record_log	*el;
	struct record_buf	*b;
	int			 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	assert_non_null(el = record_log_open(path));
	b = record_buf_new(el);
	emit_numbered(b, 500);
	record_buf_free(b);
	record_log_close(el);
	check_lines(path, 1, 500);
	unlink(path);
}

/*
 * A descriptor that is no regular file (here a socket that keeps each
 * write apart, as a pipe keeps one of up to PIPE_BUF bytes whole): the
 * buffer goes out in writes of whole lines, none over PIPE_BUF.
 */
static void
test_buf_pipe(void **state)
{
	struct record_log	*el;
	struct record_buf	*b;
	char			 msg[2 * PIPE_BUF];
	unsigned		 lines = 0, writes = 0;
	ssize_t			 n, k;
	int			 sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_non_null(el = eventlog_open_fd(sv[0]));
	b = record_buf_new(el);
	emit_numbered(b, 40);
	assert_int_equal(record_flush(b), 0);
	shutdown(sv[0], SHUT_WR);
	while ((n = recv(sv[1], msg, sizeof(msg), 0)) > 0) {
		writes++;
		assert_true(n <= PIPE_BUF);
		assert_int_equal(msg[n - 1], '\n');
		assert_memory_equal(msg, "{\"@timestamp\":", 14);
		for (k = 0; k < n; k++)
			lines += msg[k] == '\n';
	}
	assert_int_equal(lines, 40);
	assert_true(writes > 1);
	record_buf_free(b);
	record_log_close(el);
	close(sv[0]);
	close(sv[1]);
}

/* A write that fails loses the buffered events, and says how many. */
static void
test_buf_lost(void **state)
{
	struct record_log	*el;
	struct record_buf	*b;
	int			 fd;

	(void)state;
	/* read-only: every write() fails with EBADF */
	assert_true((fd = open("/dev/null", O_RDONLY)) != -1);
	assert_non_null(el = eventlog_open_fd(fd));
	b = record_buf_new(el);
	emit_numbered(b, 7);
	assert_int_equal(record_flush(b), 7);
	/* and the buffer is empty again: nothing is counted twice */
	assert_int_equal(record_flush(b), 0);
	record_buf_free(b);
	record_log_close(el);
	close(fd);
}

/* Without an event file, events only go to the log: nothing to write. */
static void
test_buf_no_file(void **state)
{
	struct record_buf	*b;
	struct record		 e;
	struct tuple		 t;
	char			 name[128];

	(void)state;
	b = record_buf_new(NULL);
	numbered(&e, &t, name, sizeof(name), 0, 1);
	assert_int_equal(record_emit(b, &e), 0);
	assert_int_equal(record_flush(b), 0);
	record_buf_free(b);
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
		cmocka_unit_test(test_buf_threads),
		cmocka_unit_test(test_buf_no_flush),
		cmocka_unit_test(test_buf_pipe),
		cmocka_unit_test(test_buf_lost),
		cmocka_unit_test(test_buf_no_file),
	};

	log_init(1, -1, 0);
	signal(SIGPIPE, SIG_IGN);

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
