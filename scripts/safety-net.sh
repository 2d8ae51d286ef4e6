#!/usr/bin/env bash
# Safety net of the syscall-cluster pass: real C code from Debian source packages, built with
# the pass and a profile recorded from the package's own run.
#
#   scripts/safety-net.sh                      # all: gzip mini-httpd coreutils mpeg2dec pv redir lighttpd lzip xz-utils lz4
#   scripts/safety-net.sh gzip mpeg2dec        # some of them
#
# For each package: download its source (`apt-get source --download-only`, from a deb-src
# entry for bookworm this script adds under /etc/apt/sources.list.d/), configure it once with
# clang-19 -O2 -g, build it plainly, record a profile of a typical run with `syscluster record`,
# clean the objects and build it again the way a user does, through `syscluster build
# --verify` with that profile (the IR verifier on for every module, `opt -passes=verify` on the
# bitcode of every module the pass changed), then compare the two builds on the same work and
# run the package's own tests where it has quick ones (gzip: `make check`). The summary gives,
# per package: modules compiled with the pass, modules it changed, clusters and looped
# multi-calls formed, refusals by reason, the verification, and the outcome of the comparisons
# and tests. Exit status 0 only when every step of every package passed; a missing piece
# (plugin, recorder, runtime) fails with a message.
#
# Environment: CARGO_TARGET_DIR, SYSCLUSTER_PLUGIN, SYSCLUSTER, PKG_CONFIG_PATH as for
# testsuite/e2e/run.sh; SAFETY_NET_WORK [$T/safety-net] (sources are kept there between runs;
# a package that passed leaves only its logs and its two builds' programs: SAFETY_NET_KEEP=1
# keeps its build tree and data too).
set -uo pipefail

. "$(dirname "$0")/lib.sh" || exit 2
cd "$root" || exit 2

export SYSCLUSTER_PLUGIN=${SYSCLUSTER_PLUGIN:-$target/release/libsyscluster_pass.so}
SYSCLUSTER=${SYSCLUSTER:-$target/release/syscluster}
export PKG_CONFIG_PATH="$target/release${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cc=${SAFETY_CC:-clang-19}
cxx=${SAFETY_CXX:-clang++-19}
export SYSCLUSTER_CC=$cc SYSCLUSTER_CXX=$cxx SYSCLUSTER_OPT=${OPT:-opt-19}
work=${SAFETY_NET_WORK:-$target/safety-net}
jobs=2

packages=("$@")
all_packages=(gzip mini-httpd coreutils mpeg2dec pv redir lighttpd lzip xz-utils lz4)
[ ${#packages[@]} -gt 0 ] || packages=("${all_packages[@]}")
for p in "${packages[@]}"; do
	case " ${all_packages[*]} " in
	*" $p "*) ;;
	*)
		echo "safety-net: unknown package '$p' (${all_packages[*]})" >&2
		exit 2
		;;
	esac
done

# Prerequisites: nothing missing may let a package pass.
missing=()
[ -f "$SYSCLUSTER_PLUGIN" ] || missing+=("the pass plugin $SYSCLUSTER_PLUGIN (cargo build --release -p syscluster-pass)")
[ -x "$SYSCLUSTER" ] || missing+=("the profile recorder $SYSCLUSTER (cargo build --release -p syscluster-cli)")
[ -f "$target/release/libmulticall.a" ] ||
	missing+=("the runtime archive $target/release/libmulticall.a (cargo build --release -p multicall)")
for tool in "$cc" "$cxx" "$SYSCLUSTER_OPT" make patch curl; do
	command -v "$tool" >/dev/null || missing+=("$tool (scripts/setup.sh)")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "safety-net: FAIL: missing:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi
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
	tarball=$(compgen -G "$work/src/${p}_*.orig.tar.*" | grep -v '\.asc$' | head -n 1)
	rm -rf "$work/build/$p"
	mkdir -p "$work/build/$p"
	tar xf "$tarball" -C "$work/build/$p" || return 1
	dir=$(find "$work/build/$p" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	echo "$dir"
}

# ---------------------------------------------------------------------------------------
# The two builds and their figures
# ---------------------------------------------------------------------------------------
# pass_build PACKAGE DIR [--lto] COMMAND...: the build with the pass, through `syscluster
# build --verify` (and --lto: the pass over the whole program at link time) in DIR with the
# package's profile; its remarks and summary go to logs/PACKAGE. A failed build is a failure
# of the package, with its figures so far.
pass_build() {
	local p=$1 dir=$2 lto=()
	shift 2
	[ "${1:-}" = --lto ] && lto=(--lto) && shift
	if (cd "$dir" && "$SYSCLUSTER" build -p "$work/logs/$p.prof.json" --log "$work/logs/$p" --verify "${lto[@]}" -- "$@") \
		>"$work/logs/$p.pass.log" 2>&1; then
		return 0
	fi
	fail "$p: the build with the pass failed ($work/logs/$p.pass.log)"
	figures "$p" "build failed"
	return 1
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

# figures PACKAGE EXTRA: what the build with the pass did (its driver's summary), appended to
# the summary.
figures() {
	local p=$1 extra=$2 sum=$work/logs/$1/summary.txt head built changed clusters looped merged inlined refusals verified badverify
	head=$(sed -n '1s/^syscluster build: \([0-9]*\) modules compiled with the pass, \([0-9]*\) changed; \([0-9]*\) clusters (\([0-9]*\) looped.*/\1 \2 \3 \4/p' "$sum" 2>/dev/null)
	read -r built changed clusters looped <<<"${head:-0 0 0 0}"
	# Why the pass refused hot edges that have call sites in the program (edges whose calls
	# run elsewhere are counted apart by the driver).
	refusals=$(sed -n 's/^  refused for \([A-Za-z]*\): \([0-9]*\) hot edges.*/\1 \2/p' "$sum" 2>/dev/null | paste -sd, - | sed 's/,/, /g')
	inlined=$(sed -n 's/^  \([0-9]*\) helper calls inlined.*/\1/p' "$sum" 2>/dev/null)
	merged=$(sed -n '1s/.*; \([0-9]*\) calls merged with their fcntls.*/\1/p' "$sum" 2>/dev/null)
	verified=$(sed -n 's/^  opt -passes=verify: \([0-9]*\) changed modules passed.*/\1/p' "$sum" 2>/dev/null)
	badverify=$(sed -n 's/^  opt -passes=verify: [0-9]* changed modules passed, \([0-9]*\) failed.*/\1/p' "$sum" 2>/dev/null)
	printf '%-11s modules %4d compiled with the pass, %d changed; clusters %d, looped multi-calls %d, calls merged with their fcntls %d, helper calls inlined %d (refusals: %s); opt verify %d ok, %d failed; %s\n' \
		"$p" "$built" "$changed" "$clusters" "$looped" "${merged:-0}" "${inlined:-0}" "${refusals:-none}" "${verified:-0}" "${badverify:-0}" "$extra" | tee -a "$summary"
	[ "$built" -gt 0 ] || fail "$p: no module was compiled with the pass ($sum)"
	[ "${badverify:-0}" -eq 0 ] || fail "$p: $badverify modules changed by the pass fail opt -passes=verify ($work/logs/$p/verify)"
}

# crossings COMMAND...: the kernel crossings of one run of COMMAND (its own process and its
# children: perf stat -e raw_syscalls:sys_enter), or "n/a" where perf cannot count them. The
# command reads nothing and its output is dropped.
crossings() {
	local f=$work/logs/perf.$$ n
	if perf stat -x, -o "$f" -e raw_syscalls:sys_enter -- "$@" </dev/null >/dev/null 2>&1; then
		n=$(awk -F, '/raw_syscalls:sys_enter/ { print $1 }' "$f")
	fi
	rm -f "$f"
	case ${n:-} in '' | *[!0-9]*) echo n/a ;; *) echo "$n" ;; esac
}

# compare_crossings PACKAGE WORK PLAIN-COMMAND... -- CLUSTERED-COMMAND...: one line of the
# summary with the crossings of the two builds on the same work, run alternately (three pairs,
# the median of each).
compare_crossings() {
	local p=$1 what=$2 plain=() clustered=() a=() b=() i x y
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do plain+=("$1"); shift; done
	shift
	clustered=("$@")
	for i in 1 2 3; do
		a+=("$(crossings "${plain[@]}")")
		b+=("$(crossings "${clustered[@]}")")
	done
	x=$(printf '%s\n' "${a[@]}" | sort -n | sed -n 2p)
	y=$(printf '%s\n' "${b[@]}" | sort -n | sed -n 2p)
	if [ "${x:-n/a}" = n/a ] || [ "${y:-n/a}" = n/a ]; then
		printf '%-11s   crossings of %s: n/a (perf stat cannot count raw_syscalls:sys_enter here)\n' "$p" "$what" | tee -a "$summary"
	else
		printf '%-11s   crossings of %s: original %d, clustered %d (%s)\n' "$p" "$what" "$x" "$y" \
			"$(awk -v x="$x" -v y="$y" 'BEGIN { printf "%.3fx", (x ? y / x : 1) }')" | tee -a "$summary"
	fi
}

# same_messages PACKAGE A B: compares two stderr files without what comes before the first
# colon of each line (the program's path, which differs between the builds).
same_messages() {
	same "$1" <(sed 's/^[^:]*://' "$2") <(sed 's/^[^:]*://' "$3")
}

# calls_multicall PROGRAM: whether the program refers to the runtime's entry points (read all
# of nm's output: `grep -q` would stop it early, and pipefail would count its SIGPIPE).
calls_multicall() {
	llvm-nm-19 "$1" 2>/dev/null | grep -Ecw 'multicall(_loop(_flags)?)?' >/dev/null
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
	(cd "$src" && CC=$cc CFLAGS="-O2 -g" ./configure -q \
		>"$work/logs/gzip.configure.log" 2>&1) || {
		fail "gzip: configure failed ($work/logs/gzip.configure.log)"
		return
	}
	(cd "$src" && make -j$jobs >"$work/logs/gzip.plain.log" 2>&1) || {
		fail "gzip: the plain build failed ($work/logs/gzip.plain.log)"
		return
	}
	cp "$src/gzip" "$d/gzip.plain"
	# Runs: one large file; twenty small files (per-file open, stat, chown, chmod, unlink);
	# their decompression; the large file's decompression from a pipe (reads of a pipe's
	# worth at a time: fill_inbuf's loop goes round).
	rm -rf "$d/many"
	mkdir -p "$d/many"
	for i in $(seq 1 20); do head -c $((i * 1000)) "$d/input" >"$d/many/f$i"; done
	record gzip "$d" "$src/gzip" -k -f -9 input &&
		record gzip "$d/many" "$src/gzip" -f -9 $(cd "$d/many" && echo f*) &&
		record gzip "$d/many" "$src/gzip" -d $(cd "$d/many" && echo f*.gz) &&
		record gzip "$d" "$src/gzip" -dc < <(cat "$d/input.gz") &&
		profile gzip || return
	(cd "$src" && make clean >/dev/null 2>&1)
	# The whole program at link time: its buffers' counts and descriptors (util.c, gzip.c)
	# are then the program's own variables, which the pass may keep in registers.
	pass_build gzip "$src" --lto make -j$jobs || return
	cp "$src/gzip" "$d/gzip.clustered"
	calls_multicall "$d/gzip.clustered" || note_unclustered=" (no multicall reference)"
	local b
	for b in plain clustered; do
		"$d/gzip.$b" -c -9 <"$d/input" >"$d/input.$b.gz"
		"$d/gzip.$b" -dc <"$d/input.plain.gz" >"$d/input.$b.out"
		cat "$d/input.plain.gz" | "$d/gzip.$b" -dc >"$d/pipe.$b.out"
	done
	same gzip "$d/input.plain.gz" "$d/input.clustered.gz" && same gzip "$d/input" "$d/input.clustered.out" &&
		same gzip "$d/input" "$d/pipe.clustered.out"
	local compare=$?
	if (cd "$src" && make check -j$jobs >"$work/logs/gzip.check.log" 2>&1); then
		check="passed ($(grep -h '^# PASS:' "$src/tests/test-suite.log" 2>/dev/null | head -n 1 | tr -s ' '))"
	else
		fail "gzip: make check failed with the pass ($work/logs/gzip.check.log)"
	fi
	figures gzip "compress/decompress, from a pipe $([ $compare = 0 ] && echo identical || echo DIFFER)${note_unclustered:-}; make check $check"
	compare_crossings gzip "gzip -9 of $(($(stat -c %s "$d/input") >> 10)) KiB" \
		"$d/gzip.plain" -9 -c -f "$d/input" -- "$d/gzip.clustered" -9 -c -f "$d/input"
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
	(cd "$src" && FORCE_UNSAFE_CONFIGURE=1 CC=$cc CFLAGS="-O2 -g" \
		./configure -q --disable-nls --without-selinux --without-openssl --without-libgmp \
		--disable-acl --disable-xattr --disable-libcap >"$work/logs/coreutils.configure.log" 2>&1) || {
		fail "coreutils: configure failed ($work/logs/coreutils.configure.log)"
		return
	}
	# Both builds make only the programs that are profiled and compared (and the generated
	# headers that `make all` would make first).
	local built
	built=$(cd "$src" && make -s --eval 'syscluster-built-sources: ; @echo $(BUILT_SOURCES)' \
		syscluster-built-sources) || {
		fail "coreutils: make could not list the generated sources"
		return
	}
	(cd "$src" && make -j$jobs $built >"$work/logs/coreutils.plain.log" 2>&1 &&
		make -j$jobs src/dd src/cat src/cp >>"$work/logs/coreutils.plain.log" 2>&1) || {
		fail "coreutils: the plain build failed ($work/logs/coreutils.plain.log)"
		return
	}
	for prog in dd cat cp; do cp "$src/src/$prog" "$d/$prog.plain"; done
	# cat into a pipe: into a regular file cat copies with copy_file_range and has no
	# read -> write loop (the only traced program with sites is this cat).
	record coreutils "$d" "$src/src/dd" if=input of=output bs=8k &&
		record coreutils "$d" sh -c "'$src/src/cat' input output | cat >/dev/null" &&
		record coreutils "$d" "$src/src/cp" input output.cp &&
		profile coreutils || return
	# The objects and programs again with the pass, the generated headers kept. With
	# link-time optimisation: the copy loops call gnulib's safe_read and full_write and dd's
	# iread and iwrite, helpers in other translation units (docs/build.md).
	(cd "$src" && find lib src -name '*.o' -delete && rm -f lib/libcoreutils.a src/libver.a src/dd src/cat src/cp)
	pass_build coreutils "$src" --lto make -j$jobs src/dd src/cat src/cp || return
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
	same_messages coreutils "$d/cat-missing.plain.err" "$d/cat-missing.clustered.err" || ok=DIFFER
	figures coreutils "dd bs=8k, cat | cat, cp, cat of a missing file: $ok"
	compare_crossings coreutils "dd bs=8k of 8 MiB" "$d/dd.plain" if="$d/input" of=/dev/null bs=8k status=none \
		-- "$d/dd.clustered" if="$d/input" of=/dev/null bs=8k status=none
	compare_crossings coreutils "cat of 8 MiB" "$d/cat.plain" "$d/input" -- "$d/cat.clustered" "$d/input"
	compare_crossings coreutils "cp of 8 MiB" "$d/cp.plain" -f "$d/input" "$d/cp.crossings" \
		-- "$d/cp.clustered" -f "$d/input" "$d/cp.crossings"
}

# ---------------------------------------------------------------------------------------
# mini-httpd: a forking web server on the loopback address
# ---------------------------------------------------------------------------------------
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
	make_docroot "$d/docroot"
	(cd "$src" && make mime_encodings.h mime_types.h >/dev/null 2>&1)

	# The server from its three modules (as Debian's Makefile, without TLS), with $CC.
	cat >"$src/build-safety.sh" <<-'EOF'
		set -e
		rm -f ./*.o mini_httpd
		for m in mini_httpd match tdate_parse; do
			"$CC" -O2 -g -U__STRICT_ANSI__ -Wall -c "$m.c" -o "$m.o"
		done
		"$CC" -O2 -g mini_httpd.o match.o tdate_parse.o -lcrypt -o mini_httpd
	EOF
	(cd "$src" && CC=$cc sh build-safety.sh) >"$work/logs/mini-httpd.plain.log" 2>&1 || {
		fail "mini-httpd: the plain build failed ($work/logs/mini-httpd.plain.log)"
		return
	}
	cp "$src/mini_httpd" "$d/mini_httpd.plain"
	# The server in the foreground, on the port serve_on picks.
	local server=(-D -h 127.0.0.1 -p @PORT@ -d "$d/docroot" -u root)
	if ! serve_on "$d/record" "$SYSCLUSTER" record -o "$work/logs/mini-httpd.run0.prof.json" -- \
		"$d/mini_httpd.plain" "${server[@]}" -l "$d/record"; then
		fail "mini-httpd: the recorded server did not answer ($d/record.out)"
		return
	fi
	local i
	for ((i = 0; i < 5; i++)); do fetch_all "$port" "$d/train"; done
	stop_on
	[ -s "$work/logs/mini-httpd.run0.prof.json" ] || {
		fail "mini-httpd: no profile was recorded ($d/record.out)"
		return
	}
	profile mini-httpd || return
	pass_build mini-httpd "$src" sh build-safety.sh || return
	cp "$src/mini_httpd" "$d/mini_httpd.clustered"
	local calls
	calls=$(clustered_note mini-httpd "$d/mini_httpd.clustered")
	local b ok=identical
	for b in plain clustered; do
		if serve_on "$d/server-$b" "$d/mini_httpd.$b" "${server[@]}" -l "$d/server-$b"; then
			fetch_all "$port" "$d/$b"
		else
			fail "mini-httpd: the $b server did not answer"
		fi
		stop_on
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
	(cd "$src" && CC=$cc CFLAGS="-O2 -g" ./configure -q --disable-shared \
		--disable-sdl --without-x >"$work/logs/mpeg2dec.configure.log" 2>&1) || {
		fail "mpeg2dec: configure failed ($work/logs/mpeg2dec.configure.log)"
		return
	}
	(cd "$src" && make -j$jobs >"$work/logs/mpeg2dec.plain.log" 2>&1) || {
		fail "mpeg2dec: the plain build failed ($work/logs/mpeg2dec.plain.log)"
		return
	}
	cp "$src/src/mpeg2dec" "$d/mpeg2dec.plain"
	mkdir -p "$d/train"
	record mpeg2dec "$d/train" "$src/src/mpeg2dec" -o pgm "$d/stream.m1v" &&
		record mpeg2dec "$d/train" "$src/src/mpeg2dec" -o null "$d/stream.m1v" &&
		profile mpeg2dec || return
	(cd "$src" && make clean >/dev/null 2>&1)
	pass_build mpeg2dec "$src" make -j$jobs || return
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
	compare_crossings mpeg2dec "decoding $(find "$d/plain" -name '*.pgm' | wc -l) frames to PGM files" \
		sh -c 'cd "$1" && exec "$2" -o pgm "$3"' sh "$d/plain" "$d/mpeg2dec.plain" "$d/stream.m1v" \
		-- sh -c 'cd "$1" && exec "$2" -o pgm "$3"' sh "$d/clustered" "$d/mpeg2dec.clustered" "$d/stream.m1v"
}

# ---------------------------------------------------------------------------------------
# Servers: started on a free loopback port, stopped by SIGTERM
# ---------------------------------------------------------------------------------------
# serve_on LOG COMMAND...: starts COMMAND in the background, with @PORT@ in its arguments
# replaced by a free loopback port, and waits until http://127.0.0.1:PORT/ answers; sets $port
# and $pid (the command's process: `syscluster record` forwards the SIGTERM of stop_on).
serve_on() {
	local log=$1 attempt i a cmd
	shift
	for attempt in 1 2 3; do
		port=$((20000 + RANDOM % 20000))
		curl -s -o /dev/null "http://127.0.0.1:$port/" && continue
		cmd=()
		for a in "$@"; do cmd+=("${a//@PORT@/$port}"); done
		"${cmd[@]}" >"$log.out" 2>&1 &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_on
	done
	return 1
}

stop_on() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# docroot DIR: the files fetch_all asks for.
make_docroot() {
	local s
	rm -rf "$1"
	mkdir -p "$1/sub"
	for s in 0 1 4095 4096 4097 2097152; do
		head -c $s /dev/urandom >"$1/f$s"
	done
	echo '<html><body>safety net</body></html>' >"$1/index.html"
	chmod -R a+rX "$1"
}

# clustered_note PACKAGE PROGRAM: "calls multicall" or "no multicall reference"; a package
# whose remarks report a cluster must call the runtime.
clustered_note() {
	if calls_multicall "$2"; then
		echo "calls multicall"
		return
	fi
	if grep -qs '^Name: *Clustered$' "$work/logs/$1/remarks/"*.yaml; then
		fail "$1: the pass reported a cluster but $2 does not call multicall"
	fi
	echo "no multicall reference"
}

# ---------------------------------------------------------------------------------------
# pv: a pipe viewer moving data between files and pipes (read/write or splice)
# ---------------------------------------------------------------------------------------
pkg_pv() {
	local src d=$work/data/pv b ok=identical check=FAILED
	src=$(unpack pv) || {
		fail "pv: unpack failed"
		return
	}
	rm -rf "$d"
	mkdir -p "$d"
	head -c $((8 << 20)) /dev/urandom >"$d/input"
	(cd "$src" && CC=$cc CFLAGS="-O2 -g" ./configure -q --disable-nls >"$work/logs/pv.configure.log" 2>&1) || {
		fail "pv: configure failed ($work/logs/pv.configure.log)"
		return
	}
	(cd "$src" && make -j$jobs >"$work/logs/pv.plain.log" 2>&1) || {
		fail "pv: the plain build failed ($work/logs/pv.plain.log)"
		return
	}
	cp "$src/pv" "$d/pv.plain"
	# Runs: file to file (read/write), pipe to pipe (splice), and with splice off (-C).
	record pv "$d" sh -c "'$src/pv' -q input >output" &&
		record pv "$d" sh -c "cat input | '$src/pv' -q | cat >output" &&
		record pv "$d" sh -c "cat input | '$src/pv' -q -C -B 4096 >output" &&
		profile pv || return
	(cd "$src" && make clean >/dev/null 2>&1)
	pass_build pv "$src" make -j$jobs || return
	cp "$src/pv" "$d/pv.clustered"
	local calls
	calls=$(clustered_note pv "$d/pv.clustered")
	for b in plain clustered; do
		(
			cd "$d" || exit 1
			"./pv.$b" -q input >"file.$b" 2>"file.$b.err"
			echo $? >>"file.$b.err"
			cat input | "./pv.$b" -q | cat >"pipe.$b" 2>"pipe.$b.err"
			cat input | "./pv.$b" -q -C -B 4096 >"nosplice.$b" 2>"nosplice.$b.err"
			echo $? >>"nosplice.$b.err"
			"./pv.$b" -q missing input >"missing.$b" 2>"missing.$b.err"
			echo $? >>"missing.$b.err"
			"./pv.$b" -q -S -s 1000000 input >"stop.$b" 2>"stop.$b.err"
			echo $? >>"stop.$b.err"
			"./pv.$b" -q input >&- 2>"closed.$b.err"
			echo $? >>"closed.$b.err"
		)
	done
	for b in file pipe nosplice; do
		same pv "$d/input" "$d/$b.clustered" || ok=DIFFER
	done
	for b in file pipe nosplice missing stop closed; do
		same_messages pv "$d/$b.plain.err" "$d/$b.clustered.err" || ok=DIFFER
	done
	same pv "$d/missing.plain" "$d/missing.clustered" && same pv "$d/stop.plain" "$d/stop.clustered" || ok=DIFFER
	if (cd "$src" && make check >"$work/logs/pv.check.log" 2>&1); then
		check="passed ($(grep -c ': *OK' "$work/logs/pv.check.log") tests)"
	else
		fail "pv: make check failed with the pass ($work/logs/pv.check.log)"
	fi
	figures pv "$calls; file, pipe, -C, missing file, -S -s, closed stdout: $ok; make check $check"
	compare_crossings pv "pv -q of 8 MiB (file to file)" sh -c '"$1" -q "$2" >"$3"' sh "$d/pv.plain" "$d/input" "$d/crossings.out" \
		-- sh -c '"$1" -q "$2" >"$3"' sh "$d/pv.clustered" "$d/input" "$d/crossings.out"
}

# ---------------------------------------------------------------------------------------
# redir: a TCP relay (select, read -> write both ways, a process per connection) in front of
# a web server
# ---------------------------------------------------------------------------------------
pkg_redir() {
	local src d=$work/data/redir b ok=identical backend backend_pid
	src=$(unpack redir) || {
		fail "redir: unpack failed"
		return
	}
	make_docroot "$d/docroot"
	# The release tarball has no configure script: its three definitions, as autoconf would.
	printf '#define PACKAGE_NAME "redir"\n#define PACKAGE_VERSION "3.3"\n#define PACKAGE_BUGREPORT "https://github.com/troglobit/redir/issues"\n' >"$src/config.h"
	printf 'set -e\n"$CC" -O2 -g -I. -c redir.c -o redir.o\n"$CC" -O2 -g redir.o -o redir\n' >"$src/build-safety.sh"
	(cd "$src" && CC=$cc sh build-safety.sh) >"$work/logs/redir.plain.log" 2>&1 || {
		fail "redir: the plain build failed ($work/logs/redir.plain.log)"
		return
	}
	cp "$src/redir" "$d/redir.plain"
	serve_on "$d/backend" python3 -m http.server --bind 127.0.0.1 --directory "$d/docroot" @PORT@ || {
		fail "redir: the backend web server (python3 -m http.server) did not start"
		return
	}
	backend=$port backend_pid=$pid
	if serve_on "$d/record" "$SYSCLUSTER" record -o "$work/logs/redir.run0.prof.json" -- \
		"$src/redir" -n 127.0.0.1:@PORT@ "127.0.0.1:$backend"; then
		local i
		for ((i = 0; i < 5; i++)); do fetch_all "$port" "$d/train"; done
		stop_on
	else
		fail "redir: the recorded relay did not answer ($d/record.out)"
	fi
	[ -s "$work/logs/redir.run0.prof.json" ] || fail "redir: no profile was recorded"
	[ -s "$work/logs/redir.run0.prof.json" ] && profile redir && pass_build redir "$src" sh build-safety.sh || {
		kill "$backend_pid" 2>/dev/null
		wait "$backend_pid" 2>/dev/null
		return
	}
	cp "$src/redir" "$d/redir.clustered"
	local calls
	calls=$(clustered_note redir "$d/redir.clustered")
	for b in plain clustered; do
		if serve_on "$d/relay-$b" "$d/redir.$b" -n 127.0.0.1:@PORT@ "127.0.0.1:$backend"; then
			fetch_all "$port" "$d/$b"
		else
			fail "redir: the $b relay did not answer"
		fi
		stop_on
	done
	kill "$backend_pid" 2>/dev/null
	wait "$backend_pid" 2>/dev/null
	if ! diff -r "$d/plain" "$d/clustered" >/dev/null 2>&1 || [ ! -s "$d/plain/f4097.body" ]; then
		fail "redir: the plain and clustered relays answer differently ($d/plain vs $d/clustered)"
		ok=DIFFER
	fi
	figures redir "relay $calls; 9 requests through it: responses $ok"
}

# ---------------------------------------------------------------------------------------
# lighttpd: an event-loop web server (epoll, sendfile), one process
# ---------------------------------------------------------------------------------------
pkg_lighttpd() {
	local src d=$work/data/lighttpd b ok=identical
	src=$(unpack lighttpd) || {
		fail "lighttpd: unpack failed"
		return
	}
	make_docroot "$d/docroot"
	cat >"$d/lighttpd.conf.in" <<-EOF
		server.document-root = "$d/docroot"
		server.bind = "127.0.0.1"
		server.port = @PORT@
		server.errorlog = "$d/error.log"
		index-file.names = ( "index.html" )
		mimetype.assign = ( ".html" => "text/html", "" => "application/octet-stream" )
	EOF
	# run-lighttpd PORT BINARY: the server in the foreground on PORT.
	printf '#!/bin/sh\nsed "s/@PORT@/$1/" "%s" >"%s.$1" && exec "$2" -D -f "%s.$1"\n' \
		"$d/lighttpd.conf.in" "$d/lighttpd.conf" "$d/lighttpd.conf" >"$d/run-lighttpd"
	chmod +x "$d/run-lighttpd"
	(cd "$src" && CC=$cc CFLAGS="-O2 -g" ./configure -q --without-pcre2 --without-zlib --without-bzip2 \
		--without-zstd --disable-static >"$work/logs/lighttpd.configure.log" 2>&1) || {
		fail "lighttpd: configure failed ($work/logs/lighttpd.configure.log)"
		return
	}
	(cd "$src" && make -j$jobs >"$work/logs/lighttpd.plain.log" 2>&1) || {
		fail "lighttpd: the plain build failed ($work/logs/lighttpd.plain.log)"
		return
	}
	cp "$src/src/lighttpd" "$d/lighttpd.plain"
	if serve_on "$d/record" "$SYSCLUSTER" record -o "$work/logs/lighttpd.run0.prof.json" -- \
		"$d/run-lighttpd" @PORT@ "$src/src/lighttpd"; then
		local i
		for ((i = 0; i < 5; i++)); do fetch_all "$port" "$d/train"; done
		stop_on
	else
		fail "lighttpd: the recorded server did not answer ($d/record.out)"
	fi
	[ -s "$work/logs/lighttpd.run0.prof.json" ] || {
		fail "lighttpd: no profile was recorded"
		return
	}
	profile lighttpd || return
	(cd "$src" && make clean >/dev/null 2>&1)
	pass_build lighttpd "$src" make -j$jobs || return
	cp "$src/src/lighttpd" "$d/lighttpd.clustered"
	local calls
	calls=$(clustered_note lighttpd "$d/lighttpd.clustered")
	for b in plain clustered; do
		if serve_on "$d/server-$b" "$d/run-lighttpd" @PORT@ "$d/lighttpd.$b"; then
			fetch_all "$port" "$d/$b"
		else
			fail "lighttpd: the $b server did not answer"
		fi
		stop_on
	done
	if ! diff -r "$d/plain" "$d/clustered" >/dev/null 2>&1 || [ ! -s "$d/plain/f4097.body" ]; then
		fail "lighttpd: the plain and clustered servers answer differently ($d/plain vs $d/clustered)"
		ok=DIFFER
	fi
	figures lighttpd "server $calls; 9 requests: responses $ok"
}

# ---------------------------------------------------------------------------------------
# lzip: a compressor written in C++ (its own read/write loops, built with link-time
# optimisation), and its `make check`
# ---------------------------------------------------------------------------------------
pkg_lzip() {
	local src d=$work/data/lzip b ok=identical check=FAILED
	src=$(unpack lzip) || {
		fail "lzip: unpack failed"
		return
	}
	rm -rf "$d"
	mkdir -p "$d"
	xz -dc "$(compgen -G "$work/src/lzip_*.orig.tar.xz" | head -n 1)" >"$d/input"
	head -c $((2 << 20)) /dev/urandom >>"$d/input"
	# Its configure script takes the compiler as arguments, not from the environment.
	(cd "$src" && ./configure CXX="$cxx" CXXFLAGS="-O2 -g" >"$work/logs/lzip.configure.log" 2>&1) || {
		fail "lzip: configure failed ($work/logs/lzip.configure.log)"
		return
	}
	(cd "$src" && make -j$jobs >"$work/logs/lzip.plain.log" 2>&1) || {
		fail "lzip: the plain build failed ($work/logs/lzip.plain.log)"
		return
	}
	cp "$src/lzip" "$d/lzip.plain"
	record lzip "$d" "$src/lzip" -0 -k -f input &&
		record lzip "$d" sh -c "'$src/lzip' -d -c input.lz >output" &&
		record lzip "$d" sh -c "'$src/lzip' -0 <input | '$src/lzip' -d >output" &&
		profile lzip || return
	(cd "$src" && make clean >/dev/null 2>&1)
	# Link-time: readblock and writeblock (decoder.cc) are inlined into their callers in other
	# files, and their block loops become looped multi-calls there.
	pass_build lzip "$src" --lto make -j$jobs || return
	cp "$src/lzip" "$d/lzip.clustered"
	local calls
	calls=$(clustered_note lzip "$d/lzip.clustered")
	for b in plain clustered; do
		(
			cd "$d" || exit 1
			"./lzip.$b" -0 -c input >"input.$b.lz" 2>"compress.$b.err"
			echo $? >>"compress.$b.err"
			"./lzip.$b" -d -c input.plain.lz >"output.$b" 2>"decompress.$b.err"
			echo $? >>"decompress.$b.err"
			"./lzip.$b" -0 <input | "./lzip.$b" -d >"pipe.$b" 2>"pipe.$b.err"
			echo $? >>"pipe.$b.err"
			"./lzip.$b" -d -c missing.lz >"missing.$b" 2>"missing.$b.err"
			echo $? >>"missing.$b.err"
			head -c 1000 input.plain.lz | "./lzip.$b" -d >"truncated.$b" 2>"truncated.$b.err"
			echo $? >>"truncated.$b.err"
		)
	done
	same lzip "$d/input.plain.lz" "$d/input.clustered.lz" || ok=DIFFER
	same lzip "$d/input" "$d/output.clustered" || ok=DIFFER
	same lzip "$d/input" "$d/pipe.clustered" || ok=DIFFER
	for b in compress decompress pipe missing truncated; do
		same_messages lzip "$d/$b.plain.err" "$d/$b.clustered.err" || ok=DIFFER
	done
	same lzip "$d/truncated.plain" "$d/truncated.clustered" || ok=DIFFER
	if (cd "$src" && make check >"$work/logs/lzip.check.log" 2>&1); then
		check=passed
	else
		fail "lzip: make check failed with the pass ($work/logs/lzip.check.log)"
	fi
	figures lzip "$calls; compress, decompress, pipe, missing and truncated input: $ok; make check $check"
	compare_crossings lzip "lzip -0 of $(($(stat -c %s "$d/input") >> 10)) KiB" \
		sh -c '"$1" -0 -c "$2" >"$3"' sh "$d/lzip.plain" "$d/input" "$d/crossings.lz" \
		-- sh -c '"$1" -0 -c "$2" >"$3"' sh "$d/lzip.clustered" "$d/input" "$d/crossings.lz"
}

# ---------------------------------------------------------------------------------------
# lz4: a compressor whose data goes through stdio (fread, fwrite), so that its hot edges run
# inside libc; it copies the input's owner and mode to the output (chown -> chmod)
# ---------------------------------------------------------------------------------------
pkg_lz4() {
	local src d=$work/data/lz4 b ok=identical
	src=$(unpack lz4) || {
		fail "lz4: unpack failed"
		return
	}
	rm -rf "$d"
	mkdir -p "$d/dir"
	gzip -dc "$(compgen -G "$work/src/lz4_*.orig.tar.gz" | head -n 1)" >"$d/input"
	head -c $((1 << 20)) /dev/urandom >>"$d/input"
	# The program alone (its Makefile builds the library's sources into it), no configure.
	(cd "$src" && make -j$jobs CC="$cc" CFLAGS="-O2 -g" lz4 >"$work/logs/lz4.plain.log" 2>&1) || {
		fail "lz4: the plain build failed ($work/logs/lz4.plain.log)"
		return
	}
	cp "$src/lz4" "$d/lz4.plain"
	record lz4 "$d" "$src/lz4" -f input input.lz4 &&
		record lz4 "$d" sh -c "'$src/lz4' -d -c input.lz4 >output" &&
		record lz4 "$d" sh -c "'$src/lz4' <input | '$src/lz4' -d >output" &&
		profile lz4 || return
	rm -f "$d/input.lz4" "$d/output"
	(cd "$src" && make clean >/dev/null 2>&1)
	pass_build lz4 "$src" make -j$jobs CFLAGS="-O2 -g" lz4 || return
	cp "$src/lz4" "$d/lz4.clustered"
	local calls
	calls=$(clustered_note lz4 "$d/lz4.clustered")
	"$d/lz4.plain" -q -c "$d/input" >"$d/input.lz4"
	head -c 3000 "$d/input.lz4" >"$d/truncated.lz4"
	for b in plain clustered; do
		(
			cd "$d" || exit 1
			"./lz4.$b" -c input >"input.$b.lz4" 2>"compress.$b.err"
			echo $? >>"compress.$b.err"
			"./lz4.$b" -d -c input.lz4 >"output.$b" 2>"decompress.$b.err"
			echo $? >>"decompress.$b.err"
			"./lz4.$b" <input | "./lz4.$b" -d >"pipe.$b" 2>"pipe.$b.err"
			echo $? >>"pipe.$b.err"
			# A file to a file: the output takes the input's mode (chown -> chmod).
			cp input "mode.$b" && chmod 640 "mode.$b" && "./lz4.$b" -q -f "mode.$b" "mode.$b.lz4" 2>"mode.$b.err"
			echo $? "$(stat -c %a "mode.$b.lz4")" >>"mode.$b.err"
			# lz4 leaves an empty dir.lz4 behind.
			rm -f dir.lz4
			"./lz4.$b" -m missing dir 2>"missing.$b.err"
			echo $? >>"missing.$b.err"
			"./lz4.$b" -d -c truncated.lz4 >"truncated.$b" 2>"truncated.$b.err"
			echo $? >>"truncated.$b.err"
			"./lz4.$b" -c input >&- 2>"closed.$b.err"
			echo $? >>"closed.$b.err"
			(trap '' XFSZ && ulimit -f 100 && exec "./lz4.$b" -c input >"limit.$b" 2>"limit.$b.err")
			echo $? >>"limit.$b.err"
		)
	done
	same lz4 "$d/input.plain.lz4" "$d/input.clustered.lz4" || ok=DIFFER
	same lz4 "$d/input" "$d/output.clustered" || ok=DIFFER
	same lz4 "$d/input" "$d/pipe.clustered" || ok=DIFFER
	same lz4 "$d/mode.plain.lz4" "$d/mode.clustered.lz4" || ok=DIFFER
	for b in compress decompress pipe mode missing truncated closed limit; do
		same_messages lz4 "$d/$b.plain.err" "$d/$b.clustered.err" || ok=DIFFER
	done
	for b in truncated limit; do
		same lz4 "$d/$b.plain" "$d/$b.clustered" || ok=DIFFER
	done
	figures lz4 "$calls; compress, decompress, pipe, file to file with its mode, missing/directory, truncated, closed stdout, file-size limit: $ok"
	compare_crossings lz4 "lz4 of $(($(stat -c %s "$d/input") >> 10)) KiB" \
		sh -c '"$1" -c "$2" >"$3"' sh "$d/lz4.plain" "$d/input" "$d/crossings.lz4" \
		-- sh -c '"$1" -c "$2" >"$3"' sh "$d/lz4.clustered" "$d/input" "$d/crossings.lz4"
}

# ---------------------------------------------------------------------------------------
# xz-utils: xz, a compressor in C whose read and write loops retry on EINTR (signal handlers
# without SA_RESTART, a self-pipe and poll for non-blocking descriptors), and its `make check`
# ---------------------------------------------------------------------------------------
pkg_xz_utils() {
	local src d=$work/data/xz-utils b ok=identical check=FAILED
	src=$(unpack xz-utils) || {
		fail "xz-utils: unpack failed"
		return
	}
	rm -rf "$d"
	mkdir -p "$d/dir"
	xz -dc "$(compgen -G "$work/src/xz-utils_*.orig.tar.xz" | head -n 1)" >"$d/input"
	head -c $((1 << 20)) /dev/urandom >>"$d/input"
	ln -s input "$d/link"
	# liblzma and xz only, single-threaded (xz's -T0 would make the run's calls depend on the
	# number of cores).
	(cd "$src" && CC=$cc CFLAGS="-O2 -g" ./configure -q --disable-shared --disable-nls --disable-doc \
		--disable-scripts --disable-xzdec --disable-lzmadec --disable-lzmainfo --disable-lzma-links \
		--disable-threads >"$work/logs/xz-utils.configure.log" 2>&1) || {
		fail "xz-utils: configure failed ($work/logs/xz-utils.configure.log)"
		return
	}
	(cd "$src" && make -j$jobs >"$work/logs/xz-utils.plain.log" 2>&1) || {
		fail "xz-utils: the plain build failed ($work/logs/xz-utils.plain.log)"
		return
	}
	cp "$src/src/xz/xz" "$d/xz.plain"
	record xz-utils "$d" "$src/src/xz/xz" -0 -k -f input &&
		record xz-utils "$d" sh -c "'$src/src/xz/xz' -d -c input.xz >output" &&
		record xz-utils "$d" sh -c "'$src/src/xz/xz' -0 <input | '$src/src/xz/xz' -d >output" &&
		record xz-utils "$d" "$src/src/xz/xz" -t input.xz &&
		profile xz-utils || return
	rm -f "$d/input.xz" "$d/output"
	(cd "$src" && make clean >/dev/null 2>&1)
	pass_build xz-utils "$src" make -j$jobs || return
	cp "$src/src/xz/xz" "$d/xz.clustered"
	local calls
	calls=$(clustered_note xz-utils "$d/xz.clustered")
	"$d/xz.plain" -0 -c "$d/input" >"$d/input.xz"
	head -c 3000 "$d/input.xz" >"$d/truncated.xz"
	for b in plain clustered; do
		(
			cd "$d" || exit 1
			"./xz.$b" -0 -c input >"input.$b.xz" 2>"compress.$b.err"
			echo $? >>"compress.$b.err"
			"./xz.$b" -d -c input.xz >"output.$b" 2>"decompress.$b.err"
			echo $? >>"decompress.$b.err"
			"./xz.$b" -0 <input | "./xz.$b" -d >"pipe.$b" 2>"pipe.$b.err"
			echo $? >>"pipe.$b.err"
			"./xz.$b" -d -c missing.xz dir link >"missing.$b" 2>"missing.$b.err"
			echo $? >>"missing.$b.err"
			"./xz.$b" -d -c truncated.xz >"truncated.$b" 2>"truncated.$b.err"
			echo $? >>"truncated.$b.err"
			"./xz.$b" -0 -c input >&- 2>"closed.$b.err"
			echo $? >>"closed.$b.err"
			# A finite file-size limit: the write past it fails with EFBIG (SIGXFSZ ignored).
			(trap '' XFSZ && ulimit -f 100 && exec "./xz.$b" -0 -c input >"limit.$b" 2>"limit.$b.err")
			echo $? >>"limit.$b.err"
		)
	done
	same xz-utils "$d/input.plain.xz" "$d/input.clustered.xz" || ok=DIFFER
	same xz-utils "$d/input" "$d/output.clustered" || ok=DIFFER
	same xz-utils "$d/input" "$d/pipe.clustered" || ok=DIFFER
	for b in compress decompress pipe missing truncated closed limit; do
		same_messages xz-utils "$d/$b.plain.err" "$d/$b.clustered.err" || ok=DIFFER
	done
	for b in missing truncated limit; do
		same xz-utils "$d/$b.plain" "$d/$b.clustered" || ok=DIFFER
	done
	if (cd "$src" && make check -j$jobs >"$work/logs/xz-utils.check.log" 2>&1); then
		check="passed ($(grep -h '^# PASS:' "$src/tests/test-suite.log" 2>/dev/null | head -n 1 | tr -s ' '))"
	else
		fail "xz-utils: make check failed with the pass ($work/logs/xz-utils.check.log)"
	fi
	figures xz-utils "$calls; compress, decompress, pipe, missing/directory/symlink, truncated, closed stdout, file-size limit: $ok; make check $check"
	compare_crossings xz-utils "xz -0 of $(($(stat -c %s "$d/input") >> 10)) KiB" \
		sh -c '"$1" -0 -c "$2" >"$3"' sh "$d/xz.plain" "$d/input" "$d/crossings.xz" \
		-- sh -c '"$1" -0 -c "$2" >"$3"' sh "$d/xz.clustered" "$d/input" "$d/crossings.xz"
}

# ---------------------------------------------------------------------------------------
# The same work in the guest with the kernel module (kmod backend)
# ---------------------------------------------------------------------------------------
# guest_crossings: the single programs of the packages built above (gzip, dd, cat, pv, lzip, xz)
# run inside a qemu guest with multicall.ko loaded (scripts/qemu-run.sh), original and clustered
# build on the same work, crossings counted with strace -c, outputs compared; and mini-httpd's
# crossings per request (GUEST_REQUESTS requests of busybox wget over the loopback device, the
# forking server traced with strace -f -c, less a run that answers one request), responses
# compared. Skipped when SYSCLUSTER_QEMU=0.
GUEST_REQUESTS=50
guest_crossings() {
	if [ "${SYSCLUSTER_QEMU:-1}" = 0 ]; then
		echo "skip guest crossings: SYSCLUSTER_QEMU=0"
		return
	fi
	local g=$work/guest files=() runs=() prog line
	rm -rf "$g"
	mkdir -p "$g"
	head -c $((2 << 20)) /dev/urandom >"$g/input"
	# gzip's input for decompression, made by the plain build.
	[ -x "$work/data/gzip/gzip.plain" ] && "$work/data/gzip/gzip.plain" -c -1 <"$g/input" >"$g/input.gz"
	# PROGRAM-NAME BINARY-STEM ARGS (in the guest's directory; `out` is the output file)
	[ -x "$work/data/gzip/gzip.clustered" ] && runs+=("gzip -9 of 2 MiB|gzip|-9 -c input")
	# Decompression from a pipe, whose reads come back a pipe's worth at a time: fill_inbuf's
	# loop goes round.
	[ -x "$work/data/gzip/gzip.clustered" ] && runs+=("gzip -d of 2 MiB from a pipe|gzip|<pipe:input.gz> -dc")
	[ -x "$work/data/coreutils/dd.clustered" ] && runs+=("dd bs=8k of 2 MiB|dd|if=input bs=8k status=none")
	[ -x "$work/data/coreutils/cat.clustered" ] && runs+=("cat of 2 MiB|cat|input")
	# Into a pipe, where cat reads and writes (into a file it copies with copy_file_range).
	[ -x "$work/data/coreutils/cat.clustered" ] && runs+=("cat of 2 MiB into a pipe|cat|<topipe> input")
	[ -x "$work/data/pv/pv.clustered" ] && runs+=("pv -q of 2 MiB|pv|-q input")
	[ -x "$work/data/lzip/lzip.clustered" ] && runs+=("lzip -0 of 2 MiB|lzip|-0 -c input")
	# From a pipe, whose reads come back short: lzip's read block loop goes round.
	[ -x "$work/data/lzip/lzip.clustered" ] && runs+=("lzip -0 of 2 MiB from a pipe|lzip|<pipe> -0")
	# xz opens its input (open -> fstat, one multi-call) and reads it in a retry loop.
	[ -x "$work/data/xz-utils/xz.clustered" ] && runs+=("xz -0 of 2 MiB|xz|-0 -c input")
	# Servers: WHAT PROGRAM PORT ARGS (a line of the guest's `requests`), requests to PORT.
	local servers=() qemu_files=()
	if [ -x "$work/data/mini-httpd/mini_httpd.clustered" ]; then
		cp "$work/data/mini-httpd/mini_httpd.plain" "$work/data/mini-httpd/mini_httpd.clustered" "$g/"
		servers+=("mini-httpd mini_httpd 8080 -D -h 127.0.0.1 -p 8080 -d docroot -u root -l \$PWD/log.mini-httpd")
		# The server, started as root, takes the user root from /etc/passwd.
		printf 'root:x:0:0:root:/root:/bin/sh\n' >"$g/passwd"
		qemu_files+=(--file "$g/passwd=/etc/passwd")
	fi
	if [ -x "$work/data/redir/redir.clustered" ]; then
		cp "$work/data/redir/redir.plain" "$work/data/redir/redir.clustered" "$g/"
		# The relay in the foreground, to busybox's web server on 8081 (started below).
		servers+=("redir redir 8082 -n 127.0.0.1:8082 127.0.0.1:8081")
	fi
	[ ${#servers[@]} -gt 0 ] && make_docroot "$g/docroot"
	if [ ${#runs[@]} -eq 0 ] && [ ${#servers[@]} -eq 0 ]; then
		echo "skip guest crossings: no package program was built"
		return
	fi
	for line in "${runs[@]}"; do
		IFS='|' read -r _ prog _ <<<"$line"
		local dir
		case $prog in dd | cat) dir=coreutils ;; xz) dir=xz-utils ;; *) dir=$prog ;; esac
		cp "$work/data/$dir/$prog.plain" "$g/$prog.plain"
		cp "$work/data/$dir/$prog.clustered" "$g/$prog.clustered"
	done
	{
		echo '#!/bin/sh'
		echo 'cd "$(dirname "$0")"'
		echo 'total() { awk '"'"'$NF == "total" { print $(NF-2) ~ /^[0-9]+$/ ? $(NF-2) : $(NF-1) }'"'"' strace.txt | head -n 1; }'
		echo 'count() { strace -f -c -o strace.txt "$@" >out 2>err; total; }'
		# The program alone is traced, its input written into a pipe by cat.
		echo 'count_pipe() { cat input | count "$@"; }'
		# The same from another input file of the guest's directory.
		echo 'count_pipe_from() { f=$1; shift; cat "$f" | count "$@"; }'
		# The program alone is traced, its output read from a pipe by cat.
		echo 'count_topipe() { strace -f -c -o strace.txt "$@" 2>err | cat >out; total; }'
		for line in "${runs[@]}"; do
			IFS='|' read -r what prog args <<<"$line"
			local how=count
			case $args in
			"<pipe> "*) how=count_pipe args=${args#"<pipe> "} ;;
			"<pipe:"*)
				local from=${args#"<pipe:"}
				from=${from%%">"*}
				how="count_pipe_from $from" args=${args#*"> "}
				;;
			"<topipe> "*) how=count_topipe args=${args#"<topipe> "} ;;
			esac
			echo "o=\$($how ./$prog.plain $args); mv out out.plain"
			echo "c=\$(MULTICALL_BACKEND=kmod $how ./$prog.clustered $args)"
			echo "if cmp -s out out.plain; then same=identical; else same=DIFFER; fi"
			echo "echo \"guest-crossings|$what|\$o|\$c|\$same\""
		done
		[ ${#servers[@]} -gt 0 ] && cat <<-EOF
			# serve NAME N PORT ARGS: ./NAME ARGS, traced with strace -f -c, answers 1 + N requests
			# on PORT (the first one tells that it listens); prints its crossings; the answers go
			# to got.NAME.
			serve() {
			name=\$1 n=\$2 port=\$3; shift 3
			rm -rf "got.\$name"; mkdir "got.\$name"
			strace -f -c -o "strace.\$name" "./\$name" "\$@" 2>/dev/null &
			tracer=\$!
			i=0
			until wget -q -O "got.\$name/first" "http://127.0.0.1:\$port/f1" 2>/dev/null; do
			i=\$((i + 1)); [ \$i -lt 100 ] || { killall "\$name"; return 1; }
			usleep 100000
			done
			k=0
			while [ \$k -lt "\$n" ]; do
			for f in f0 f4096 f4097 index.html missing; do
			[ \$k -lt "\$n" ] || break
			wget -q -O "got.\$name/\$k.\$f" "http://127.0.0.1:\$port/\$f" 2>/dev/null
			echo "\$f \$?" >>"got.\$name/codes"
			k=\$((k + 1))
			done
			done
			killall "\$name"
			wait \$tracer
			awk '\$NF == "total" { print \$(NF-2) ~ /^[0-9]+\$/ ? \$(NF-2) : \$(NF-1) }' "strace.\$name" | head -n 1
			}
			# requests WHAT PROGRAM PORT ARGS: the original and the clustered build of PROGRAM
			# (the latter on the module) answer the same requests.
			requests() {
			what=\$1 prog=\$2 port=\$3; shift 3
			o1=\$(serve \$prog.plain 0 \$port "\$@"); o=\$(serve \$prog.plain $GUEST_REQUESTS \$port "\$@")
			export MULTICALL_BACKEND=kmod
			c1=\$(serve \$prog.clustered 0 \$port "\$@"); c=\$(serve \$prog.clustered $GUEST_REQUESTS \$port "\$@")
			unset MULTICALL_BACKEND
			if diff -r got.\$prog.plain got.\$prog.clustered >/dev/null; then same=identical; else same=DIFFER; fi
			# The third request is the 4097-byte file: no answer is no comparison.
			[ -s got.\$prog.plain/2.f4097 ] || same="NO-ANSWER"
			echo "guest-requests|\$what|\$o1|\$o|\$c1|\$c|\$same"
			}
			ifconfig lo 127.0.0.1 up
			# The web server behind the relay (redir).
			busybox httpd -p 127.0.0.1:8081 -h "\$PWD/docroot"
		EOF
		for line in "${servers[@]}"; do echo "requests $line"; done
	} >"$g/run.sh"
	chmod +x "$g/run.sh"
	"$root/scripts/qemu-run.sh" --timeout 600 --file "$(command -v strace)" --file "$g=$g" \
		"${qemu_files[@]}" -- "$g/run.sh" >"$work/logs/guest.log" 2>&1
	local found=0 what o c same
	while IFS='|' read -r _ what o c same; do
		found=1
		printf '%-11s   crossings of %s in the guest (module): original %s, clustered %s (%s); output %s\n' \
			"${what%% *}" "$what" "$o" "$c" \
			"$(awk -v x="$o" -v y="$c" 'BEGIN { printf "%.3fx", (x ? y / x : 1) }')" "$same" | tee -a "$summary"
		[ "$same" = identical ] || fail "guest: $what: the clustered build's output differs"
	done < <(grep '^guest-crossings|' "$work/logs/guest.log")
	local o1 c1
	while IFS='|' read -r _ what o1 o c1 c same; do
		found=1
		if ! [[ "$o1$o$c1$c" =~ ^[0-9]+$ ]] || [ -z "$o1" ] || [ -z "$o" ] || [ -z "$c1" ] || [ -z "$c" ]; then
			fail "guest: $what did not answer its requests ($work/logs/guest.log)"
			continue
		fi
		printf '%-11s   crossings per request in the guest (module), %s requests: original %s, clustered %s (%s); responses %s\n' \
			"$what" "$GUEST_REQUESTS" \
			"$(awk -v a="$o1" -v b="$o" -v n="$GUEST_REQUESTS" 'BEGIN { printf "%.1f", (b - a) / n }')" \
			"$(awk -v a="$c1" -v b="$c" -v n="$GUEST_REQUESTS" 'BEGIN { printf "%.1f", (b - a) / n }')" \
			"$(awk -v a="$o1" -v b="$o" -v x="$c1" -v y="$c" 'BEGIN { printf "%.3fx", (b > a ? (y - x) / (b - a) : 1) }')" \
			"$same" | tee -a "$summary"
		[ "$same" = identical ] || fail "guest: $what: the clustered server answers differently"
	done < <(grep '^guest-requests|' "$work/logs/guest.log")
	if [ "$(grep -c '^guest-requests|' "$work/logs/guest.log")" != ${#servers[@]} ]; then
		fail "guest: not every server's requests were counted ($work/logs/guest.log)"
	fi
	[ "$found" = 1 ] || fail "guest: no crossings were counted ($work/logs/guest.log)"
}

# tidy PACKAGE: once a package passed, its build tree and the inputs and outputs of its
# comparisons go; the two builds of its programs (the executables *.plain and *.clustered of
# its data directory) stay for the guest. A package that failed keeps everything its messages
# name, and SAFETY_NET_KEEP=1 keeps every package's.
tidy() {
	[ "${SAFETY_NET_KEEP:-0}" = 1 ] && return 0
	rm -rf "$work/build/$1"
	[ -d "$work/data/$1" ] || return 0
	find "$work/data/$1" -mindepth 1 -maxdepth 1 \
		! \( -type f -perm -u+x \( -name '*.plain' -o -name '*.clustered' \) \) \
		-exec rm -rf {} +
}

started=$(date +%s)
fetch_sources
for p in "${packages[@]}"; do
	t0=$(date +%s)
	failed_before=${#failures[@]}
	say "$p"
	case $p in
	gzip) pkg_gzip ;;
	coreutils) pkg_coreutils ;;
	mini-httpd) pkg_mini_httpd ;;
	mpeg2dec) pkg_mpeg2dec ;;
	pv) pkg_pv ;;
	redir) pkg_redir ;;
	lighttpd) pkg_lighttpd ;;
	lzip) pkg_lzip ;;
	xz-utils) pkg_xz_utils ;;
	lz4) pkg_lz4 ;;
	esac
	[ ${#failures[@]} -eq "$failed_before" ] && tidy "$p"
	echo "   $p took $(($(date +%s) - t0)) s"
done
say "guest"
guest_crossings
echo
echo "safety-net summary (logs under $work/logs), $(($(date +%s) - started)) s in all:"
cat "$summary"
if [ ${#failures[@]} -gt 0 ]; then
	echo "safety-net: ${#failures[@]} failures:"
	printf '  %s\n' "${failures[@]}"
	exit 1
fi
echo "safety-net: all packages passed"
