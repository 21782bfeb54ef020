# embargo-service.m4: where the service files go.
#
# EMBARGO_SERVICE_DIRS
# --------------------
# Adds --with-systemdsystemunitdir[=DIR], --with-logrotatedir[=DIR] and
# --with-openwrt; substitutes systemdsystemunitdir, logrotatedir,
# openwrtinitdir and openwrtconfigdir; defines the conditionals
# EMBARGO_SYSTEMD, EMBARGO_LOGROTATE and EMBARGO_OPENWRT.
#
# Every default lies under ${prefix} and stays a make variable
# reference, as the GNU standards ask: "make distcheck", which installs
# into a staging prefix and fails when anything lands outside it, then
# passes without extra flags, and "make install prefix=..." follows.
# systemd reads units from /usr/local/lib/systemd/system as well as
# from /usr/lib/systemd/system, so the unit works under either prefix.
# A DIR given explicitly is used as given.
AC_DEFUN([EMBARGO_SERVICE_DIRS], [
AC_REQUIRE([PKG_PROG_PKG_CONFIG])

AC_ARG_WITH([systemdsystemunitdir],
    [AS_HELP_STRING([--with-systemdsystemunitdir@<:@=DIR@:>@],
        [install the systemd unit in DIR (default: systemd's unit
         directory, as pkg-config names it, under PREFIX; "no": do not
         install it)])],
    [], [with_systemdsystemunitdir=yes])
AC_MSG_CHECKING([where to install the systemd unit])
AS_CASE([$with_systemdsystemunitdir],
    [yes], [_EMBARGO_SYSTEMD_UNITDIR],
    [no], [systemdsystemunitdir=],
    [_EMBARGO_CHECK_DIR([systemdsystemunitdir])])
AC_MSG_RESULT([${systemdsystemunitdir:-no}])

AC_ARG_WITH([logrotatedir],
    [AS_HELP_STRING([--with-logrotatedir@<:@=DIR@:>@],
        [install the logrotate snippet for the event file in DIR
         (default: SYSCONFDIR/logrotate.d; "no": do not install it)])],
    [], [with_logrotatedir=yes])
AC_MSG_CHECKING([where to install the logrotate snippet])
AS_CASE([$with_logrotatedir],
    [yes], [logrotatedir='${sysconfdir}/logrotate.d'],
    [no], [logrotatedir=],
    [_EMBARGO_CHECK_DIR([logrotatedir])])
AC_MSG_RESULT([${logrotatedir:-no}])

AC_ARG_WITH([openwrt],
    [AS_HELP_STRING([--with-openwrt],
        [install the OpenWrt procd init script as
         SYSCONFDIR/init.d/embargod and its UCI configuration as
         SYSCONFDIR/config/embargod (default: no)])],
    [], [with_openwrt=no])
AS_CASE([$with_openwrt],
    [yes|no], [],
    [AC_MSG_ERROR([--with-openwrt=$with_openwrt: say yes or no])])
AC_MSG_CHECKING([whether to install the OpenWrt init script])
AC_MSG_RESULT([$with_openwrt])
openwrtinitdir='${sysconfdir}/init.d'
openwrtconfigdir='${sysconfdir}/config'

AC_SUBST([systemdsystemunitdir])
AC_SUBST([logrotatedir])
AC_SUBST([openwrtinitdir])
AC_SUBST([openwrtconfigdir])
AM_CONDITIONAL([EMBARGO_SYSTEMD], [test -n "$systemdsystemunitdir"])
AM_CONDITIONAL([EMBARGO_LOGROTATE], [test -n "$logrotatedir"])
AM_CONDITIONAL([EMBARGO_OPENWRT], [test "x$with_openwrt" = xyes])
])

# _EMBARGO_SYSTEMD_UNITDIR
# ------------------------
# systemd's unit directory moved under our prefix: its systemd.pc
# builds it from rootprefix (systemd before 255) or prefix, so both are
# redefined.  Without pkg-config or systemd.pc, or when the .pc file
# names an absolute path, ${prefix}/lib/systemd/system.
AC_DEFUN([_EMBARGO_SYSTEMD_UNITDIR], [
systemdsystemunitdir='${prefix}/lib/systemd/system'
AS_IF([test -n "$PKG_CONFIG"], [
    embargo_unitdir=`$PKG_CONFIG --define-variable=prefix='${prefix}' \
        --define-variable=rootprefix='${prefix}' \
        --define-variable=root_prefix='${prefix}' \
        --variable=systemdsystemunitdir systemd 2>/dev/null`
    AS_CASE([$embargo_unitdir],
        ['${prefix}/'*], [systemdsystemunitdir=$embargo_unitdir])
])
])

# _EMBARGO_CHECK_DIR(VARIABLE)
# ----------------------------
# Set VARIABLE to the directory given as --with-VARIABLE=DIR, which
# must be absolute or start with a make variable such as ${prefix}.
AC_DEFUN([_EMBARGO_CHECK_DIR], [
AS_CASE([$with_$1],
    [/*|'${'*|'$('*], [$1=$with_$1],
    [AC_MSG_ERROR([--with-$1=$with_$1: not an absolute directory])])
])
