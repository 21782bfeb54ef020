/*
 * bench_match: how fast and how small the compiled name set is.
 *
 * Generates 1,000,000 realistic names (fixed seed), writes them as a
 * list, and measures in one run: load + compile through the list
 * loader, and the same file loaded into a plain open-addressing hash
 * set of full names (read whole, lines cut in place, each hashed and
 * inserted: the least a loader can do, without checking a name);
 * matcher bytes per rule; suffix lookups per second on hits, on
 * subdomain hits and on misses, and the same lookups in the plain set
 * (the limit for a set that answers only exact questions).  Prints the
 * ratios.  Load times are the best of rounds.  Not a test.
 *
 * usage: bench_match [-n names] [-r rounds]
 *        bench_match [-n names] -w file	(write the names as a list)
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "file.h"
#include "lists.h"
#include "log.h"
#include "match.h"

struct query {
	const char	*s;
	size_t		 len;
};

struct plainslot {
	uint64_t	 hash;
	const char	*name;
};

struct plainset {
	struct plainslot	*slot;
	size_t			 mask;
};

static uint64_t	rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (rng_state);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Processor time of this thread: loads are timed with it, so that on a
 * shared machine the time spent waiting for a processor is not counted.
 */
static double
cpu_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* One label of length min..max from a DNS-like alphabet. */
static size_t
gen_label(char *p, size_t min, size_t max)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t	 n = min + rng() % (max - min + 1), i;

	for (i = 0; i < n; i++)
		p[i] = alpha[rng() % (sizeof(alpha) - 1)];
	if (n > 4 && rng() % 8 == 0)
		p[n / 2] = '-';
	return (n);
}

/* A realistic name: 2-5 labels, mixed TLDs, about 19 bytes. */
static size_t
gen_name(char *buf)
{
	static const char *tlds[] = { "com", "com", "com", "com", "net",
	    "org", "ru", "de", "cn", "io", "co.uk", "com.br", "info", "jp",
	    "fr", "uk", "nl", "xyz", "top", "com.au" };
	static const char *subs[] = { "www", "api", "cdn", "mail", "s1",
	    "img", "static", "update", "m", "app" };
	const char	*tld = tlds[rng() % (sizeof(tlds) / sizeof(tlds[0]))];
	size_t		 n = 0, labels, r = rng() % 100, i;

	labels = r < 45 ? 2 : r < 80 ? 3 : r < 95 ? 4 : 5;
	if (strchr(tld, '.') != NULL)
		labels = labels > 2 ? labels - 1 : 2;
	for (i = 2; i < labels; i++) {
		if (rng() % 3 == 0) {
			const char *s = subs[rng() % 10];

			memcpy(buf + n, s, strlen(s));
			n += strlen(s);
		} else
			n += gen_label(buf + n, 1, 8);
		buf[n++] = '.';
	}
	n += gen_label(buf + n, 6, 16);
	buf[n++] = '.';
	memcpy(buf + n, tld, strlen(tld));
	n += strlen(tld);
	buf[n] = '\0';
	return (n);
}

static uint64_t
plain_hash(const char *p, size_t n)
{
	uint64_t	 h = 0x9ae16a3b2f90404fULL ^ n, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return (h ^ (h >> 33));
}

/* Big arrays get the huge-page treatment the matcher's table gets. */
static void *
big_alloc(size_t size)
{
	size_t	 huge = (size_t)2 << 20;
	void	*p;

	size = (size + huge - 1) & ~(huge - 1);
	if (posix_memalign(&p, huge, size) != 0)
		abort();
	(void)madvise(p, size, MADV_HUGEPAGE);
	memset(p, 0, size);
	return (p);
}

static void
plain_build(struct plainset *ps, const struct query *q, size_t n)
{
	size_t	 cap = 1, i, j;
	uint64_t h;

	while (cap < n * 2)
		cap <<= 1;
	ps->mask = cap - 1;
	ps->slot = big_alloc(cap * sizeof(*ps->slot));
	for (i = 0; i < n; i++) {
		h = plain_hash(q[i].s, q[i].len) | 1;
		for (j = h & ps->mask; ps->slot[j].hash != 0;
		    j = (j + 1) & ps->mask)
			;
		ps->slot[j].hash = h;
		ps->slot[j].name = q[i].s;
	}
}

/*
 * The plain-hash baseline for loading: the list file read whole, each
 * line cut in place and inserted by its hash; the names stay in the
 * file's buffer.  Returns the seconds it took.
 */
static double __attribute__((__noinline__))
plain_load(const char *path, size_t n, size_t *loaded)
{
	struct plainset	 ps;
	char		*buf, *p, *nl, *end;
	size_t		 len, cap = 1, j, count = 0;
	uint64_t	 h;
	double		 t = cpu_now();

	if ((buf = file_read(path, (size_t)1 << 30, &len)) == NULL) {
		perror(path);
		exit(1);
	}
	while (cap < n * 2)
		cap <<= 1;
	ps.mask = cap - 1;
	ps.slot = big_alloc(cap * sizeof(*ps.slot));
	for (p = buf, end = buf + len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if (nl == p)
			continue;
		h = plain_hash(p, (size_t)(nl - p)) | 1;
		for (j = h & ps.mask; ps.slot[j].hash != 0;
		    j = (j + 1) & ps.mask)
			if (ps.slot[j].hash == h && strcmp(ps.slot[j].name,
			    p) == 0)
				break;
		if (ps.slot[j].hash == 0)
			count++;
		ps.slot[j].hash = h;
		ps.slot[j].name = p;
	}
	t = cpu_now() - t;
	*loaded = count;
	free(ps.slot);
	free(buf);
	return (t);
}

static int
plain_lookup(const struct plainset *ps, const char *s, size_t len)
{
	uint64_t h = plain_hash(s, len) | 1;
	size_t	 j;

	for (j = h & ps->mask; ps->slot[j].hash != 0; j = (j + 1) & ps->mask)
		if (ps->slot[j].hash == h &&
		    memcmp(ps->slot[j].name, s, len) == 0 &&
		    ps->slot[j].name[len] == '\0')
			return (1);
	return (0);
}

/*
 * Shuffle the queries and copy their text, in the new order, into one
 * buffer: in the daemon the name in hand is hot in cache, and only the
 * set's memory is far away.
 */
static char *
shuffle(struct query *q, size_t n)
{
	struct query	 t;
	size_t		 i, j, size = 0;
	char		*buf, *p;

	for (i = n - 1; i > 0; i--) {
		j = rng() % (i + 1);
		t = q[i];
		q[i] = q[j];
		q[j] = t;
	}
	for (i = 0; i < n; i++)
		size += q[i].len + 1;
	buf = p = malloc(size);
	for (i = 0; i < n; i++) {
		memcpy(p, q[i].s, q[i].len + 1);
		q[i].s = p;
		p += q[i].len + 1;
	}
	return (buf);
}

/* Best of rounds: lookups per second and how many were found. */
static double
time_match(const struct match *m, const struct query *q, size_t n,
    int rounds, size_t *found)
{
	struct match_result	 res;
	double			 t, best = 1e9;
	size_t			 i, f;
	int			 r;

	for (r = 0; r < rounds; r++) {
		f = 0;
		t = now();
		for (i = 0; i < n; i++)
			f += match_lookup(m, q[i].s, q[i].len, &res);
		t = now() - t;
		if (t < best)
			best = t;
		*found = f;
	}
	return (n / best);
}

static double
time_plain(const struct plainset *ps, const struct query *q, size_t n,
    int rounds, size_t *found)
{
	double	 t, best = 1e9;
	size_t	 i, f;
	int	 r;

	for (r = 0; r < rounds; r++) {
		f = 0;
		t = now();
		for (i = 0; i < n; i++)
			f += plain_lookup(ps, q[i].s, q[i].len);
		t = now() - t;
		if (t < best)
			best = t;
		*found = f;
	}
	return (n / best);
}

int
main(int argc, char *argv[])
{
	struct query	*hits, *subs, *miss;
	struct plainset	 ps;
	struct conf	*conf;
	struct lists	*ls;
	char		 path[] = "/tmp/embargo-bench-XXXXXX", conftext[256];
	char		*pool, *p, name[300], *qhits, *qsubs, *qmiss;
	const char	*wfile = NULL;
	size_t		 n = 1000000, i, len, total = 0, fm, fp, pool_size;
	double		 t, tl, tp, tl0 = 0, tp0 = 0, mh, ph, ms, mm, pm;
	int		 ch, rounds = 3, fd, r;
	FILE		*f;

	while ((ch = getopt(argc, argv, "n:r:w:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'w':
			wfile = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_match [-n names] "
			    "[-r rounds] [-w file]\n");
			return (1);
		}
	}
	log_init(1, 0, 0);
	if (wfile != NULL) {
		if ((f = fopen(wfile, "w")) == NULL) {
			perror(wfile);
			return (1);
		}
		for (i = 0; i < n; i++) {
			gen_name(name);
			fprintf(f, "%s\n", name);
		}
		return (fclose(f) == 0 ? 0 : 1);
	}

	/* names: listed ones, then fresh ones for misses */
	pool_size = n * 2 * 64;
	pool = p = big_alloc(pool_size);
	hits = calloc(n, sizeof(*hits));
	subs = calloc(n, sizeof(*subs));
	miss = calloc(n, sizeof(*miss));
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		perror("mkstemp");
		return (1);
	}
	for (i = 0; i < n; i++) {
		len = gen_name(name);
		fprintf(f, "%s\n", name);
		total += len;
		memcpy(p, name, len + 1);
		hits[i].s = p;
		hits[i].len = len;
		p += len + 1;
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		len = (size_t)snprintf(p, 300, "x%zu.%s", i % 97, hits[i].s);
		subs[i].s = p;
		subs[i].len = len;
		p += len + 1;
	}
	for (i = 0; i < n; i++) {
		len = gen_name(p);
		miss[i].s = p;
		miss[i].len = len;
		p += len + 1;
	}
	printf("names: %zu, average %.1f bytes, list file %s\n", n,
	    (double)total / n, path);

	/* load + compile through the real loader */
	snprintf(conftext, sizeof(conftext),
	    "lists-dir \"/tmp\"\nlist bench \"%s\" format domains\n", path);
	conf = conf_load_string("bench.conf", conftext, NULL);
	ls = NULL;
	tl = tp = 1e9;
	/*
	 * The first round is what a daemon's start pays (every page new
	 * to the process); later rounds may reuse what the one before
	 * gave back to the allocator, and the best of them is printed too.
	 */
	for (r = 0; r < rounds; r++) {
		lists_unref(ls);
		t = cpu_now();
		ls = lists_load(conf, NULL, NULL);
		t = cpu_now() - t;
		if (ls == NULL)
			return (1);
		if (r == 0)
			tl0 = t;
		if (t < tl)
			tl = t;
		t = plain_load(path, n, &fp);
		if (r == 0)
			tp0 = t;
		if (t < tp)
			tp = t;
	}
	unlink(path);
	printf("load+compile: first %.3f s CPU (%zu rules, %zu duplicates "
	    "dropped)   plain hash load %.3f s (%zu names)   ratio %.2f\n",
	    tl0, lists_rules(ls), n - lists_rules(ls), tp0, fp, tl0 / tp0);
	printf("load+compile: best of %d %.3f s CPU   plain hash load %.3f s   "
	    "ratio %.2f\n", rounds, tl, tp, tl / tp);
	printf("matcher memory: %zu bytes, %.1f bytes/rule\n",
	    match_memsize(ls->match),
	    (double)match_memsize(ls->match) / lists_rules(ls));

	plain_build(&ps, hits, n);
	printf("plain hash memory: %.1f bytes/name (slots %.1f + text %.1f)\n",
	    ((ps.mask + 1) * 16.0 + total + n) / n, (ps.mask + 1) * 16.0 / n,
	    (double)(total + n) / n);
	qhits = shuffle(hits, n);
	qsubs = shuffle(subs, n);
	qmiss = shuffle(miss, n);

	mh = time_match(ls->match, hits, n, rounds, &fm);
	ph = time_plain(&ps, hits, n, rounds, &fp);
	printf("hits:     matcher %6.2f M/s (%zu found)   plain hash %6.2f M/s "
	    "(%zu found)   ratio %.2f\n", mh / 1e6, fm, ph / 1e6, fp, mh / ph);
	mm = time_match(ls->match, miss, n, rounds, &fm);
	pm = time_plain(&ps, miss, n, rounds, &fp);
	printf("misses:   matcher %6.2f M/s (%zu found)   plain hash %6.2f M/s "
	    "(%zu found)   ratio %.2f\n", mm / 1e6, fm, pm / 1e6, fp, mm / pm);
	ms = time_match(ls->match, subs, n, rounds, &fm);
	printf("subdomain hits: matcher %6.2f M/s (%zu found; a full-name hash "
	    "cannot answer these)\n", ms / 1e6, fm);

	lists_unref(ls);
	conf_free(conf);
	free(ps.slot);
	free(hits);
	free(subs);
	free(miss);
	free(pool);
	free(qhits);
	free(qsubs);
	free(qmiss);
	return (0);
}
