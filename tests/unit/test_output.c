/*
 * test_output.c: the control socket's two formatters, text and JSON,
 * on results built by hand: every command's answer, byte for byte, so
 * that a change of layout is a change of this file too.  Links only
 * output.c, output_json.c and what they use (json.c, stats.c, log.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "output.h"
#include "stats.h"
#include "top.h"

/* What a formatter wrote, NUL-terminated (the caller frees it). */
static char *
text_of(struct evbuffer *b)
{
	size_t	 n = evbuffer_get_length(b);
	char	*s = malloc(n + 1);

	assert_non_null(s);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return (s);
}

#define assert_output(b, want) do {					\
	char *got_ = text_of(b);					\
	assert_string_equal(got_, want);				\
	free(got_);							\
} while (0)

static const struct status_queue queues[] = {
	{ 0, 1, 2, 3, 4, 500 },
	{ 1, -1, 0, 0, 0, 0 },
};

static const struct status_list lists[] = {
	{ "kaspersky-update", "block", "2026-11-30", "Kaspersky", "update",
	    "/l/u.list", 120, 7, 1 },
	{ "local", "reject", NULL, NULL, NULL, "/l/\"q\".list", 1, 0, 0 },
};

static void
status_fill(struct status_result *r)
{
	memset(r, 0, sizeof(*r));
	r->version = "1.2";
	r->pid = 42;
	r->uid = 65534;
	r->uptime = 90061;		/* 1d 01:01:01 */
	r->mode = "block";
	r->rules = 121;
	r->loaded = 1000;
	r->reloaded = 2000;
	r->reload_ok = 0;
	r->reloads_ok = 3;
	r->reloads_failed = 1;
	r->queues = queues;
	r->nqueues = 2;
	r->learned = 5;
	r->learn_refused = 6;
	r->lookups_on = 1;
	r->lookups_ok = 8;
	r->lookups_failed = 9;
	r->lists = lists;
	r->nlists = 2;
	r->side[0].name = "control";
	r->side[0].on = 1;
	r->side[0].n.open = 1;
	r->side[0].n.clients = 16;
	r->side[0].n.c[SERVER_ACCEPTED] = 10;
	r->side[0].n.c[SERVER_ANSWERED] = 9;
	r->side[0].n.c[SERVER_EVICTED] = 2;
	r->side[0].n.c[SERVER_TIMEDOUT] = 3;
	r->side[0].n.c[SERVER_TOOLONG] = 4;
	r->side[0].n.c[SERVER_ACCEPT_ERRORS] = 5;
	r->side[1].name = "metrics";
}

static void
test_status_text(void **state)
{
	struct status_result	 r;
	struct evbuffer		*b = evbuffer_new();

	(void)state;
	status_fill(&r);
	output_text.status(b, &r);
	assert_output(b,
	    "embargod 1.2, pid 42, uid 65534, up 1d 01:01:01, mode block\n"
	    "queue 0: bound, 2 waiting, 3 dropped (queue full), 4 dropped "
	    "(socket full), 500 queued in all\n"
	    "queue 1: kernel counters unknown (/proc/net/netfilter/"
	    "nfnetlink_queue could not be read at start-up)\n"
	    "2 lists, 121 rules; last reload: FAILED, running the previous "
	    "set; last event file reopen: none\n"
	    "5 learned addresses (6 refused, table full); lookups of list "
	    "names: 8 answered, 9 failed\n"
	    "control: 1 of 16 connections open; 9 answered, 2 evicted at the "
	    "cap, 3 past the deadline, 4 too long, 5 accept errors\n"
	    "  LIST                            RULES  ACTION  VERSION         "
	    "        BLOCKED    AUDITED\n"
	    "  kaspersky-update                  120  block   2026-11-30      "
	    "              7          1\n"
	    "  local                               1  reject  -               "
	    "              0          0\n");
}

/* Every action, reject the longest, keeps the columns after it. */
static void
test_status_text_aligned(void **state)
{
	struct status_result	 r;
	struct evbuffer		*b = evbuffer_new();
	char			*s, *line, *save = NULL;
	long			 col = -1;

	(void)state;
	status_fill(&r);
	output_text.status(b, &r);
	s = text_of(b);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "  ", 2) != 0)
			continue;
		if (col == -1)
			col = strstr(line, "VERSION") - line;
		else
			assert_int_equal(line[col - 1], ' ');
		assert_int_equal(strlen(line), strlen(
		    "  LIST                            RULES  ACTION  VERSION   "
		    "              BLOCKED    AUDITED"));
	}
	assert_true(col > 0);
	free(s);
}

static void
test_status_json(void **state)
{
	struct status_result	 r;
	struct evbuffer		*b = evbuffer_new();

	(void)state;
	status_fill(&r);
	r.reopened = 3000;
	r.reopen_ok = 0;
	output_json.status(b, &r);
	assert_output(b,
	    "{\"version\":\"1.2\",\"pid\":42,\"uid\":65534,\"uptime\":90061,"
	    "\"mode\":\"block\",\"rules\":121,\"loaded\":1000,"
	    "\"reload\":{\"last\":2000,\"ok\":false,\"succeeded\":3,"
	    "\"failed\":1},\"reopen\":{\"last\":3000,\"ok\":false},"
	    "\"queues\":[{\"queue\":0,\"bound\":true,\"waiting\":2,"
	    "\"dropped\":3,\"user_dropped\":4,\"queued\":500},{\"queue\":1,"
	    "\"bound\":null,\"waiting\":0,\"dropped\":0,\"user_dropped\":0,"
	    "\"queued\":0}],\"learned\":{\"addresses\":5,\"refused\":6},"
	    "\"lookups\":{\"on\":true,\"ok\":8,\"failed\":9},"
	    "\"control\":{\"open\":1,\"clients\":16,\"accepted\":10,"
	    "\"answered\":9,\"evicted\":2,\"timed_out\":3,\"too_long\":4,"
	    "\"accept_errors\":5},\"metrics\":null,"
	    "\"lists\":[{\"name\":\"kaspersky-update\",\"rules\":120,"
	    "\"action\":\"block\",\"blocked\":7,\"audited\":1,"
	    "\"version\":\"2026-11-30\",\"vendor\":\"Kaspersky\","
	    "\"category\":\"update\",\"path\":\"/l/u.list\"},"
	    "{\"name\":\"local\",\"rules\":1,\"action\":\"reject\","
	    "\"blocked\":0,\"audited\":0,\"version\":\"\",\"vendor\":\"\","
	    "\"category\":\"\",\"path\":\"/l/\\\"q\\\".list\"}]}\n");
}

static void
test_stats(void **state)
{
	struct stats		 sum, q0;
	const struct stats	*qs[1] = { &q0 };
	const unsigned		 num[1] = { 7 };
	struct stats_result	 r = { &sum, qs, num, 1 };
	struct evbuffer		*b = evbuffer_new();
	char			*s;

	(void)state;
	memset(&sum, 0, sizeof(sum));
	memset(&q0, 0, sizeof(q0));
	stats_add(&sum, STAT_PACKETS, 12);
	stats_add(&q0, STAT_PACKETS, 12);
	output_text.stats(b, &r);
	s = text_of(b);
	assert_non_null(strstr(s, "packets                12\n"));
	assert_int_equal(strncmp(s, "packets ", 8), 0);
	free(s);
	b = evbuffer_new();
	output_json.stats(b, &r);
	s = text_of(b);
	assert_int_equal(strncmp(s, "{\"counters\":{\"packets\":12,", 26), 0);
	assert_non_null(strstr(s, "},\"queues\":{\"7\":{\"packets\":12,"));
	assert_string_equal(s + strlen(s) - 3, "}}\n");
	free(s);
}

static void
test_top(void **state)
{
	struct top		 names, clients;
	struct top_result	 r = { &names, &clients, 1 };
	struct evbuffer		*b = evbuffer_new();

	(void)state;
	memset(&names, 0, sizeof(names));
	memset(&clients, 0, sizeof(clients));
	top_add(&names, "s12.upd.kaspersky.com", 3);
	top_add(&names, "ds.kaspersky.com", 1);
	top_add(&clients, "10.77.1.2", 4);
	top_sort(&names);
	output_text.top(b, &r);
	assert_output(b, "names:\n     MATCHES  NAME\n"
	    "           3  s12.upd.kaspersky.com\n"
	    "clients:\n     MATCHES  CLIENT\n           4  10.77.1.2\n");
	b = evbuffer_new();
	output_json.top(b, &r);
	assert_output(b, "{\"names\":[{\"key\":\"s12.upd.kaspersky.com\","
	    "\"count\":3,\"error\":0}],\"clients\":[{\"key\":\"10.77.1.2\","
	    "\"count\":4,\"error\":0}]}\n");
}

static void
test_flows(void **state)
{
	struct flow_row		 rows[2] = {
		{ 0, "tls", "open", "10.77.1.2", "10.77.2.2", 40000, 443, 15,
		    0 },
		{ 1, "http", "gathering", "fd00::2", "fd00::1", 5, 80, 0, 9 },
	};
	struct flows_result	 r = { rows, 2, 3, 2 };
	struct evbuffer		*b = evbuffer_new();

	(void)state;
	output_text.flows(b, &r);
	assert_output(b,
	    "QUEUE PROTO STATE     SOURCE -> DESTINATION, IDLE\n"
	    "0     tls   open      10.77.1.2 port 40000 -> 10.77.2.2 port "
	    "443, idle 15 ms\n"
	    "1     http  gathering fd00::2 port 5 -> fd00::1 port 80, idle 0 "
	    "ms\n"
	    "3 flows (first 2 shown)\n");
	b = evbuffer_new();
	r.shown = 1;
	r.total = 1;
	output_json.flows(b, &r);
	assert_output(b, "{\"flows\":[{\"queue\":0,\"protocol\":\"tls\","
	    "\"state\":\"open\",\"source\":{\"ip\":\"10.77.1.2\","
	    "\"port\":40000},\"destination\":{\"ip\":\"10.77.2.2\","
	    "\"port\":443},\"idle_ms\":15,\"gathered\":0}],\"total\":1,"
	    "\"shown\":1}\n");
	b = evbuffer_new();
	r.shown = r.total = 0;
	output_text.flows(b, &r);
	assert_output(b, "QUEUE PROTO STATE     SOURCE -> DESTINATION, IDLE\n"
	    "0 flows\n");
}

static void
test_test(void **state)
{
	struct test_row		 rows[4] = {
		{ "DS.Kaspersky.com.", "ds.kaspersky.com", "blocked",
		    "kaspersky-update", "ds.kaspersky.com", "exact", 0 },
		{ "www.example.org", "www.example.org", "not listed", NULL,
		    NULL, NULL, 0 },
		{ "a..b", NULL, "empty label", NULL, NULL, NULL, 0 },
		{ "opentip.tip.kaspersky.com", "opentip.tip.kaspersky.com",
		    "allowed", "carve-out", "tip.kaspersky.com", "suffix", 1 },
	};
	struct test_result	 r = { rows, 4 };
	struct evbuffer		*b = evbuffer_new();

	(void)state;
	output_text.test(b, &r);
	/* as embargod -T words it (policy_explain_text()) */
	assert_output(b, "ds.kaspersky.com: blocked by list kaspersky-update "
	    "(exact rule ds.kaspersky.com)\nwww.example.org: not listed\n"
	    "a..b: invalid name: empty label\n"
	    "opentip.tip.kaspersky.com: allowed by list carve-out (allow "
	    "suffix rule tip.kaspersky.com)\n");
	b = evbuffer_new();
	output_json.test(b, &r);
	assert_output(b, "{\"names\":[{\"name\":\"DS.Kaspersky.com.\","
	    "\"result\":\"blocked\",\"list\":\"kaspersky-update\","
	    "\"rule\":\"ds.kaspersky.com\",\"match\":\"exact\"},"
	    "{\"name\":\"www.example.org\",\"result\":\"not listed\"},"
	    "{\"name\":\"a..b\",\"result\":\"empty label\"},"
	    "{\"name\":\"opentip.tip.kaspersky.com\",\"result\":\"allowed\","
	    "\"list\":\"carve-out\",\"rule\":\"tip.kaspersky.com\","
	    "\"match\":\"suffix\"}]}\n");
}

/* A reload's messages are long and hold newlines and quotes. */
static void
test_reload(void **state)
{
	struct reload_result	 r = { 0, 5, NULL };
	struct evbuffer		*b = evbuffer_new();
	char			*msg = malloc(5001), *s;

	(void)state;
	memset(msg, 'x', 5000);
	msg[5000] = '\0';
	msg[0] = '"';
	msg[4999] = '\n';
	r.messages = msg;
	output_json.reload(b, &r);
	s = text_of(b);
	assert_int_equal(strncmp(s, "{\"ok\":false,\"rules\":5,\"messages\":"
	    "\"\\\"xx", 38), 0);
	assert_string_equal(s + strlen(s) - 11, "xx\\u000a\"}\n");
	/* prefix, quote, \", the x, \u000a, quote, "}\n" */
	assert_int_equal(strlen(s), 33 + 1 + 2 + 4998 + 6 + 1 + 2);
	free(s);
	b = evbuffer_new();
	r.ok = 1;
	r.messages = "embargod.conf:3: warning\n";
	output_text.reload(b, &r);
	assert_output(b, "embargod.conf:3: warning\nreloaded: 5 rules\n");
	free(msg);
}

static void
test_reopen_and_error(void **state)
{
	struct evbuffer		*b = evbuffer_new();

	(void)state;
	output_text.reopen(b, 0);
	output_text.error(b, "usage: status");
	assert_output(b, "cannot reopen the event file (see the log)\n"
	    "usage: status\n");
	b = evbuffer_new();
	output_json.reopen(b, 1);
	output_json.error(b, "unknown command \"x\"");
	assert_output(b, "{\"ok\":true}\n{\"error\":\"unknown command "
	    "\\\"x\\\"\"}\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_status_text_aligned),
		cmocka_unit_test(test_status_json),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_test),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_reopen_and_error),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
