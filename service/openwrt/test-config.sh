#!/bin/sh
# Test the OpenWrt init script (embargod.init) off OpenWrt: the
# embargod.conf it generates from UCI input, compared with
# expected/*.conf; the UCI values it refuses; what start, reload and
# stop run.  The helpers rc.common provides (OpenWrt's functions.sh and
# procd.sh) are stubbed below, the programs replaced by recorders.
# POSIX sh with local (dash, ash), run again under busybox ash when it
# is installed, as OpenWrt runs the script; from any directory; exit 0
# when every check passes, 1 otherwise.
# shellcheck shell=dash
# shellcheck disable=SC2317 # the stubs are called by the init script
set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/embargod-init.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
failed=0
passed=0

# ---------------------------------------------------------------- stubs
# UCI as OpenWrt's functions.sh keeps it: "uci export" output is shell
# (config/option/list calls) that fills CONFIG_<section>_<option>.

# Append $2 to the variable named $1, separated by a space.
append() {
	eval "$1=\"\${$1:+\$$1 }\$2\""
}

config_set() {
	eval "CONFIG_$1_$2=\$3"
}

config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION=${2:-cfg$CONFIG_NUM_SECTIONS}
	append CONFIG_SECTIONS "$CONFIG_SECTION"
	config_set "$CONFIG_SECTION" TYPE "$1"
}

option() {
	config_set "$CONFIG_SECTION" "$1" "$2"
}

list() {
	local len
	config_get len "$CONFIG_SECTION" "$1_LENGTH" 0
	len=$((len + 1))
	config_set "$CONFIG_SECTION" "$1_ITEM$len" "$2"
	config_set "$CONFIG_SECTION" "$1_LENGTH" "$len"
	append "CONFIG_${CONFIG_SECTION}_$1" "$2"
}

package() {
	:
}

# Load /etc/config/$1 from $UCI_DIR/$1, forgetting what was loaded; a
# missing file is an empty configuration, as uci has it.
config_load() {
	for v in $(set | sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	CONFIG_SECTIONS=
	CONFIG_NUM_SECTIONS=0
	# shellcheck disable=SC1090
	[ ! -f "$UCI_DIR/$1" ] || . "$UCI_DIR/$1"
}

config_get() {
	eval "$1=\${CONFIG_$2_$3:-\${4:-}}"
}

config_get_bool() {
	local v
	config_get v "$2" "$3" "${4:-}"
	case $v in
	1|on|true|yes|enabled) v=1 ;;
	0|off|false|no|disabled) v=0 ;;
	*) v=${4:-} ;;
	esac
	eval "$1=\$v"
}

config_foreach() {
	local fn="$1" type="$2" section t
	shift 2
	for section in $CONFIG_SECTIONS; do
		config_get t "$section" TYPE
		[ "$t" = "$type" ] || continue
		"$fn" "$section" "$@"
	done
}

config_list_foreach() {
	local section="$1" opt="$2" fn="$3" len c=1 v
	shift 3
	config_get len "$section" "${opt}_LENGTH" 0
	while [ "$c" -le "$len" ]; do
		config_get v "$section" "${opt}_ITEM$c"
		"$fn" "$v" "$@"
		c=$((c + 1))
	done
}

# procd and rc.common: record what the script asks of them.
procd_open_instance() { echo "procd: open instance" >>"$LOG"; }
procd_set_param() { echo "procd: $*" >>"$LOG"; }
procd_close_instance() { echo "procd: close instance" >>"$LOG"; }
procd_add_reload_trigger() { echo "procd: reload trigger $*" >>"$LOG"; }
start() { start_service; }
stop() { stop_service; echo "procd: kill" >>"$LOG"; }
logger() { :; }

# network.sh: the device of each network, from NETDEVS ("lan=br-lan ...").
network_get_device() {
	local nd
	eval "$1="
	for nd in ${NETDEVS:-}; do
		[ "${nd%%=*}" = "$2" ] || continue
		eval "$1=\${nd#*=}"
		return 0
	done
	return 1
}

# A program $1 that records its arguments and exits with the status in
# the file $tmp/bin/$1.rc (0 when absent).
make_recorder() {
	cat >"$tmp/bin/$1" <<EOF
#!/bin/sh
echo "\${0##*/} \$*" >>"$LOG"
exit \$(cat "\$0.rc" 2>/dev/null || echo 0)
EOF
	chmod +x "$tmp/bin/$1"
}

# ---------------------------------------------------------------- inputs
# The UCI files the cases load as /etc/config/embargod.

uci_router() {
	cat <<'EOF'
config embargod 'main'
	option enabled '1'
	option mode 'gateway'
	option queues '0-1'
	option profile 'whole-vendor'
	option audit '1'
	option default_verdict 'drop'
	option fail_open '0'
	option events '/mnt/usb/embargo/events.json'
	option lists_dir '/var/lib/embargo/lists'
	option user 'embargo'
	option metrics_listen '192.168.1.1'
	option metrics_port '9470'
	list client '192.168.1.10/32:exempt'
	list client 'fd00:1::/64:audit'
	list client '10.0.0.0/8:block'

config list 'myhosts'
	option name 'my-hosts'
	option file '/etc/embargo/my.hosts'
	option action 'audit'
	option format 'hosts'
	option lenient '1'

config list 'carveout'
	option name 'kaspersky-bis-carveout'
	option enabled '0'

config list 'ksn'
	option name 'kaspersky-ksn'
	option action 'block'

config other 'unrelated'
	option file '/not/a/list'
EOF
}

uci_host() {
	cat <<'EOF'
config embargod 'main'
	option enabled 'yes'
	option mode 'host'
	option profile 'none'
	option metrics_listen '::1'
	option events '/var/log/embargo/"odd" \dir/events.json'

config list
	option name 'corp.list_1'
	option file '/etc/embargo/corp lists/blocked.txt'
	option format 'domains'
	option lenient 'off'
	option enabled 'on'
EOF
}

# Print a minimal enabled configuration with the statement $1 added to
# section "main", and the section $2 (if any) after it.
uci_with() {
	printf "config embargod 'main'\n\toption enabled '1'\n%s\n\n%s\n" \
	    "$1" "${2:-}"
}

# ---------------------------------------------------------------- cases

pass() {
	passed=$((passed + 1))
}

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# Run "$@" in a subshell with the init script loaded over the stubs,
# /etc/config/embargod read from $tmp/uci/embargod, programs recorded
# into $LOG and the script's files under $tmp.
# shellcheck disable=SC1091,SC2034 # the variables are the script's
in_script() (
	UCI_DIR=$tmp/uci
	. "$here/embargod.init"
	EMBARGO_SBINDIR=$tmp/bin
	EMBARGO_BINDIR=$tmp/bin
	CONF=$tmp/var/etc/embargod.conf
	STAMP=$tmp/var/run/embargod.restart
	FW4=$tmp/sbin/fw4
	FW4_DIR=$tmp/var/run/embargo-firewall
	"$@"
)

# Use the UCI file whose text is on standard input.
set_uci() {
	cat >"$tmp/uci/embargod"
}

# Generation: the UCI input in place gives exactly expected/$1.conf.
check_conf() {
	exp=$here/expected/$1.conf
	if ! in_script load_and_print >"$tmp/$1.conf" 2>"$tmp/$1.err"; then
		fail "$1: refused: $(cat "$tmp/$1.err")"
	elif cmp -s "$exp" "$tmp/$1.conf"; then
		pass
	else
		fail "$1: the generated configuration differs from $exp:"
		diff -u "$exp" "$tmp/$1.conf"
	fi
}

# The daemon accepts the generated expected/$1.conf (its limits among
# them), with the shipped lists, when it is built.
check_valid() {
	embargod=${top_builddir:-$here/../..}/src/embargod
	[ -x "$embargod" ] || return 0
	if "$embargod" -n -f "$here/expected/$1.conf" \
	    -L "$here/../../lists" >"$tmp/valid.out" 2>&1; then
		pass
	else
		fail "$1: embargod -n refuses expected/$1.conf:" \
		    "$(cat "$tmp/valid.out")"
	fi
}

load_and_print() {
	embargod_load && embargod_conf
}

# Refusal: UCI input with statement $1 (and section $2) fails, and the
# message names $3.
check_refused() {
	uci_with "$1" "${2:-}" | set_uci
	if in_script load_and_print >/dev/null 2>"$tmp/err"; then
		fail "accepted: $1 ${2:-}"
		return
	fi
	if grep -qF -- "$3" "$tmp/err"; then
		pass
	else
		fail "refused '$1 ${2:-}' without naming '$3':" \
		    "$(cat "$tmp/err")"
	fi
}

# The recorded calls of the last run are exactly the lines of $2.
check_log() {
	if [ "$(cat "$LOG")" = "$2" ]; then
		pass
	else
		fail "$1: expected calls:"
		printf '%s\n' "$2" | sed 's/^/    /'
		echo "  got:"
		sed 's/^/    /' "$LOG"
	fi
	: >"$LOG"
}

test_generation() {
	cp "$here/embargod.config" "$tmp/uci/embargod"
	check_conf default
	check_valid default
	uci_router | set_uci
	check_conf router
	uci_host | set_uci
	check_conf host
}

test_refusals() {
	check_refused "option mode 'router'" "" \
	    "embargod.main.mode 'router': not gateway or host"
	check_refused "option queues '0-1-2'" "" "embargod.main.queues '0-1-2'"
	check_refused "option queues '0
user root'" "" "embargod.main.queues"
	check_refused "option profile 'Default'" "" "embargod.main.profile"
	check_refused "option events 'events.json'" "" \
	    "embargod.main.events 'events.json': not an absolute path"
	check_refused "option default_verdict 'reject'" "" \
	    "embargod.main.default_verdict"
	check_refused "option fail_open 'maybe'" "" \
	    "embargod.main.fail_open 'maybe': not a boolean"
	check_refused "option metrics_listen '127.0.0.1 port 1'" "" \
	    "embargod.main.metrics_listen"
	check_refused "option metrics_listen '127.0.0.1'
	option metrics_port '99x'" "" "embargod.main.metrics_port '99x'"
	check_refused "list client '10.0.0.0/8'" "" \
	    "embargod.main.client '10.0.0.0/8': not CIDR:exempt"
	check_refused "list client '10.0.0.0/8:allow'" "" \
	    "embargod.main.client '10.0.0.0/8:allow'"
	check_refused "list client 'any:block'" "" \
	    "embargod.main.client 'any:block'"
	check_refused "" "config list 'x'
	option name 'My List'" "embargod.x.name 'My List'"
	check_refused "" "config list 'x'
	option name 'mine'" "embargod.x: a list section needs a file"
	check_refused "" "config list 'x'
	option name 'mine'
	option file '/etc/a.list'
	option action 'drop'" "embargod.x.action 'drop': not block or audit"
	check_refused "" "config list 'x'
	option name 'mine'
	option file '/etc/a.list'
	option lenient 'sometimes'" "embargod.x.lenient 'sometimes'"
	check_refused "list limit 'flows'" "" \
	    "embargod.main.limit 'flows': not 'NAME NUMBER'"
	check_refused "list limit 'flows 4k'" "" "embargod.main.limit 'flows 4k'"
	check_refused "list limit 'flows 1
user root'" "" "embargod.main.limit"
	check_refused "option mode 'host'
	option flow_offloading '1'" "" \
	    "embargod.main.flow_offloading: only in gateway mode"
	check_refused "option flow_offloading '1'
	list offload_device 'br-lan; flush'" "" \
	    "embargod.main.offload_device 'br-lan; flush'"
	check_refused "option flow_offloading '1'" "" \
	    "embargod.main.flow_offloading: no device to offload"
	printf "config defaults\n\toption flow_offloading '1'\n" \
	    >"$tmp/uci/firewall"
	check_refused "option mode 'gateway'" "" \
	    "flow offloading is on in /etc/config/firewall"
	rm "$tmp/uci/firewall"
}

# What start asks of procd, as the log records it.
procd_calls() {
	printf '%s\n' "procd: open instance" \
	    "procd: command $tmp/bin/embargod -d -f $conf" "procd: respawn" \
	    "procd: stdout 1" "procd: stderr 1" "procd: close instance"
}

# Start, reload (a list changed; the queues changed; an invalid
# configuration; no daemon), disable, stop: the programs run, in order.
test_service() {
	fw="$tmp/bin/embargo-firewall"
	conf="$tmp/var/etc/embargod.conf"
	uci_with "option queues '0'" | set_uci
	in_script start_service
	check_log start "embargod -n -f $conf.new
embargo-firewall -m gateway -q 0 start
$(procd_calls)"
	if [ ! -f "$conf" ] || [ -e "$conf.new" ]; then
		fail "start: $conf not installed"
	fi

	uci_with "option queues '0'" "config list 'l'
	option name 'extra'
	option file '/etc/extra.list'" | set_uci
	in_script reload_service
	check_log "reload, a list added" "embargod -n -f $conf.new
embargoctl reload"
	grep -qx 'list extra "/etc/extra.list"' "$conf" ||
	    fail "reload: $conf lacks the new list"

	uci_with "option queues '0'
	option audit '1'" | set_uci
	in_script reload_service
	check_log "reload, audit on" "embargod -n -f $conf.new
embargoctl reload"

	uci_with "option queues '0-1'" | set_uci
	in_script reload_service
	check_log "reload, queues changed" "embargod -n -f $conf.new
embargo-firewall stop
procd: kill
embargod -n -f $conf.new
embargo-firewall -m gateway -q 0-1 start
$(procd_calls)"

	cp "$conf" "$tmp/before"
	echo 1 >"$tmp/bin/embargod.rc"
	uci_with "option queues '0-1'" "config list 'l'
	option name 'broken'
	option file '/etc/broken.list'" | set_uci
	if in_script reload_service 2>/dev/null; then
		fail "reload with a configuration embargod -n refuses succeeded"
	fi
	rm "$tmp/bin/embargod.rc"
	check_log "reload, invalid" "embargod -n -f $conf.new"
	cmp -s "$tmp/before" "$conf" ||
	    fail "reload, invalid: $conf changed"

	echo 3 >"$tmp/bin/embargoctl.rc"
	uci_with "option queues '0-1'" | set_uci
	in_script reload_service
	rm "$tmp/bin/embargoctl.rc"
	check_log "reload, no daemon" "embargod -n -f $conf.new
embargoctl reload
embargo-firewall stop
procd: kill
embargod -n -f $conf.new
embargo-firewall -m gateway -q 0-1 start
$(procd_calls)"

	uci_with "option queues '0-1'" | sed "s/enabled '1'/enabled '0'/" |
	    set_uci
	in_script reload_service
	check_log "reload, disabled" "embargo-firewall stop
procd: kill"
	in_script start_service
	check_log "start, disabled" ""

	printf '1\n' >"$fw.rc"
	uci_with "option queues '0'" | set_uci
	in_script start_service 2>/dev/null &&
	    fail "start succeeded although embargo-firewall failed"
	rm "$fw.rc"
	check_log "start, firewall fails" "embargod -n -f $conf.new
embargo-firewall -m gateway -q 0 start"

	in_script service_triggers
	check_log triggers "procd: reload trigger embargod firewall"
}

# With fw4: the nft backend, the rules written where the fw4 include
# finds them and removed at stop; fw4's flow offloading refused in
# gateway mode and allowed in host mode; embargod's own offloading over
# the lan and wan devices or the listed ones.
test_fw4() {
	conf="$tmp/var/etc/embargod.conf"
	rules="$tmp/var/run/embargo-firewall/embargod.nft"
	mkdir -p "$tmp/sbin"
	make_recorder ../sbin/fw4
	uci_with "option queues '0'" | set_uci
	in_script start_service
	check_log "fw4: start" "embargod -n -f $conf.new
embargo-firewall -m gateway -q 0 -b nft print
embargo-firewall -m gateway -q 0 -b nft start
$(procd_calls)"
	[ -f "$rules" ] && [ ! -e "$rules.new" ] ||
	    fail "fw4: start: $rules not written"
	in_script stop
	check_log "fw4: stop" "embargo-firewall stop
procd: kill"
	[ ! -e "$rules" ] || fail "fw4: stop: $rules left behind"

	printf '1\n' >"$tmp/bin/embargo-firewall.rc"
	in_script start_service 2>/dev/null &&
	    fail "fw4: start succeeded although embargo-firewall failed"
	rm "$tmp/bin/embargo-firewall.rc"
	: >"$LOG"
	[ ! -e "$rules" ] || fail "fw4: failed start: $rules left behind"

	printf "config defaults\n\toption flow_offloading '1'\n" \
	    >"$tmp/uci/firewall"
	if in_script start_service 2>"$tmp/err"; then
		fail "fw4: start with fw4's flow offloading on succeeded"
	elif ! grep -q "flow_offloading=0" "$tmp/err"; then
		fail "fw4: offloading refused without saying how: $(cat "$tmp/err")"
	else
		pass
	fi
	check_log "fw4: offloading on, nothing run" ""
	uci_with "option queues '0'" | sed "s/enabled '1'/enabled '0'/" |
	    set_uci
	in_script start_service 2>"$tmp/err" && [ ! -s "$tmp/err" ] && pass ||
	    fail "fw4: offloading on, service disabled: start complained"
	check_log "fw4: offloading on, disabled, nothing run" ""
	printf "config defaults\n\toption flow_offloading '0'\n" \
	    >"$tmp/uci/firewall"
	uci_with "option queues '0'" | set_uci
	in_script start_service
	: >"$LOG"
	printf "config defaults\n\toption flow_offloading '1'\n" \
	    >"$tmp/uci/firewall"
	in_script reload_service 2>/dev/null &&
	    fail "fw4: reload with offloading turned on succeeded"
	check_log "fw4: offloading turned on while running: stopped" \
	    "embargo-firewall stop
procd: kill"
	uci_with "option mode 'host'" | set_uci
	in_script start_service
	grep -q "^embargo-firewall -m host -q 0 -b nft start$" "$LOG" &&
	    pass || fail "fw4: host mode with fw4's offloading: not started"
	: >"$LOG"
	rm "$tmp/uci/firewall"

	uci_with "option flow_offloading '1'
	option flow_offloading_hw '1'" | set_uci
	NETDEVS="lan=br-lan wan=eth1 wan6=eth1" in_script start_service
	grep -q "^embargo-firewall -m gateway -q 0 -b nft -O br-lan,eth1 -H start$" \
	    "$LOG" && pass ||
	    fail "fw4: own offloading over lan and wan: $(cat "$LOG")"
	: >"$LOG"
	uci_with "option flow_offloading '1'
	list offload_device 'lan1'
	list offload_device 'phy0-ap0'" | set_uci
	NETDEVS="lan=br-lan" in_script start_service
	grep -q "^embargo-firewall -m gateway -q 0 -b nft -O lan1,phy0-ap0 start$" \
	    "$LOG" && pass ||
	    fail "fw4: own offloading over listed devices: $(cat "$LOG")"
	: >"$LOG"
	rm -f "$tmp/sbin/fw4"
}

mkdir -p "$tmp/uci" "$tmp/bin" "$tmp/var/etc" "$tmp/var/run" || exit 1
LOG=$tmp/log
export LOG
: >"$LOG"
for p in embargod embargo-firewall embargoctl; do
	make_recorder "$p"
done

test_generation
test_refusals
test_service
test_fw4

echo "${EMBARGOD_TEST_SHELL:-sh}: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
# OpenWrt's shell is busybox ash, whose echo, local and case differ
# from dash's in details; run everything there too.
# BusyBox's applets come first in PATH there, as on a router.
if [ -z "${EMBARGOD_TEST_SHELL:-}" ] &&
    command -v busybox >/dev/null 2>&1 && busybox ash -c : 2>/dev/null; then
	bb=$tmp/busybox
	mkdir "$bb" || exit 1
	bbpath=$(command -v busybox)
	for a in $(busybox --list); do
		ln -s "$bbpath" "$bb/$a"
	done
	PATH=$bb:$PATH EMBARGOD_TEST_SHELL="busybox ash" \
	    busybox ash "$0" || exit 1
fi
exit 0
