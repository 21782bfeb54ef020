/*
 * log.c: messages to stderr in the foreground, to syslog otherwise.
 *
 * Every line is formatted into one buffer and written with one call, so
 * that lines from several queue threads never interleave.  A queue
 * thread holds its lines to standard error (log_hold()) and writes a
 * batch's worth with one call (log_flush()), as record.c does with its
 * events: one line per event through one descriptor shared by every
 * thread would make the threads queue up on it.  Warnings are not held:
 * they flush what is held and go at once, in order.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINEMAX	1024

static int	log_foreground = 1;
static int	log_verbose;

/* Where this thread's warnings are also copied (reload errors). */
static _Thread_local char	*capture;
static _Thread_local size_t	 capture_size;

/* This thread's lines held for standard error (log_hold()). */
static _Thread_local char	*held;
static _Thread_local size_t	 held_size;
static _Thread_local size_t	 held_len;

static void	log_vlog(int, const char *, va_list, int)
		    __attribute__((__format__(printf, 2, 0)));

/* Set where messages go; with syslog, open it under the given facility. */
void
log_init(int foreground, int verbose, int facility)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("embargod", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

/*
 * Hold this thread's lines to standard error in buf (size bytes, the
 * caller's, allocated once; at most PIPE_BUF of it is used, the most a
 * pipe to journald or procd keeps in one piece) until log_flush()
 * writes them with one call; buf NULL stops holding.  With syslog
 * nothing is held: syslog() takes one message a call.
 */
void
log_hold(char *buf, size_t size)
{
	log_flush();
	held = log_foreground ? buf : NULL;
	held_size = held == NULL ? 0 : size < PIPE_BUF ? size : PIPE_BUF;
	held_len = 0;
}

/* Write what this thread holds, whole lines in order, with one call. */
void
log_flush(void)
{
	if (held_len == 0)
		return;
	(void)write(STDERR_FILENO, held, held_len);
	held_len = 0;
}

/*
 * Also copy this thread's warnings into buf (one per line) until
 * log_capture_end(): how a reload asked for over the control socket
 * returns its file:line errors to the one who asked.
 */
void
log_capture(char *buf, size_t size)
{
	capture = buf;
	capture_size = size;
	if (size > 0)
		buf[0] = '\0';
}

void
log_capture_end(void)
{
	capture = NULL;
	capture_size = 0;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

/* Format one message, optionally followed by strerror(saved_errno). */
static void
log_vlog(int pri, const char *fmt, va_list ap, int saved_errno)
{
	char	 line[LOG_LINEMAX];
	int	 n;

	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (saved_errno != 0)
		n += snprintf(line + n, sizeof(line) - 1 - n, ": %s",
		    strerror(saved_errno));
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (capture != NULL && pri <= LOG_WARNING) {
		size_t	 used = strlen(capture);

		if (used + (size_t)n + 2 <= capture_size)
			snprintf(capture + used, capture_size - used, "%.*s\n",
			    n, line);
	}
	if (log_foreground) {
		line[n++] = '\n';
		if (held != NULL && pri > LOG_WARNING) {
			if (held_len + (size_t)n > held_size)
				log_flush();
			if (held_len + (size_t)n <= held_size) {
				memcpy(held + held_len, line, (size_t)n);
				held_len += (size_t)n;
				return;
			}
		}
		log_flush();
		(void)write(STDERR_FILENO, line, n);
	} else {
		line[n] = '\0';
		syslog(pri, "%s", line);
	}
}

/* Warn, appending the text of errno. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

/* Information; verbosity -1 (tests, fuzzing) silences it. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose < 0)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

/*
 * Warn the first time a per-packet failure happens at one site; after
 * that only its counter tells how often.  A flood of identical lines on
 * a busy gateway would hide everything else in the log.
 */
void
log_warnx_once(struct log_once *once, const char *fmt, ...)
{
	va_list	 ap;

	if (atomic_flag_test_and_set(&once->done))
		return;
	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
