/*
 * test_name.c: normalisation of names from lists and from packets.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "name.h"

/* Normalise s in mode; expect ok and the text want. */
static void
expect_name(const char *s, enum name_mode mode, const char *want)
{
	struct name	 n;
	char		 why[128];

	if (name_normalize(&n, s, strlen(s), mode) != 0)
		fail_msg("\"%s\" refused: %s", s,
		    name_strerror(&n, why, sizeof(why)));
	assert_string_equal(n.s, want);
	assert_int_equal(n.len, strlen(want));
}

/* Normalise s in mode; expect it refused with the reason want. */
static void
expect_error(const char *s, size_t len, enum name_mode mode, const char *want)
{
	struct name	 n;
	char		 why[128];

	assert_int_equal(name_normalize(&n, s, len, mode), -1);
	assert_string_equal(name_strerror(&n, why, sizeof(why)), want);
}

static void
test_case_folding(void **state)
{
	(void)state;
	expect_name("S12.UPD.Kaspersky.COM", NAME_LIST, "s12.upd.kaspersky.com");
	expect_name("Ds.KASPERSKY.com", NAME_WIRE, "ds.kaspersky.com");
}

static void
test_trailing_dot(void **state)
{
	(void)state;
	expect_name("kaspersky.com.", NAME_LIST, "kaspersky.com");
	expect_name("KASPERSKY.COM.", NAME_WIRE, "kaspersky.com");
	expect_error(".", 1, NAME_LIST, "empty name");
	expect_error("", 0, NAME_WIRE, "empty name");
	expect_error("kaspersky.com..", 15, NAME_LIST, "empty label");
}

static void
test_empty_label(void **state)
{
	(void)state;
	expect_error("a..b", 4, NAME_LIST, "empty label");
	expect_error(".kaspersky.com", 14, NAME_WIRE, "empty label");
}

static void
test_label_length(void **state)
{
	char	 buf[128];

	(void)state;
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".com");
	expect_name(buf, NAME_LIST, buf);
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".com");
	expect_error(buf, strlen(buf), NAME_LIST, "label longer than 63 bytes");
	expect_error(buf, strlen(buf), NAME_WIRE, "label longer than 63 bytes");
}

/* Build a name of total length len from 63-byte labels. */
static void
long_name(char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		buf[i] = (i % 64 == 63) ? '.' : 'a';
	if (buf[len - 1] == '.')
		buf[len - 1] = 'a';
	buf[len] = '\0';
}

static void
test_name_length(void **state)
{
	char	 buf[300], want[300];

	(void)state;
	long_name(buf, 253);
	expect_name(buf, NAME_LIST, buf);
	long_name(buf, 254);
	expect_error(buf, 254, NAME_LIST, "name longer than 253 characters");
	long_name(buf, 256);
	expect_error(buf, 256, NAME_LIST, "name longer than 253 characters");
	/* from a packet the right-most fault is named: a 64-byte label */
	expect_error(buf, 256, NAME_WIRE, "label longer than 63 bytes");
	/* 253 characters and a trailing dot is still 255 bytes on the wire */
	long_name(buf, 253);
	strcpy(want, buf);
	strcat(buf, ".");
	expect_name(buf, NAME_WIRE, want);
}

static void
test_non_ldh(void **state)
{
	(void)state;
	expect_error("bad*name.com", 12, NAME_LIST,
	    "invalid character '*' in label");
	expect_error("a b.com", 7, NAME_LIST, "invalid byte 0x20 in label");
	expect_error("-lead.com", 9, NAME_LIST,
	    "label starts or ends with a hyphen");
	expect_error("trail-.com", 10, NAME_LIST,
	    "label starts or ends with a hyphen");
	expect_error("127.0.0.1", 9, NAME_LIST, "an IPv4 address, not a name");
	/* underscores occur in real names */
	expect_name("_dmarc.Example.com", NAME_LIST, "_dmarc.example.com");
	/* from a packet, an odd character must not hide a suffix */
	expect_name("x*y.kaspersky.com", NAME_WIRE, "x*y.kaspersky.com");
	expect_error("a\tb.com", 7, NAME_WIRE, "invalid byte 0x09 in label");
	/* a U-label from a packet is taken as its A-label (see test_wire_idn) */
	expect_name("\xc3\xa9.com", NAME_WIRE, "xn--9ca.com");
	expect_error("\xc3.com", 5, NAME_WIRE, "invalid byte 0xc3 in label");
}

static void
test_idn(void **state)
{
	(void)state;
	/* U-labels in lists become A-labels; case folds too */
	expect_name("касперский.рф", NAME_LIST, "xn--80akjebc7ajgd.xn--p1ai");
	expect_name("Bücher.example", NAME_LIST, "xn--bcher-kva.example");
	expect_name("xn--bcher-kva.example", NAME_LIST,
	    "xn--bcher-kva.example");
	/* not valid under IDNA2008 */
	{
		struct name	 n;
		char		 why[128];

		assert_int_equal(name_normalize(&n, "\xe2\x98\x83.com", 7,
		    NAME_LIST), -1);
		assert_int_equal(n.err, NAME_EIDN);
		assert_non_null(strstr(name_strerror(&n, why, sizeof(why)),
		    "invalid internationalised name"));
	}
}

/* Labels given as strings, for name_from_labels(). */
static int
from_labels(struct name *n, const char *const *labels, size_t nl)
{
	struct name_label	 l[16];
	size_t			 i;

	for (i = 0; i < nl; i++) {
		l[i].p = (const uint8_t *)labels[i];
		l[i].len = strlen(labels[i]);
	}
	return (name_from_labels(n, l, nl, 0));
}

static void
test_wire_labels(void **state)
{
	static const char *const good[] = { "DS", "Kaspersky", "com" };
	static const char *const dotted[] = { "evil.kaspersky", "com" };
	struct name	 n;
	char		 why[128];

	(void)state;
	assert_int_equal(from_labels(&n, good, 3), 0);
	assert_string_equal(n.s, "ds.kaspersky.com");
	assert_int_equal(n.partial, 0);
	assert_int_equal(n.unclean, 0);
	/* a dot inside a wire label would move a label boundary */
	assert_int_equal(from_labels(&n, dotted, 2), -1);
	assert_string_equal(name_strerror(&n, why, sizeof(why)),
	    "invalid character '.' in label");
	assert_int_equal(n.partial, 1);
	assert_string_equal(n.s, "com");
	assert_string_equal(n.raw, "evil.kaspersky.com");
	/* the root name is valid and empty */
	assert_int_equal(from_labels(&n, good, 0), 0);
	assert_int_equal(n.len, 0);
	assert_int_equal(n.partial, 0);
}

/* Expect s (len bytes) from a packet to keep only want, as partial. */
static void
expect_partial(const char *s, size_t len, const char *want,
    enum name_err err)
{
	struct name	 n;

	assert_int_equal(name_normalize(&n, s, len, NAME_WIRE), -1);
	assert_int_equal(n.partial, 1);
	assert_int_equal(n.unclean, 1);
	assert_int_equal(n.err, err);
	assert_string_equal(n.s, want);
	assert_int_equal(n.len, strlen(want));
}

/* Unclean packet names keep their valid right-most labels. */
static void
test_salvage(void **state)
{
	static char	 big[600];
	struct name	 n;
	size_t		 i;

	(void)state;
#define LIT(s)	s, sizeof(s) - 1
	expect_partial(LIT("a b.upd.Kaspersky.com"), "upd.kaspersky.com",
	    NAME_ECHAR);
	expect_partial(LIT("x\x01y.upd.kaspersky.com"), "upd.kaspersky.com",
	    NAME_ECHAR);
	expect_partial(LIT("x\0y.ds.kaspersky.com"), "ds.kaspersky.com",
	    NAME_ECHAR);
	expect_partial(LIT("a..ds.kaspersky.com"), "ds.kaspersky.com",
	    NAME_EEMPTYLABEL);
	expect_partial(LIT(".ds.kaspersky.com"), "ds.kaspersky.com",
	    NAME_EEMPTYLABEL);
	memset(big, 'a', 64);
	memcpy(big + 64, ".ds.kaspersky.com", 17);
	expect_partial(big, 81, "ds.kaspersky.com", NAME_ELABELLEN);
	/* too long as a whole: the right-most 253 characters' labels */
	for (i = 0; i < 300; i += 2)
		memcpy(big + i, "a.", 2);
	memcpy(big + 300, "ds.kaspersky.com", 16);
	assert_int_equal(name_normalize(&n, big, 316, NAME_WIRE), -1);
	assert_int_equal(n.err, NAME_ENAMELEN);
	assert_int_equal(n.partial, 1);
	assert_true(n.len <= NAME_MAXLEN && n.len > 200);
	assert_string_equal(n.s + n.len - 16, "ds.kaspersky.com");
	/* nothing valid at the right: nothing to match */
	expect_partial(LIT("ds.kaspersky.c m"), "", NAME_ECHAR);
	/* raw keeps the bytes as sent */
	assert_int_equal(name_normalize(&n, "a b.example", 11, NAME_WIRE),
	    -1);
	assert_string_equal(n.raw, "a b.example");
	assert_int_equal(n.rawlen, 11);
}

/* Bytes past ASCII: IDNA U-labels become A-labels, others are partial. */
static void
test_wire_idn(void **state)
{
	struct name	 n;

	(void)state;
	assert_int_equal(name_normalize(&n, LIT("x\xc3\xa9.upd.kaspersky.com"),
	    NAME_WIRE), 0);
	assert_string_equal(n.s, "xn--x-bga.upd.kaspersky.com");
	assert_int_equal(n.unclean, 1);
	assert_int_equal(n.partial, 0);
	assert_string_equal(n.raw, "x\xc3\xa9.upd.kaspersky.com");
	/* not UTF-8 at all: the valid labels only */
	expect_partial(LIT("x\xff.upd.kaspersky.com"), "upd.kaspersky.com",
	    NAME_ECHAR);
	/* a high byte and a space: not IDNA's to take */
	expect_partial(LIT("\xc3\xa9 x.ds.kaspersky.com"), "ds.kaspersky.com",
	    NAME_ECHAR);
}

/*
 * Every byte inside a label, in both modes, against the rules written
 * out: lists take letters (folded), digits, '-' and '_'; packets any
 * printable byte but the dot.  (Bytes past ASCII in a list go to IDNA.)
 */
static void
test_every_byte(void **state)
{
	struct name	 n;
	char		 in[4];
	int		 c, ok, rc;

	(void)state;
	for (c = 1; c < 256; c++) {
		if (c == '.')
			continue;
		in[0] = 'a';
		in[1] = (char)c;
		in[2] = 'b';
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (c < 0x80) {
			rc = name_normalize(&n, in, 3, NAME_LIST);
			if (rc != (ok ? 0 : -1))
				fail_msg("list byte 0x%02x: %d", c, rc);
			if (ok)
				assert_int_equal((unsigned char)n.s[1],
				    c >= 'A' && c <= 'Z' ? c + 32 : c);
			else
				assert_int_equal(n.err, NAME_ECHAR);
		}
		ok = c > 0x20 && c < 0x7f;
		rc = name_normalize(&n, in, 3, NAME_WIRE);
		if (rc != (ok ? 0 : -1))
			fail_msg("wire byte 0x%02x: %d", c, rc);
		if (ok)
			assert_int_equal((unsigned char)n.s[1],
			    c >= 'A' && c <= 'Z' ? c + 32 : c);
		else
			assert_int_equal(n.bad, c);
	}
}

/*
 * Runs of host-name bytes among other bytes, as name_scan() finds them:
 * with a dot and a letter, four bytes at least, case kept.
 */
static void
test_scan(void **state)
{
	static const uint8_t	 msg[] = "\x16\x03\x01\x00\x15" "ds.kaspersky.com"
	    "\x00\x10h2\x08http/1.1 a.b 1.2.3.4 x_y.z\xff" "UPD.Kaspersky.COM.";
	static const char *const want[] = {
		"ds.kaspersky.com", "x_y.z", "UPD.Kaspersky.COM."
	};
	size_t			 off = 0, at, n, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(name_scan(msg, sizeof(msg) - 1, &off, &at,
		    &n), 1);
		assert_int_equal(n, strlen(want[i]));
		assert_memory_equal(msg + at, want[i], n);
	}
	assert_int_equal(name_scan(msg, sizeof(msg) - 1, &off, &at, &n), 0);
	assert_int_equal(off, sizeof(msg) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_case_folding),
		cmocka_unit_test(test_trailing_dot),
		cmocka_unit_test(test_empty_label),
		cmocka_unit_test(test_label_length),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_non_ldh),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_wire_labels),
		cmocka_unit_test(test_salvage),
		cmocka_unit_test(test_wire_idn),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
