# AX_PTHREAD_LITE: find the flag that enables POSIX threads (-pthread on
# every toolchain embargo targets); the full ax_pthread is not needed.
AC_DEFUN([AX_PTHREAD_LITE], [
    AC_MSG_CHECKING([for -pthread])
    save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -pthread"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <pthread.h>]],
        [[pthread_t t; return pthread_create(&t, 0, 0, 0);]])],
        [AC_MSG_RESULT([yes]); PTHREAD_CFLAGS=-pthread],
        [AC_MSG_RESULT([no]); AC_MSG_ERROR([POSIX threads are required])])
    CFLAGS=$save_CFLAGS
    AC_SUBST([PTHREAD_CFLAGS])
])
