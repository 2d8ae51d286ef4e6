#!/usr/bin/env bash
# Safety net of the syscall-cluster pass: real C code from Debian source packages, built with
# the pass and a profile recorded from the package's own run.
#
#   scripts/safety-net.sh                      # gzip mini-httpd coreutils mpeg2dec
#   scripts/safety-net.sh gzip mpeg2dec        # some of them
#
# For each package: download its source (`apt-get source --download-only`, from a deb-src
# entry for bookworm this script adds under /etc/apt/sources.list.d/), configure it once with
# testsuite/e2e/safety-cc.sh as CC, build it plainly with clang-19 -O2 -g, record a profile of
# a typical run with `syscluster record`, build it again with the pass and that profile (IR
# verifier on for every module, `opt -passes=verify` on the bitcode of every module the pass
# changed), then compare the two builds on the same work and run the package's own tests
# where it has quick ones (gzip: `make check`). The summary gives, per package: modules built,
# modules that failed to compile or verify, modules the pass changed, clusters formed, and the
# outcome of the comparisons and tests. Exit status 0 only when every step of every package
# passed; a missing piece (plugin, recorder, runtime) fails with a message.
#
# Environment: CARGO_TARGET_DIR, SYSCLUSTER_PLUGIN, SYSCLUSTER, PKG_CONFIG_PATH as for
# testsuite/e2e/run.sh; SAFETY_NET_WORK [$T/safety-net] (sources are kept there between runs).
set -uo pipefail

. "$(dirname "$0")/lib.sh" || exit 2
cd "$root" || exit 2

export SYSCLUSTER_PLUGIN=${SYSCLUSTER_PLUGIN:-$target/release/libsyscluster_pass.so}
SYSCLUSTER=${SYSCLUSTER:-$target/release/syscluster}
export PKG_CONFIG_PATH="$target/release${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export SAFETY_CC=${SAFETY_CC:-clang-19}
export OPT=${OPT:-opt-19}
work=${SAFETY_NET_WORK:-$target/safety-net}
wrap=$root/testsuite/e2e/safety-cc.sh
jobs=2

packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(gzip mini-httpd coreutils mpeg2dec)
for p in "${packages[@]}"; do
	case $p in
	gzip | mini-httpd | coreutils | mpeg2dec) ;;
	*)
		echo "safety-net: unknown package '$p' (gzip, mini-httpd, coreutils, mpeg2dec)" >&2
		exit 2
		;;
	esac
done

# Prerequisites: nothing missing may let a package pass.
missing=()
[ -f "$SYSCLUSTER_PLUGIN" ] || missing+=("the pass plugin $SYSCLUSTER_PLUGIN (cargo build --release -p syscluster-pass)")
[ -x "$SYSCLUSTER" ] || missing+=("the profile recorder $SYSCLUSTER (cargo build --release -p syscluster-cli)")
pkg-config --exists multicall 2>/dev/null ||
	missing+=("multicall.pc of the runtime under $target/release (cargo build --release -p multicall)")
for tool in "$SAFETY_CC" "$OPT" make patch curl; do
	command -v "$tool" >/dev/null || missing+=("$tool (scripts/setup.sh)")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "safety-net: FAIL: missing:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi
SAFETY_LIBS=$(pkg-config --libs multicall)
export SAFETY_LIBS

mkdir -p "$work/src" "$work/build"
rm -rf "$work/logs"
mkdir -p "$work/logs"
summary=$work/summary.txt
: >"$summary"
say() { echo "== $*"; }

# ---------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------
fetch_sources() {
	local list=/etc/apt/sources.list.d/syscluster-deb-src.sources
	if [ ! -f "$list" ]; then
		cat >"$list" <<-'EOF'
			Types: deb-src
			URIs: http://deb.debian.org/debian
			Suites: bookworm
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
	fi
	local need=()
	for p in "${packages[@]}"; do
		compgen -G "$work/src/${p}_*.orig.tar.*" >/dev/null || need+=("$p")
	done
	[ ${#need[@]} -gt 0 ] || return 0
	if ! apt-cache showsrc gzip 2>/dev/null | grep -q '^Package:'; then
		apt-get -o DPkg::Lock::Timeout=300 update -qq || {
			fail "apt-get update failed"
			return 1
		}
	fi
	for p in "${need[@]}"; do
		say "download $p"
		# Only the upstream tarball is required (and Debian's patches for mini-httpd); a
		# missing .debian.tar.xz of another package is not an error.
		(cd "$work/src" && apt-get -o DPkg::Lock::Timeout=300 source --download-only "$p" \
			>"$work/logs/download-$p.log" 2>&1)
		compgen -G "$work/src/${p}_*.orig.tar.*" >/dev/null || {
			fail "$p: apt-get source --download-only $p fetched no upstream tarball ($work/logs/download-$p.log)"
		}
	done
}

# unpack PACKAGE: a fresh source tree; prints its path.
unpack() {
	local p=$1 tarball dir
	tarball=$(compgen -G "$work/src/${p}_*.orig.tar.*" | head -n 1)
	rm -rf "$work/build/$p"
	mkdir -p "$work/build/$p"
	tar xf "$tarball" -C "$work/build/$p" || return 1
	dir=$(find "$work/build/$p" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	echo "$dir"
}

# ---------------------------------------------------------------------------------------
# The two builds and their figures
# ---------------------------------------------------------------------------------------
# pass_env PACKAGE: environment of the build with the pass.
start_pass_build() {
	local p=$1
	export SAFETY_CC_MODE=pass SAFETY_PROFILE=$work/logs/$p.prof.json SAFETY_LOG=$work/logs/$p
	rm -rf "$SAFETY_LOG"
	mkdir -p "$SAFETY_LOG"
	: >"$SAFETY_LOG/modules"
	: >"$SAFETY_LOG/opt-verify"
}

# record PACKAGE DIR ARGS...: the profile of one more run of the plain build, in DIR.
record() {
	local p=$1 dir=$2 n
	shift 2
	n=$(compgen -G "$work/logs/$p.run*.prof.json" | wc -l)
	if ! (cd "$dir" && "$SYSCLUSTER" record -o "$work/logs/$p.run$n.prof.json" -- "$@") \
		>"$work/logs/$p.record$n.out" 2>"$work/logs/$p.record$n.log"; then
		fail "$p: syscluster record $* failed ($work/logs/$p.record$n.log)"
		return 1
	fi
	return 0
}

# profile PACKAGE: the package's profile, the sum of its recorded runs (of its programs).
profile() {
	local p=$1 runs
	mapfile -t runs < <(compgen -G "$work/logs/$p.run*.prof.json")
	if [ ${#runs[@]} -eq 0 ]; then
		fail "$p: no run was recorded"
		return 1
	fi
	if ! "$SYSCLUSTER" merge --force -o "$work/logs/$p.prof.json" "${runs[@]}" \
		>"$work/logs/$p.merge.log" 2>&1; then
		fail "$p: syscluster merge failed ($work/logs/$p.merge.log)"
		return 1
	fi
	"$SYSCLUSTER" show --top 5 "$work/logs/$p.prof.json" >"$work/logs/$p.profile.txt" 2>&1
	return 0
}

# figures PACKAGE EXTRA: counts of the build with the pass, appended to the summary.
figures() {
	local p=$1 extra=$2 log=$work/logs/$1 built failed changed clusters missed verified badverify
	built=$(wc -l <"$log/modules")
	failed=$(awk '$1 != 0' "$log/modules" | wc -l)
	changed=$(grep -l '^--- !Passed' "$log"/remarks/*.yaml 2>/dev/null | wc -l)
	# Passed remarks are multi-calls formed (Clustered) and code moved out of a gap (Motion).
	clusters=$(cat "$log"/remarks/*.yaml 2>/dev/null | grep -A2 '^--- !Passed' | grep -c '^Name: *Clustered$')
	missed=$(cat "$log"/remarks/*.yaml 2>/dev/null | grep -c '^--- !Missed')
	# Why the pass refused edges that do have call sites in a module (every module also
	# reports the profile's edges whose calls are elsewhere: UnmatchedEdge, left out).
	local refusals
	refusals=$(cat "$log"/remarks/*.yaml 2>/dev/null |
		awk '/^--- !Missed/ { m = 1; next } /^--- / { m = 0 } m && /^Name:/ { if ($2 != "UnmatchedEdge") n[$2]++; m = 0 }
			END { for (k in n) printf "%s %d, ", k, n[k] }' | sed 's/, $//')
	verified=$(grep -c '^ok' "$log/opt-verify")
	badverify=$(grep -c '^FAIL' "$log/opt-verify")
	printf '%-11s modules %4d built, %d failed (compile or IR verifier); pass changed %d, clusters %d (%d missed remarks; refusals: %s); opt verify %d ok, %d failed; %s\n' \
		"$p" "$built" "$failed" "$changed" "$clusters" "$missed" "${refusals:-none}" "$verified" "$badverify" "$extra" | tee -a "$summary"
	[ "$built" -gt 0 ] || fail "$p: no module was compiled with the pass"
	[ "$failed" -eq 0 ] || fail "$p: $failed modules failed to compile or verify with the pass"
	[ "$badverify" -eq 0 ] || fail "$p: $badverify modules changed by the pass fail opt -passes=verify"
}

# same WHAT A B: compares two files, failing the package when they differ.
same() {
	if cmp -s "$2" "$3"; then
		return 0
	fi
	fail "$1: the plain and the clustered builds differ ($2 vs $3)"
	return 1
}

# ---------------------------------------------------------------------------------------
# gzip: compress/decompress, and its own `make check`
# ---------------------------------------------------------------------------------------
pkg_gzip() {
	local src d=$work/data/gzip check=FAILED note_unclustered=""
	src=$(unpack gzip) || {
		fail "gzip: unpack failed"
		return
	}
	mkdir -p "$d"
	xz -dc "$(compgen -G "$work/src/gzip_*.orig.tar.xz" | head -n 1)" >"$d/input"
	(cd "$src" && SAFETY_CC_MODE=plain CC=$wrap CFLAGS="-O2 -g" ./configure -q \
		>"$work/logs/gzip.configure.log" 2>&1) || {
		fail "gzip: configure failed ($work/logs/gzip.configure.log)"
		return
	}
	(cd "$src" && SAFETY_CC_MODE=plain make -j$jobs >"$work/logs/gzip.plain.log" 2>&1) || {
		fail "gzip: the plain build failed ($work/logs/gzip.plain.log)"
		return
	}
	cp "$src/gzip" "$d/gzip.plain"
	# Runs: one large file; twenty small files (per-file open, stat, chown, chmod, unlink);
	# their decompression.
	rm -rf "$d/many"
	mkdir -p "$d/many"
	for i in $(seq 1 20); do head -c $((i * 1000)) "$d/input" >"$d/many/f$i"; done
	record gzip "$d" "$src/gzip" -k -f -9 input &&
		record gzip "$d/many" "$src/gzip" -f -9 $(cd "$d/many" && echo f*) &&
		record gzip "$d/many" "$src/gzip" -d $(cd "$d/many" && echo f*.gz) &&
		profile gzip || return
	(cd "$src" && make clean >/dev/null 2>&1)
	start_pass_build gzip
	(cd "$src" && make -j$jobs >"$work/logs/gzip.pass.log" 2>&1) || {
		fail "gzip: the build with the pass failed ($work/logs/gzip.pass.log)"
		figures gzip "build failed"
		return
	}
	cp "$src/gzip" "$d/gzip.clustered"
	llvm-nm-19 "$d/gzip.clustered" | grep -Eqw 'multicall(_loop(_flags)?)?' || note_unclustered=" (no multicall reference)"
	local b
	for b in plain clustered; do
		"$d/gzip.$b" -c -9 <"$d/input" >"$d/input.$b.gz"
		"$d/gzip.$b" -dc <"$d/input.plain.gz" >"$d/input.$b.out"
	done
	same gzip "$d/input.plain.gz" "$d/input.clustered.gz" && same gzip "$d/input" "$d/input.clustered.out"
	local compare=$?
	if (cd "$src" && make check -j$jobs >"$work/logs/gzip.check.log" 2>&1); then
		check="passed ($(grep -h '^# PASS:' "$src/tests/test-suite.log" 2>/dev/null | head -n 1 | tr -s ' '))"
	else
		fail "gzip: make check failed with the pass ($work/logs/gzip.check.log)"
	fi
	figures gzip "compress/decompress $([ $compare = 0 ] && echo identical || echo DIFFER)${note_unclustered:-}; make check $check"
}

# ---------------------------------------------------------------------------------------
# coreutils: dd and cat
# ---------------------------------------------------------------------------------------
pkg_coreutils() {
	local src d=$work/data/coreutils
	src=$(unpack coreutils) || {
		fail "coreutils: unpack failed"
		return
	}
	mkdir -p "$d"
	head -c $((8 << 20)) /dev/urandom >"$d/input"
	(cd "$src" && SAFETY_CC_MODE=plain FORCE_UNSAFE_CONFIGURE=1 CC=$wrap CFLAGS="-O2 -g" \
		./configure -q --disable-nls --without-selinux --without-openssl --without-libgmp \
		--disable-acl --disable-xattr --disable-libcap >"$work/logs/coreutils.configure.log" 2>&1) || {
		fail "coreutils: configure failed ($work/logs/coreutils.configure.log)"
		return
	}
	# The plain build needs only the programs that are profiled and compared (and the
	# generated headers that `make all` would make first); the build with the pass is the
	# whole package.
	(cd "$src" && built=$(make -s --eval 'syscluster-built-sources: ; @echo $(BUILT_SOURCES)' \
		syscluster-built-sources) &&
		SAFETY_CC_MODE=plain make -j$jobs $built >"$work/logs/coreutils.plain.log" 2>&1 &&
		SAFETY_CC_MODE=plain make -j$jobs src/dd src/cat src/cp >>"$work/logs/coreutils.plain.log" 2>&1) || {
		fail "coreutils: the plain build failed ($work/logs/coreutils.plain.log)"
		return
	}
	for prog in dd cat cp; do cp "$src/src/$prog" "$d/$prog.plain"; done
	record coreutils "$d" "$src/src/dd" if=input of=output bs=8k &&
		record coreutils "$d" "$src/src/cat" input output &&
		record coreutils "$d" "$src/src/cp" input output.cp &&
		profile coreutils || return
	(cd "$src" && make clean >/dev/null 2>&1)
	start_pass_build coreutils
	(cd "$src" && make -j$jobs >"$work/logs/coreutils.pass.log" 2>&1) || {
		fail "coreutils: the build with the pass failed ($work/logs/coreutils.pass.log)"
		figures coreutils "build failed"
		return
	}
	for prog in dd cat cp; do cp "$src/src/$prog" "$d/$prog.clustered"; done
	local b ok=identical
	for b in plain clustered; do
		"$d/dd.$b" if="$d/input" of="$d/dd.$b.out" bs=8k status=none 2>"$d/dd.$b.err"
		echo $? >>"$d/dd.$b.err"
		"$d/cat.$b" "$d/input" | "$d/cat.$b" >"$d/cat.$b.out" 2>"$d/cat.$b.err"
		echo $? >>"$d/cat.$b.err"
		rm -f "$d/cp.$b.out"
		"$d/cp.$b" "$d/input" "$d/cp.$b.out" 2>"$d/cp.$b.err"
		echo $? >>"$d/cp.$b.err"
		"$d/cat.$b" "$d/missing" "$d/input" >/dev/null 2>"$d/cat-missing.$b.err"
		echo $? >>"$d/cat-missing.$b.err"
	done
	same coreutils "$d/input" "$d/dd.clustered.out" || ok=DIFFER
	same coreutils "$d/dd.plain.err" "$d/dd.clustered.err" || ok=DIFFER
	same coreutils "$d/input" "$d/cat.clustered.out" || ok=DIFFER
	same coreutils "$d/cat.plain.err" "$d/cat.clustered.err" || ok=DIFFER
	same coreutils "$d/input" "$d/cp.clustered.out" || ok=DIFFER
	same coreutils "$d/cp.plain.err" "$d/cp.clustered.err" || ok=DIFFER
	# The message names the program: compare without the path before the first colon.
	same coreutils <(sed 's/^[^:]*://' "$d/cat-missing.plain.err") <(sed 's/^[^:]*://' "$d/cat-missing.clustered.err") || ok=DIFFER
	figures coreutils "dd bs=8k, cat | cat, cp, cat of a missing file: $ok"
}

# ---------------------------------------------------------------------------------------
# mini-httpd: a forking web server on the loopback address
# ---------------------------------------------------------------------------------------
# serve BINARY DOCROOT LOG [RECORD]: starts the server on a free loopback port; sets $port, $pid.
serve() {
	local bin=$1 docroot=$2 log=$3 attempt i
	shift 3
	for attempt in 1 2 3; do
		port=$((20000 + RANDOM % 20000))
		# A port someone else listens on would answer for the server: pick another.
		curl -s -o /dev/null "http://127.0.0.1:$port/" && continue
		rm -f "$log.pid"
		"$@" "$bin" -D -h 127.0.0.1 -p "$port" -d "$docroot" -u root -i "$log.pid" -l "$log" \
			>"$log.out" 2>&1 &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_server "$log"
	done
	return 1
}

stop_server() {
	[ -f "$1.pid" ] && kill "$(cat "$1.pid")" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# fetch_all PORT OUTDIR: the same requests every time: files, a missing one, a directory.
fetch_all() {
	local f
	mkdir -p "$2"
	for f in f0 f1 f4095 f4096 f4097 f2097152 missing sub/ index.html; do
		curl -s -o "$2/${f%/}.body" -w '%{http_code}\n' "http://127.0.0.1:$1/$f" >"$2/${f%/}.code"
	done
}

pkg_mini_httpd() {
	local src d=$work/data/mini-httpd debian
	src=$(unpack mini-httpd) || {
		fail "mini-httpd: unpack failed"
		return
	}
	debian=$(compgen -G "$work/src/mini-httpd_*.debian.tar.*" | head -n 1)
	if [ -z "$debian" ]; then
		fail "mini-httpd: Debian's patches (mini-httpd_*.debian.tar.*) were not downloaded"
		return
	fi
	tar xf "$debian" -C "$src" || return
	local patch
	while read -r patch; do
		[ -n "$patch" ] || continue
		(cd "$src" && patch -p1 -s <"debian/patches/$patch") || {
			fail "mini-httpd: Debian patch $patch does not apply"
			return
		}
	done <"$src/debian/patches/series"
	rm -rf "$d"
	mkdir -p "$d/docroot/sub"
	for s in 0 1 4095 4096 4097 2097152; do
		head -c $s /dev/urandom >"$d/docroot/f$s"
	done
	echo '<html><body>safety net</body></html>' >"$d/docroot/index.html"
	chmod -R a+rX "$d"
	(cd "$src" && make mime_encodings.h mime_types.h >/dev/null 2>&1)

	# build MODE: the server from its three modules (as Debian's Makefile, without TLS).
	build_mini_httpd() {
		(cd "$src" && rm -f ./*.o mini_httpd &&
			for m in mini_httpd match tdate_parse; do
				"$wrap" -O2 -g -U__STRICT_ANSI__ -Wall -c "$m.c" -o "$m.o" || exit 1
			done &&
			"$wrap" -O2 -g mini_httpd.o match.o tdate_parse.o -lcrypt -o mini_httpd)
	}
	SAFETY_CC_MODE=plain build_mini_httpd >"$work/logs/mini-httpd.plain.log" 2>&1 || {
		fail "mini-httpd: the plain build failed ($work/logs/mini-httpd.plain.log)"
		return
	}
	cp "$src/mini_httpd" "$d/mini_httpd.plain"
	if ! serve "$d/mini_httpd.plain" "$d/docroot" "$d/record" "$SYSCLUSTER" record -o "$work/logs/mini-httpd.run0.prof.json" --; then
		fail "mini-httpd: the recorded server did not answer"
		stop_server "$d/record"
		return
	fi
	local i
	for ((i = 0; i < 5; i++)); do fetch_all "$port" "$d/train"; done
	stop_server "$d/record"
	[ -s "$work/logs/mini-httpd.run0.prof.json" ] || {
		fail "mini-httpd: no profile was recorded ($d/record.out)"
		return
	}
	profile mini-httpd || return
	start_pass_build mini-httpd
	build_mini_httpd >"$work/logs/mini-httpd.pass.log" 2>&1 || {
		fail "mini-httpd: the build with the pass failed ($work/logs/mini-httpd.pass.log)"
		figures mini-httpd "build failed"
		return
	}
	cp "$src/mini_httpd" "$d/mini_httpd.clustered"
	local calls="no multicall reference"
	if llvm-nm-19 "$d/mini_httpd.clustered" | grep -Eqw 'multicall(_loop(_flags)?)?'; then
		calls="calls multicall"
	elif grep -qs '^--- !Passed' "$work/logs/mini-httpd/remarks/"*.yaml; then
		fail "mini-httpd: the pass reported a cluster but the server does not call multicall"
	fi
	local b ok=identical
	for b in plain clustered; do
		if serve "$d/mini_httpd.$b" "$d/docroot" "$d/server-$b"; then
			fetch_all "$port" "$d/$b"
		else
			fail "mini-httpd: the $b server did not answer"
		fi
		stop_server "$d/server-$b"
	done
	if ! diff -r "$d/plain" "$d/clustered" >/dev/null 2>&1 || [ ! -s "$d/plain/f4097.body" ]; then
		fail "mini-httpd: the plain and clustered servers answer differently ($d/plain vs $d/clustered)"
		ok=DIFFER
	fi
	figures mini-httpd "server $calls; 9 requests: responses $ok"
}

# ---------------------------------------------------------------------------------------
# mpeg2dec: decode an MPEG-1 stream (made by ffmpeg) to md5 sums and to PGM files
# ---------------------------------------------------------------------------------------
pkg_mpeg2dec() {
	local src d=$work/data/mpeg2dec
	if ! command -v ffmpeg >/dev/null; then
		say "install ffmpeg (test stream for mpeg2dec)"
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
			--no-install-recommends ffmpeg >"$work/logs/ffmpeg-install.log" 2>&1 || {
			fail "mpeg2dec: could not install ffmpeg to make a test stream ($work/logs/ffmpeg-install.log)"
			return
		}
	fi
	src=$(unpack mpeg2dec) || {
		fail "mpeg2dec: unpack failed"
		return
	}
	rm -rf "$d"
	mkdir -p "$d"
	ffmpeg -loglevel error -f lavfi -i testsrc=size=352x288:rate=25 -frames:v 100 \
		-c:v mpeg1video -f mpeg1video "$d/stream.m1v" || {
		fail "mpeg2dec: ffmpeg could not make the test stream"
		return
	}
	(cd "$src" && SAFETY_CC_MODE=plain CC=$wrap CFLAGS="-O2 -g" ./configure -q --disable-shared \
		--disable-sdl --without-x >"$work/logs/mpeg2dec.configure.log" 2>&1) || {
		fail "mpeg2dec: configure failed ($work/logs/mpeg2dec.configure.log)"
		return
	}
	(cd "$src" && SAFETY_CC_MODE=plain make -j$jobs >"$work/logs/mpeg2dec.plain.log" 2>&1) || {
		fail "mpeg2dec: the plain build failed ($work/logs/mpeg2dec.plain.log)"
		return
	}
	cp "$src/src/mpeg2dec" "$d/mpeg2dec.plain"
	mkdir -p "$d/train"
	record mpeg2dec "$d/train" "$src/src/mpeg2dec" -o pgm "$d/stream.m1v" &&
		record mpeg2dec "$d/train" "$src/src/mpeg2dec" -o null "$d/stream.m1v" &&
		profile mpeg2dec || return
	(cd "$src" && make clean >/dev/null 2>&1)
	start_pass_build mpeg2dec
	(cd "$src" && make -j$jobs >"$work/logs/mpeg2dec.pass.log" 2>&1) || {
		fail "mpeg2dec: the build with the pass failed ($work/logs/mpeg2dec.pass.log)"
		figures mpeg2dec "build failed"
		return
	}
	cp "$src/src/mpeg2dec" "$d/mpeg2dec.clustered"
	local b ok=identical
	for b in plain clustered; do
		mkdir -p "$d/$b"
		# stderr ends with the decoding speed: everything else must match.
		(cd "$d/$b" && "$d/mpeg2dec.$b" -o pgm "$d/stream.m1v" >stdout 2>stderr.full
			echo $? >status
			grep -v 'frames decoded in' stderr.full >stderr
			rm stderr.full)
		"$d/mpeg2dec.$b" -o md5 "$d/stream.m1v" >"$d/$b.md5" 2>/dev/null
	done
	if ! diff -r "$d/plain" "$d/clustered" >/dev/null || ! same mpeg2dec "$d/plain.md5" "$d/clustered.md5" ||
		[ "$(find "$d/plain" -name '*.pgm' | wc -l)" -lt 90 ]; then
		fail "mpeg2dec: the plain and clustered decoders differ ($d/plain vs $d/clustered)"
		ok=DIFFER
	fi
	figures mpeg2dec "$(find "$d/plain" -name '*.pgm' | wc -l) frames to pgm and md5: $ok"
}

started=$(date +%s)
fetch_sources
for p in "${packages[@]}"; do
	t0=$(date +%s)
	say "$p"
	case $p in
	gzip) pkg_gzip ;;
	coreutils) pkg_coreutils ;;
	mini-httpd) pkg_mini_httpd ;;
	mpeg2dec) pkg_mpeg2dec ;;
	esac
	unset SAFETY_CC_MODE SAFETY_PROFILE SAFETY_LOG
	echo "   $p took $(($(date +%s) - t0)) s"
done
echo
echo "safety-net summary (logs under $work/logs), $(($(date +%s) - started)) s in all:"
cat "$summary"
if [ ${#failures[@]} -gt 0 ]; then
	echo "safety-net: ${#failures[@]} failures:"
	printf '  %s\n' "${failures[@]}"
	exit 1
fi
echo "safety-net: all packages passed"
