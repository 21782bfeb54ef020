/*
 * match.c: the compiled rule set.
 *
 * Layout.  Rules live in a hash table of 64-bit entries: 48 bits of
 * fingerprint of the rule's name and 16 bits saying kind, effect and
 * list.  Names themselves are not kept: a lookup only ever asks about
 * suffixes of the name in hand, so the matching rule's text is that
 * suffix.  Entries sit in buckets of eight, one 64-byte cache line each;
 * a bucket that filled up while building sets a flag in its first
 * slot, so that a lookup which misses stops after one line unless the
 * flag sends it on.  In front of the table, a blocked Bloom filter (one
 * 64-bit word per name, three bits, a byte a rule) answers "surely not"
 * for about 97% of the suffixes that have no rule, from cache, so a
 * name that matches nothing rarely waits for the table's memory at all.
 * Six rules per bucket and the filter cost under 12 bytes a rule.
 *
 * Hashing.  A name's labels are hashed right to left, each label's
 * hash chained onto the hash of everything to its right, so one pass
 * gives the hash of every suffix: "upd.kaspersky.com" hashes the same
 * whether it is a rule or the tail of "s12.upd.kaspersky.com".  The
 * buckets of the most specific suffixes are prefetched together before
 * any is probed, so the cache misses of those the filter lets through
 * overlap.
 *
 * Memory.  A compiled set lives in one anonymous mapping of its own
 * (table, then filter), given back whole by munmap() when the set is
 * freed: nothing of it stays in the allocator's heap, where a freed
 * 12 MB set would otherwise sit as fragments that the next set does
 * not fit, and a router would pay for every reload with a set's worth
 * of memory that never returns.  The builder's rules are in a mapping
 * of their own too, grown with mremap() (no copy, no second array),
 * sorted in place (no scratch array as large as the rules), and given
 * back from the front while the table is filled: the rules are in
 * bucket order, so the part already inserted is never read again.  A
 * reload's peak is thus the live set plus about the larger of the new
 * rules (16 bytes each) and the new set, not the sum of four arrays.
 *
 * False matches.  Two names share a fingerprint and a bucket with odds
 * near 2^-46 per probe; with a random seed per set they cannot be
 * aimed at.  That is far below any other error in the system.
 */
#include "config.h"

#include <endian.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "match.h"
#include "name.h"
#include "xmalloc.h"

#define BUCKET_SLOTS	8
#define BUCKET_LOAD	6	/* rules per bucket when sizing the table */
#define LEVELS_MAX	(NAME_MAXLEN + 1)	/* labels, even if all empty */
#define PREFETCH_LEVELS	6
#define FILTER_NAMES_PER_WORD	8	/* 8 bits a name: about 3% false hits */
#define RADIX_MIN	65536	/* rules; fewer go to qsort() */
#define HUGE_PAGE	((size_t)2 * 1024 * 1024)
#define RULES_MIN	4096	/* rules in a builder's first mapping */
#define RELEASE_STEP	((size_t)256 * 1024)	/* bytes of used rules */

#define INFO_EXACT	0x0001
#define INFO_ALLOW	0x0002
#define INFO_OVERFLOW	0x0004	/* in slot 0: look in the next bucket too */
#define INFO_LISTSHIFT	3
#define INFO_MASK	0xffffULL
#define FP_MASK		(~INFO_MASK)

struct bucket {
	uint64_t	slot[BUCKET_SLOTS];
} __attribute__((__aligned__(64)));

struct match {
	atomic_uint	 refs;
	uint64_t	 seed;
	struct bucket	*buckets;
	uint32_t	 nbuckets;
	uint64_t	*filter;	/* blocked Bloom filter, a word a name */
	uint32_t	 nwords;
	size_t		 count;
	void		*map;		/* buckets and filter, one mapping */
	size_t		 mapsize;
};

/* 14 bytes, not 16: a million of them are a reload's largest cost. */
struct build_rule {
	uint64_t	 hash;
	uint32_t	 tag;
	uint16_t	 info;
} __attribute__((__packed__));

struct match_builder {
	uint64_t		 seed;
	struct build_rule	*rules;		/* a mapping of cap rules */
	size_t			 nrules;
	size_t			 cap;
};

static uint64_t	match_seed(void);
static int	hash_levels(uint64_t, const char *, size_t, uint64_t *,
		    uint16_t *);
static int	rule_cmp(const void *, const void *);
static void	rules_insertion(struct build_rule *, size_t);
static void	rules_flag(struct build_rule *, size_t, int);
static void	rules_sort(struct build_rule *, size_t);
static size_t	builder_dedup(struct match_builder *, match_dup_cb, void *);
static void	*map_alloc(size_t, size_t *);
static void	map_huge(void *, size_t);
static void	rules_grow(struct match_builder *);
static void	rules_release(struct match_builder *, size_t, size_t *);
static void	table_insert(struct match *, uint64_t, uint16_t);
static int	probe(const struct match *, uint64_t, int, uint16_t *);
static int	lookup(const struct match *, const char *, size_t, int,
		    struct match_result *);

static inline uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (k);
}

static inline uint32_t
bucket_of(const struct match *m, uint64_t h)
{
	return ((uint32_t)(((h >> 32) * (uint64_t)m->nbuckets) >> 32));
}

/*
 * The filter word for a stored fingerprint (fingerprint() below) and
 * the three bits it sets there, from a remix of it: independent of the
 * bucket (the hash's top bits), and made from what the table keeps, so
 * that the filter is filled from the finished table once the rules'
 * memory is given back.
 */
static inline uint64_t
filter_bits(uint64_t fp, uint32_t nwords, uint32_t *word)
{
	uint64_t	 g = fmix64(fp);

	*word = (uint32_t)(((g >> 32) * (uint64_t)nwords) >> 32);
	return ((1ULL << (g & 63)) | (1ULL << ((g >> 6) & 63)) |
	    (1ULL << ((g >> 12) & 63)));
}

/* The stored fingerprint: the low 48 bits, never zero (zero: empty). */
static inline uint64_t
fingerprint(uint64_t h)
{
	uint64_t	 fp = h & 0xffffffffffffULL;

	return ((fp == 0 ? 1 : fp) << 16);
}

/* A seed per set, so that nobody outside can aim at a collision. */
static uint64_t
match_seed(void)
{
	uint64_t	 s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
		s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return (s | 1);
}

/* Eight bytes of buf at off, as a little-endian number on any host. */
static inline uint64_t
load64(const uint8_t *buf, size_t off)
{
	uint64_t	 w;

	memcpy(&w, buf + off, 8);
	return (le64toh(w));
}

/*
 * Hash buf[start..end) onto h, the hash of the labels to its right,
 * eight bytes at a time; buf is padded so the last load stays inside.
 */
static inline uint64_t
hash_label(const uint8_t *buf, size_t start, size_t end, uint64_t h)
{
	uint64_t	 w;
	size_t		 i;

	for (i = start; i + 8 <= end; i += 8) {
		h = (h ^ load64(buf, i)) * 0x9e3779b97f4a7c15ULL;
		h = (h << 31) | (h >> 33);
	}
	if (i < end) {
		w = load64(buf, i) & (~0ULL >> (8 * (8 - (end - i))));
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	}
	return (fmix64(h ^ (end - start)));
}

/*
 * Hash every suffix of name[0..len): hs[0] is the top-level label,
 * hs[n-1] the whole name, off[i] where suffix i starts.  Returns n.
 * Dots are found eight bytes at a time (a dot XORed with '.' is a
 * zero byte), which keeps a branch per byte out of the packet path.
 */
static int
hash_levels(uint64_t seed, const char *name, size_t len, uint64_t *hs,
    uint16_t *off)
{
	uint8_t		 buf[NAME_BUFSZ + 8];
	uint16_t	 start[LEVELS_MAX];
	uint64_t	 x, z, h = seed;
	const uint64_t	 lo7 = 0x7f7f7f7f7f7f7f7fULL;
	size_t		 i, pos, end;
	int		 nl = 0, n = 0;

	memcpy(buf, name, len);
	memset(buf + len, 0, 8);
	start[nl++] = 0;
	for (i = 0; i < len; i += 8) {
		x = load64(buf, i) ^ 0x2e2e2e2e2e2e2e2eULL;
		z = ~(((x & lo7) + lo7) | x | lo7);	/* 0x80 per zero byte */
		for (; z != 0; z &= z - 1) {
			pos = i + (size_t)__builtin_ctzll(z) / 8;
			if (pos < len && nl < LEVELS_MAX)
				start[nl++] = (uint16_t)(pos + 1);
		}
	}
	for (end = len; nl > 0; end = start[nl] - 1u) {
		nl--;
		h = hash_label(buf, start[nl], end, h);
		hs[n] = h;
		off[n++] = start[nl];
	}
	return (n);
}

struct match_builder *
match_builder_new(void)
{
	struct match_builder	*b;

	b = xcalloc(1, sizeof(*b));
	b->seed = match_seed();
	return (b);
}

/*
 * Add one rule; name must be normalised (see name.h).  The tag comes
 * back in duplicate reports.  Fails only for a list index out of range.
 */
int
match_builder_add(struct match_builder *b, const char *name, size_t len,
    enum match_kind kind, enum match_effect effect, unsigned list,
    uint32_t tag)
{
	struct build_rule	*r;
	uint64_t		 hs[LEVELS_MAX];
	uint16_t		 off[LEVELS_MAX];
	int			 n;

	if (list >= MATCH_LISTMAX || len == 0 || len > NAME_MAXLEN)
		return (-1);
	n = hash_levels(b->seed, name, len, hs, off);
	if (b->nrules == b->cap)
		rules_grow(b);
	r = &b->rules[b->nrules++];
	r->hash = hs[n - 1];
	r->tag = tag;
	r->info = (uint16_t)((list << INFO_LISTSHIFT) |
	    (effect == MATCH_ALLOW ? INFO_ALLOW : 0) |
	    (kind == MATCH_EXACT ? INFO_EXACT : 0));
	return (0);
}

/*
 * Order rules by hash (so by bucket), then kind, then allow before
 * block, then list, then tag: the first of each (name, kind) run is the
 * one that decides.
 */
static int
rule_cmp(const void *va, const void *vb)
{
	const struct build_rule	*a = va, *b = vb;
	unsigned		 ka, kb;

	if (a->hash != b->hash)
		return (a->hash < b->hash ? -1 : 1);
	if ((a->info & INFO_EXACT) != (b->info & INFO_EXACT))
		return ((a->info & INFO_EXACT) ? 1 : -1);
	if ((a->info & INFO_ALLOW) != (b->info & INFO_ALLOW))
		return ((a->info & INFO_ALLOW) ? -1 : 1);
	ka = a->info >> INFO_LISTSHIFT;
	kb = b->info >> INFO_LISTSHIFT;
	if (ka != kb)
		return (ka < kb ? -1 : 1);
	if (a->tag != b->tag)
		return (a->tag < b->tag ? -1 : 1);
	return (0);
}

/* Finish a short run of rules by insertion with the full comparison. */
static void
rules_insertion(struct build_rule *r, size_t n)
{
	struct build_rule	 t;
	size_t			 i, j;

	for (i = 1; i < n; i++) {
		t = r[i];
		for (j = i; j > 0 && rule_cmp(&r[j - 1], &t) > 0; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

/*
 * One level of an in-place radix sort (American flag sort) on the byte
 * of the hash at shift: count, then follow each cycle, putting the rule
 * in hand where its bin goes next.  256 bins keep the positions being
 * written few enough to stay in cache.  The top two bytes put the rules
 * in bucket order; each bin then (a dozen rules for a million) is
 * finished by insertion, or by qsort() when a name repeated many times
 * makes it long.
 */
static void
rules_flag(struct build_rule *r, size_t n, int shift)
{
	struct build_rule	 t, u;
	size_t			 start[257], next[256], i, k, j, c, sum;

	memset(start, 0, sizeof(start));
	for (i = 0; i < n; i++)
		start[(r[i].hash >> shift) & 0xff]++;
	for (sum = 0, k = 0; k < 256; k++) {
		c = start[k];
		start[k] = next[k] = sum;
		sum += c;
	}
	start[256] = n;
	for (k = 0; k < 256; k++) {
		while (next[k] < start[k + 1]) {
			t = r[next[k]];
			while ((j = (size_t)((t.hash >> shift) & 0xff)) != k) {
				u = r[next[j]];
				r[next[j]++] = t;
				t = u;
			}
			r[next[k]++] = t;
		}
	}
	for (k = 0; k < 256; k++) {
		c = start[k + 1] - start[k];
		if (c < 2)
			continue;
		if (shift > 48 && c > 16)
			rules_flag(r + start[k], c, shift - 8);
		else if (c > 16)
			qsort(r + start[k], c, sizeof(*r), rule_cmp);
		else
			rules_insertion(r + start[k], c);
	}
}

/*
 * Sort rules into rule_cmp() order, in place: no scratch array as
 * large as the rules (see Memory above).  Small sets (most lists) go
 * to qsort().
 */
static void
rules_sort(struct build_rule *r, size_t n)
{
	if (n < 2)
		return;
	if (n < RADIX_MIN) {
		qsort(r, n, sizeof(*r), rule_cmp);
		return;
	}
	rules_flag(r, n, 56);
}

/*
 * Sort, report rules repeated within one list, and keep one rule per
 * (name, kind).  Returns how many are kept (at the front of the array).
 */
static size_t
builder_dedup(struct match_builder *b, match_dup_cb cb, void *arg)
{
	struct build_rule	*r = b->rules, *p;
	size_t			 i, j, first = 0, kept = 0;

	rules_sort(r, b->nrules);
	for (i = 0; i < b->nrules; i++) {
		if (i > 0 && r[i].hash == r[first].hash &&
		    (r[i].info & INFO_EXACT) == (r[first].info & INFO_EXACT)) {
			for (j = first; j < i && cb != NULL; j++) {
				p = &r[j];
				if ((p->info >> INFO_LISTSHIFT) !=
				    (r[i].info >> INFO_LISTSHIFT))
					continue;
				cb(r[i].info >> INFO_LISTSHIFT,
				    r[i].tag > p->tag ? r[i].tag : p->tag,
				    r[i].tag > p->tag ? p->tag : r[i].tag,
				    (p->info & INFO_ALLOW) !=
				    (r[i].info & INFO_ALLOW), arg);
				break;
			}
			continue;
		}
		first = i;
		r[kept++] = r[i];
	}
	return (kept);
}

/* Put one entry in its bucket or the first bucket after it with room. */
static void
table_insert(struct match *m, uint64_t h, uint16_t info)
{
	uint32_t	 b = bucket_of(m, h);
	int		 i;

	uint64_t	*slot;

	for (;;) {
		slot = m->buckets[b].slot;
		for (i = 0; i < BUCKET_SLOTS; i++) {
			if ((slot[i] & FP_MASK) == 0) {
				slot[i] = fingerprint(h) | info |
				    (slot[i] & INFO_OVERFLOW);
				return;
			}
		}
		slot[0] |= INFO_OVERFLOW;
		if (++b == m->nbuckets)
			b = 0;
	}
}

/*
 * An anonymous mapping of at least size bytes, zero-filled by the
 * kernel (its pages cost nothing until written); *mapsize says how
 * much to unmap.  One of 2 MiB or more starts on a 2 MiB boundary, so
 * that map_huge() can give its table huge pages once it is filled.
 */
static void *
map_alloc(size_t size, size_t *mapsize)
{
	size_t	 page = (size_t)sysconf(_SC_PAGESIZE), lead, span;
	uint8_t	*p;

	size = (size + page - 1) & ~(page - 1);
	span = size < HUGE_PAGE ? size : size + HUGE_PAGE;
	p = mmap(NULL, span, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("%s: %zu bytes", __func__, size);
	if (span > size) {
		lead = (HUGE_PAGE - ((uintptr_t)p & (HUGE_PAGE - 1))) &
		    (HUGE_PAGE - 1);
		if (lead > 0)
			(void)munmap(p, lead);
		(void)munmap(p + lead + size, span - lead - size);
		p += lead;
	}
	*mapsize = size;
	return (p);
}

/*
 * Offer the whole 2 MiB stretches of a filled table to transparent huge
 * pages: lookups land on random buckets, and with 4 KiB pages nearly
 * every one would also miss the TLB.  Only now: a build that faulted
 * in 2 MiB at a time would hold more beside its rules, and the rules
 * are what a reload's peak is made of.  MADV_COLLAPSE (Linux 6.1)
 * makes the huge pages at once; elsewhere khugepaged does, later.
 */
static void
map_huge(void *p, size_t size)
{
	size &= ~(HUGE_PAGE - 1);
	if (size == 0)
		return;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size, MADV_HUGEPAGE);
#endif
#ifdef MADV_COLLAPSE
	(void)madvise(p, size, MADV_COLLAPSE);
#endif
}

/*
 * Room for more rules: the first mapping holds RULES_MIN, each next
 * one twice as many, moved by the kernel's page tables, not copied.
 */
static void
rules_grow(struct match_builder *b)
{
	size_t	 cap = b->cap ? b->cap * 2 : RULES_MIN;
	size_t	 size = cap * sizeof(*b->rules);
	void	*p;

	if (cap > SIZE_MAX / 2 / sizeof(*b->rules))
		fatalx("%s: too many rules", __func__);
	if (b->rules == NULL)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mremap(b->rules, b->cap * sizeof(*b->rules), size,
		    MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		fatal("%s: %zu bytes", __func__, size);
	b->rules = p;
	b->cap = cap;
}

/*
 * Give back the pages of rules[*done .. upto) once a step's worth is
 * behind the table build: they are never read again.
 */
static void
rules_release(struct match_builder *b, size_t upto, size_t *done)
{
	size_t	 page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t from, to;

	from = ((uintptr_t)(b->rules + *done) + page - 1) & ~(page - 1);
	to = (uintptr_t)(b->rules + upto) & ~(page - 1);
	if (to < from + RELEASE_STEP)
		return;
	(void)madvise((void *)from, to - from, MADV_DONTNEED);
	*done = upto;
}

/* Compile the rules into a set; the builder is consumed. */
struct match *
match_builder_finish(struct match_builder *b, match_dup_cb cb, void *arg)
{
	struct match	*m;
	size_t		 i, kept, nb, tsize, released = 0;
	uint64_t	 bits, fp;
	uint32_t	 w;
	uint8_t		*p;

	kept = builder_dedup(b, cb, arg);
	m = xcalloc(1, sizeof(*m));
	atomic_init(&m->refs, 1);
	m->seed = b->seed;
	m->count = kept;
	nb = (kept + BUCKET_LOAD - 1) / BUCKET_LOAD;
	if (nb == 0)
		nb = 1;
	if (nb > UINT32_MAX / 2)
		fatalx("%s: %zu rules are too many", __func__, kept);
	m->nbuckets = (uint32_t)nb;
	m->nwords = (uint32_t)((kept + FILTER_NAMES_PER_WORD - 1) /
	    FILTER_NAMES_PER_WORD);
	if (m->nwords == 0)
		m->nwords = 1;
	tsize = nb * sizeof(struct bucket);
	p = map_alloc(tsize + (size_t)m->nwords * sizeof(*m->filter),
	    &m->mapsize);
	m->map = p;
	m->buckets = (struct bucket *)p;
	m->filter = (uint64_t *)(p + tsize);
	/*
	 * The table in bucket order while the rules behind it are given
	 * back (they shrink faster than the table grows); then, with the
	 * rules gone, the filter (a byte a rule, written all over) from
	 * the table's fingerprints.
	 */
	for (i = 0; i < kept; i++) {
		table_insert(m, b->rules[i].hash, b->rules[i].info);
		if ((i & 0x3fff) == 0x3fff)
			rules_release(b, i + 1, &released);
	}
	match_builder_free(b);
	for (i = 0; i < (size_t)m->nbuckets * BUCKET_SLOTS; i++) {
		fp = m->buckets[i / BUCKET_SLOTS].slot[i % BUCKET_SLOTS] &
		    FP_MASK;
		if (fp == 0)
			continue;
		bits = filter_bits(fp, m->nwords, &w);
		m->filter[w] |= bits;
	}
	map_huge(m->buckets, tsize);
	return (m);
}

void
match_builder_free(struct match_builder *b)
{
	if (b == NULL)
		return;
	if (b->rules != NULL)
		(void)munmap(b->rules, b->cap * sizeof(*b->rules));
	free(b);
}

/*
 * Look for the entries of one name; exact entries count only for the
 * whole name.  Sets *info to the deciding entry (allow over block,
 * lower list first) and returns 1, or returns 0.
 */
static int
probe(const struct match *m, uint64_t h, int whole, uint16_t *info)
{
	const uint64_t	*slot;
	uint64_t	 want = fingerprint(h);
	uint32_t	 b = bucket_of(m, h);
	unsigned	 hits, i;
	int		 found = 0;
	uint16_t	 best = 0, cur;

	for (;;) {
		/*
		 * Compare all eight slots without a branch per slot: which
		 * one matches is random, and a mispredicted branch here
		 * would stall on the bucket's cache miss.
		 */
		slot = m->buckets[b].slot;
		hits = 0;
		for (i = 0; i < BUCKET_SLOTS; i++)
			hits |= (unsigned)((slot[i] & FP_MASK) == want) << i;
		for (; hits != 0; hits &= hits - 1) {
			cur = (uint16_t)(slot[__builtin_ctz(hits)] & INFO_MASK &
			    ~INFO_OVERFLOW);
			if ((cur & INFO_EXACT) && !whole)
				continue;
			if (!found || (cur & INFO_ALLOW) > (best & INFO_ALLOW) ||
			    ((cur & INFO_ALLOW) == (best & INFO_ALLOW) &&
			    (cur >> INFO_LISTSHIFT) < (best >> INFO_LISTSHIFT)))
				best = cur;
			found = 1;
		}
		if (!(slot[0] & INFO_OVERFLOW))
			break;
		if (++b == m->nbuckets)
			b = 0;
	}
	*info = best;
	return (found);
}

/*
 * The lookup of match_lookup(); below: the name itself is unknown and
 * only names under it are meant, so no exact rule counts.
 */
static int
lookup(const struct match *m, const char *name, size_t len, int below,
    struct match_result *res)
{
	uint64_t	 hs[LEVELS_MAX], bits;
	uint16_t	 off[LEVELS_MAX], info;
	uint32_t	 w;
	int		 n, i;

	if (len == 0 || len > NAME_MAXLEN || m->count == 0)
		return (0);
	n = hash_levels(m->seed, name, len, hs, off);
	for (i = n - 1; i >= 0 && i >= n - PREFETCH_LEVELS; i--)
		__builtin_prefetch(&m->buckets[bucket_of(m, hs[i])]);
	for (i = n - 1; i >= 0; i--) {
		bits = filter_bits(fingerprint(hs[i]), m->nwords, &w);
		if ((m->filter[w] & bits) != bits)
			continue;	/* surely no rule for this suffix */
		if (!probe(m, hs[i], i == n - 1 && !below, &info))
			continue;
		res->kind = (info & INFO_EXACT) ? MATCH_EXACT : MATCH_SUFFIX;
		res->effect = (info & INFO_ALLOW) ? MATCH_ALLOW : MATCH_BLOCK;
		res->list = info >> INFO_LISTSHIFT;
		res->offset = off[i];
		return (1);
	}
	return (0);
}

/*
 * Find the rule that decides name[0..len) (normalised).  Returns 1 and
 * fills res, or 0 when no rule covers the name.  Allocates nothing.
 */
int
match_lookup(const struct match *m, const char *name, size_t len,
    struct match_result *res)
{
	return (lookup(m, name, len, 0, res));
}

/*
 * The rule that decides some name below name[0..len): a suffix rule
 * for it or a parent, never an exact one.  For a name of which only
 * the right-most labels could be read.
 */
int
match_lookup_below(const struct match *m, const char *name, size_t len,
    struct match_result *res)
{
	return (lookup(m, name, len, 1, res));
}

/* "exact" or "suffix", as events and answers name a rule's kind. */
const char *
match_kind_name(enum match_kind kind)
{
	return (kind == MATCH_EXACT ? "exact" : "suffix");
}

size_t
match_count(const struct match *m)
{
	return (m->count);
}

/* Bytes the set occupies while it serves lookups. */
size_t
match_memsize(const struct match *m)
{
	return (sizeof(*m) + m->mapsize);
}

struct match *
match_ref(struct match *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return (m);
}

/* Let go of a set; the last user frees it. */
void
match_unref(struct match *m)
{
	if (m == NULL)
		return;
	if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	(void)munmap(m->map, m->mapsize);
	free(m);
}
