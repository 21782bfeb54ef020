# busybox-path.sh: sourced by tests.  busybox_path DIR TOOL... makes DIR
# a PATH of BusyBox's applets only, as on OpenWrt, plus the named tools
# that BusyBox does not provide (iptables, nft, gpgv), linked to the
# ones installed here.  Fails when busybox or a tool is missing.
busybox_path() {
	bbp_dir=$1
	shift
	bbp_bin=$(command -v busybox) || return 1
	mkdir -p "$bbp_dir" || return 1
	for bbp_a in $(busybox --list); do
		ln -sf "$bbp_bin" "$bbp_dir/$bbp_a" || return 1
	done
	for bbp_t in "$@"; do
		bbp_p=$(command -v "$bbp_t") || return 1
		ln -sf "$bbp_p" "$bbp_dir/$bbp_t" || return 1
	done
}
