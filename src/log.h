/*
 * log.h: one place for every message the daemon prints.
 */
#ifndef EMBARGO_LOG_H
#define EMBARGO_LOG_H

#include <stdarg.h>
#include <stdatomic.h>

/* A per-site flag for failures that may repeat on every packet. */
struct log_once {
	atomic_flag	done;
};
#define LOG_ONCE_INIT	{ ATOMIC_FLAG_INIT }

void	log_init(int, int, int);
void	log_capture(char *, size_t);
void	log_capture_end(void);
void	log_hold(char *, size_t);
void	log_flush(void);
int	log_getverbose(void);
void	log_warn(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_warnx_once(struct log_once *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));
void	fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));

#endif
