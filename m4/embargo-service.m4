# embargo-service.m4: where the service files go.
#
# EMBARGO_SERVICE_DIRS
# --------------------
# Adds --with-systemdsystemunitdir[=DIR], --with-logrotatedir[=DIR] and
# --with-openwrt; substitutes systemdsystemunitdir, logrotatedir,
# openwrtinitdir, openwrtconfigdir and nftincludedir; defines the
# conditionals EMBARGO_SYSTEMD, EMBARGO_LOGROTATE and EMBARGO_OPENWRT.
#
# The run-time directories come first.  localstatedir and runstatedir
# name where the daemon and the scripts keep state (the lists that
# embargo-update-lists installs), the control socket and the event log;
# they are compiled into the programs and written into the scripts and
# manuals.  Unless given, they are /var and /run whatever the prefix:
# that is where systemd's StateDirectory=, RuntimeDirectory= and
# LogsDirectory= put the unit's directories, where logrotate and
# OpenWrt look, and nothing is installed there, so "make distcheck" is
# unaffected.  (GNU's ${prefix}/var would give /usr/local/var/run under
# the default prefix, which no system uses.)
#
# Every installation default lies under ${prefix} and stays a make
# variable reference, as the GNU standards ask, with one exception: the
# logrotate snippet goes to /etc/logrotate.d, the only directory
# logrotate reads, whatever the prefix (Makefile.am points distcheck's
# at its staging prefix).  systemd reads units from
# /usr/local/lib/systemd/system as well as from /usr/lib/systemd/system,
# so the unit works under either prefix.  A DIR given explicitly is used
# as given.
AC_DEFUN([EMBARGO_SERVICE_DIRS], [
AC_REQUIRE([PKG_PROG_PKG_CONFIG])

AS_IF([test "x$localstatedir" = 'x${prefix}/var'], [localstatedir=/var])
# autoconf before 2.70 has no --runstatedir
AS_IF([test -z "$runstatedir" || test "x$runstatedir" = 'x${localstatedir}/run'],
    [runstatedir=/run])
AC_SUBST([runstatedir])
AC_MSG_CHECKING([where the daemon keeps its state])
AC_MSG_RESULT([$localstatedir/lib/embargo, log $localstatedir/log/embargo])
AC_MSG_CHECKING([where the daemon's control socket lives])
AC_MSG_RESULT([$runstatedir/embargo/embargod.sock])

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
         (default: /etc/logrotate.d, which logrotate reads, whatever
         the prefix; "no": do not install it)])],
    [], [with_logrotatedir=yes])
AC_MSG_CHECKING([where to install the logrotate snippet])
AS_CASE([$with_logrotatedir],
    [yes], [logrotatedir=/etc/logrotate.d],
    [no], [logrotatedir=],
    [_EMBARGO_CHECK_DIR([logrotatedir])])
AC_MSG_RESULT([${logrotatedir:-no}])

AC_ARG_WITH([openwrt],
    [AS_HELP_STRING([--with-openwrt],
        [install the OpenWrt procd init script as
         SYSCONFDIR/init.d/embargod, its UCI configuration as
         SYSCONFDIR/config/embargod and the fw4 include as
         DATADIR/nftables.d/ruleset-post/50-embargod.nft (default: no)])],
    [], [with_openwrt=no])
AS_CASE([$with_openwrt],
    [yes|no], [],
    [AC_MSG_ERROR([--with-openwrt=$with_openwrt: say yes or no])])
AC_MSG_CHECKING([whether to install the OpenWrt init script])
AC_MSG_RESULT([$with_openwrt])
openwrtinitdir='${sysconfdir}/init.d'
openwrtconfigdir='${sysconfdir}/config'
nftincludedir='${datadir}/nftables.d/ruleset-post'

# The unit's StateDirectory=, RuntimeDirectory= and LogsDirectory= are
# always under /var/lib, /run and /var/log.
AS_IF([test -n "$systemdsystemunitdir" &&
    { test "x$localstatedir" != x/var || test "x$runstatedir" != x/run; }],
    [AC_MSG_WARN([the systemd unit makes /var/lib/embargo, /run/embargo and /var/log/embargo, but embargod will look in $localstatedir and $runstatedir: give --localstatedir=/var --runstatedir=/run, or --without-systemdsystemunitdir])])

AC_SUBST([systemdsystemunitdir])
AC_SUBST([logrotatedir])
AC_SUBST([openwrtinitdir])
AC_SUBST([openwrtconfigdir])
AC_SUBST([nftincludedir])
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
