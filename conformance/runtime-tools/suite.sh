# runtime-tools validation harness: the suite's source, fetched and built once (sourced by run.sh).
# shellcheck shell=bash disable=SC2034 # variables are shared with run.sh

# ---- the suite's source ------------------------------------------------------

# Prints the URI of the machine's own Debian mirror (the first non-security
# one in the apt sources), or deb.debian.org.
debian_mirror() {
	local f uri=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk 'tolower($1)=="uris:" { for (i = 2; i <= NF; i++) if ($i !~ /security/ && $i ~ /debian/) { print $i; exit } }' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			uri=$(awk '$1=="deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/ && $i ~ /debian/) { print $i; exit } break } }' "$f")
			[ -n "$uri" ] && break
		done
	fi
	echo "${uri:-http://deb.debian.org/debian}"
}

# Downloads the orig tarball into $CACHE/download and prints its path. Runs
# in a subshell: its temporary apt directory goes with it.
fetch_source() (
	apt_dir=$(mktemp -d /tmp/runj-conformance-apt.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$apt_dir'" EXIT
	signed=
	mirror=$(debian_mirror)
	[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && signed=" [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"
	echo "deb-src$signed $mirror sid main" >"$apt_dir/sources.list"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$CACHE/download"
	local apt=(apt-get -q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
	log "fetching $SRC_PACKAGE source from $mirror (sid)"
	"${apt[@]}" update >"$apt_dir/update.log" 2>&1 || {
		cat "$apt_dir/update.log" >&2
		die "apt-get update (private sid deb-src config) failed"
	}
	# The .dsc may be gone from the mirror while the tarballs are there:
	# apt then fails after fetching (and hash-checking) what it could.
	(cd "$CACHE/download" && "${apt[@]}" source --download-only "$SRC_PACKAGE" >"$apt_dir/source.log" 2>&1) || true
	orig=$(ls -t "$CACHE"/download/"${SRC_PACKAGE}"_*.orig.tar.* 2>/dev/null | head -n 1)
	[ -n "$orig" ] || {
		cat "$apt_dir/source.log" >&2
		die "could not download the $SRC_PACKAGE orig tarball"
	}
	echo "$orig"
)

SRC=
for d in "$CACHE"/src/"$SRC_PACKAGE"-*/; do
	[ -d "$d/validation/util" ] && [ -d "$d/cmd/runtimetest" ] && SRC=${d%/}
done
if [ -z "$SRC" ]; then
	orig=$(fetch_source)
	mkdir -p "$CACHE/src"
	tmp=$(mktemp -d "$CACHE/src/.unpack.XXXXXX")
	tar -xf "$orig" -C "$tmp" || die "cannot unpack $orig"
	top=$(ls "$tmp")
	[ "$(echo "$top" | wc -l)" = 1 ] && [ -d "$tmp/$top/validation/util" ] || die "$orig: unexpected layout"
	rm -rf "${CACHE:?}/src/$top"
	mv "$tmp/$top" "$CACHE/src/$top"
	rmdir "$tmp"
	SRC=$CACHE/src/$top
fi
SUITE_VERSION=${SRC##*/"$SRC_PACKAGE"-}

# ---- build -----------------------------------------------------------------

export GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local GOPROXY=off
GO_LDFLAGS='-s -w' # no symbol tables: the 59 binaries take ~140 MB instead of ~210 MB
build_key=$( (
	echo "$SRC $GO_LDFLAGS"
	go version
	cat "$HERE/tap-go/"*.go
) | sha256sum | cut -c1-16)
BUILD=$CACHE/build/$build_key
if [ ! -x "$BUILD/runtimetest" ]; then
	log "building runtime-tools $SUITE_VERSION (GOPATH mode, offline)"
	gopath=$CACHE/gopath
	rm -rf "$gopath/src"
	mkdir -p "$gopath/src/github.com/opencontainers" "$gopath/src/github.com/mndrix"
	ln -s "$SRC" "$gopath/src/github.com/opencontainers/runtime-tools"
	ln -s "$HERE/tap-go" "$gopath/src/github.com/mndrix/tap-go"
	export GOPATH=$gopath:/usr/share/gocode GOCACHE=$CACHE/gocache.$$
	[ -d "$SRC/vendor" ] && export GOFLAGS=-mod=vendor
	out=$CACHE/build/.tmp.$$
	rm -rf "$out"
	mkdir -p "$out"
	(
		cd "$gopath/src/github.com/opencontainers/runtime-tools"
		# runtimetest runs inside a busybox root: static, no cgo.
		CGO_ENABLED=0 go build -tags "netgo osusergo" -ldflags "$GO_LDFLAGS" -o "$out/runtimetest" ./cmd/runtimetest
		for d in validation/*/; do
			n=$(basename "$d")
			[ "$n" = util ] && continue
			ls "$d"*.go >/dev/null 2>&1 || continue
			go build -ldflags "$GO_LDFLAGS" -o "$out/$n.t" "./$d"
		done
	) || {
		rm -rf "$out" "$GOCACHE"
		die "build failed (missing golang-*-dev package? see the import errors above)"
	}
	rm -rf "$CACHE/build/"[0-9a-f]* "$GOCACHE" "$gopath"
	mv "$out" "$BUILD"
fi
unset GOPATH GOCACHE GOFLAGS GO111MODULE GOTOOLCHAIN GOPROXY
