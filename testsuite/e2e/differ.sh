#!/bin/sh
# Differential runner: runs two builds of one test program (the original and the clustered
# one) on the same inputs and compares everything a user could see: stdout, stderr, exit
# status, and every file the program left behind (names, sizes, modes, contents). Each case
# also checks an expectation of its own (exit status, output file content), so two builds
# that fail the same way do not pass.
#
#   differ.sh PROGRAM ORIG CLUSTERED WORKDIR
#
# PROGRAM names the case list: copy (testsuite/programs/copy.c: copy IN OUT), copysig (copy.c
# with a SIGALRM handler every 2 ms: copy's cases), copycount (copy's loop with a block count
# and byte totals it prints: copy's cases), copycountsig (copycount.c with copysig's signals:
# copy's cases), rotate (testsuite/programs/rotate.c: rotate CONF LOG ARCHIVE), relay
# (testsuite/programs/relay.c: relay [-p|-b] IN OUT, a copy through a Unix socket with
# recv/send), copyhelpers or copylto (copy's loop through helpers, in the same translation
# unit or another one: copy's cases and two with COPYIO_TRACE set), stamp
# (testsuite/programs/stamp.c: stamp IN OUT, copy's cases with a header line before the copy)
# copyfortify (copy.c with -D_FORTIFY_SOURCE=2: copy's cases), writeall (a copy through a pipe
# with write-all and read-until-full loops: copy's cases), offsetall (writeall's copy with
# loops that keep an offset total and a write-all loop that tests the count first: copy's
# cases), atomicall (the same copy through OpenSSH's atomicio and busybox's full_read: copy's
# cases), bbcat (a cat over busybox's safe_read and full_write: copy's cases), pcopyat (a
# positioned copy past a header, testing the write for an error, then a short write:
# pcopy's cases, OUT holding IN past its header), headcount (at most 384 blocks of 4096
# bytes copied by two loops bounded by counters: copy's cases, OUT holding IN's first
# 1536 KiB), headcountsig (headcount.c with copysig's signals: headcount's cases), chunkcopy
# (a copy of a known length in five loops whose counts are clamped to a block size: copy's
# cases, OUT holding IN's first 1536 KiB), mergedall (copy.c's loop over a write-all helper
# that clang merges with it: copy's cases), mergedfull (the same with gnulib's full_write,
# a write of nothing ENOSPC: copy's cases), mergedeintr (a copy into a pipe under signals
# whose write-all helper retries EINTR: copy's cases), mergedcount (mergedall counting its blocks
# and bytes, reported on stderr: copy's cases), mergedretry (a copy whose read and write-all
# helper retry EINTR, clang's rotated copy loop: copy's cases), mergedtop (the same as a for (;;)
# loop that retries its read at the top: copy's cases), mergedtotal (a write-all helper that
# retries EINTR, fails on a write of nothing and keeps a file-scope total, reported on stderr:
# copy's cases), readfull (a copy in whole blocks filled by a read-until-full helper: copy's
# cases, a pipe that brings the input in pieces smaller than a block, and one with a pause),
# readfullcount (readfull counting its blocks, reported on stderr: readfull's cases),
# ddrecords (a copy in dd's manner, counting full and partial records, reported on stderr:
# readfull's cases),
# writeallsig (writeall.c with
# copysig's signals: copy's cases), copyxform (copy.c with the case of each block's letters
# swapped between its read and its write: copy's cases, the output checked against tr),
# copyxformsig (copyxform.c with copysig's signals: copyxform's cases), flags
# (testsuite/programs/flags.c: flags [-m N] [-b] IN OUT, descriptors with merged flags, their
# F_GETFD and F_GETFL, and EMFILE, EBADF, ENOENT and dup2 onto itself), intblock (a copy through a pipe with lzip's block
# loops under signals without SA_RESTART: copy's cases), gnucat (coreutils cat's loop over
# gnulib-style safe_read and full_write under signals without SA_RESTART: copy's cases and a
# read from a pipe that blocks while signals arrive), records (testsuite/programs/records.c:
# records IN OUT, IN as 512-byte records each after a header: copy's cases, the output checked
# record by record), bookkeep (testsuite/programs/bookkeep.c: a copy that keeps its books in
# globals between its calls: copy's cases and the books), bookkeepsig (bookkeep.c with
# copysig's signals: bookkeep's cases) or whilecount (a `while ((n = read(...)) > 0)` copy
# loop with a block count and a total of the bytes written, whose start the pass moves:
# copy's cases), unchecked (the same loop with an unchecked write: copy's inputs, the
# failed writes going on to the end with the errno they left), pipecopy (a copy through a
# pipe of its own, block by block: copy's cases), eintrcat (a copy loop that retries a read
# EINTR interrupted, with a block counter, under signals: gnucat's cases) or heapcat (gnucat
# over a heap buffer that a stop at a short write reads: gnucat's cases) or globalcount
# (copycount's bookkeeping in file-scope variables: copy's cases) or statcount (the same
# bookkeeping in a struct of main's, updated through a pointer: copy's cases) or periodcopy
# (a copy that reports every 100 blocks: copy's cases) or periodcopysig (the same under
# signals: copy's cases) or logreopen (a copy to a log a signal handler reopens: copy's cases
# and the reopen while a read waits) or mapcount (a copy whose count lives in a file read
# through a MAP_SHARED mapping: copy's cases) or fullcat (a cat over
# safe_read and full_write of its own file: copy's cases) or intcopy (the copy loop with an
# int count: copy's cases) or pcopyfor (pcopy's copy as a `for (;;)` loop testing the read's
# result twice: pcopy's cases) or pcopydo (pcopy's copy as a do-while loop whose pwrite is
# tested for an error and then against its length: pcopy's cases) or pcopyint (pcopy's copy
# on an int count: pcopy's cases) or halves (copy.c writing
# each block in two halves, each write tested by an error-or-short condition: copy's cases) or
# teelike (a copy into OUT and standard output that reports a failed write and ends after
# that block: copy's inputs and failures, standard output checked against IN) or warncount
# (a copy that ends on a failed write and reports and counts a short one: copy's cases) or
# retrycount (a copy under signals whose calls retry in do-whiles: gnucat's cases) or
# progresscopy (a copy that reports a line per block under PROGRESS and one on SIGUSR1:
# copy's cases, quiet and with PROGRESS, and a SIGUSR1 while it reads a pipe) or
# statsreport (a copy whose file-scope counters a helper prints on SIGUSR1, after a short
# write and at the end: progresscopy's cases without PROGRESS) or
# topsignal (a copy whose loop begins with a test of a SIGUSR1 flag that guards a report:
# copy's cases and a SIGUSR1 while it reads a pipe) or
# sigcheck (a copy that checks for signals through a recursive helper at the top of each
# iteration, as GNU dd does: copy's cases and a SIGUSR1 while it reads a pipe) or
# tracehelper (a copy that traces each block through a helper with variable arguments under
# TRACE: copy's cases, quiet and traced) or
# twoflags (a copy that tests a SIGUSR1 flag and a SIGTERM flag after each block: copy's
# cases, a SIGUSR1 and a SIGTERM while it reads a pipe) or
# topflags (topsignal with a second flag, set by SIGHUP, tested with the first: copy's cases,
# a SIGUSR1 and a SIGHUP while it reads a pipe) or
# ddsignals (a copy that checks for signals through GNU dd's process_signals, which tests two
# flags: copy's cases, a SIGUSR1 and a SIGINT while it reads a pipe) or
# midflag (a copy that tests a SIGTERM flag between each read and its write and a SIGUSR1
# flag after each block: copy's cases, a SIGUSR1 and a SIGTERM while it reads a pipe) or
# midreport (a copy that reports on SIGUSR1 between a read and its write and goes on:
# copy's cases, a SIGUSR1 while it reads a pipe) or
# ddcopy (GNU dd's loop: iread's EINTR retry, iwrite's write-all loop, process_signals and
# its records counters: copy's cases, a SIGUSR1 and a SIGINT while it reads a pipe) or
# localbuf (copy.c with its buffer declared in the loop's body: copy's cases) or stevens (a copy through a pipe with Stevens' readn and
# writen under signals without SA_RESTART: copy's cases) or eintrall (stevens.c with helpers
# that retry an interrupted call by `continue`: copy's cases) or zfill (a filter in gzip's
# manner: copy's cases, its -x work, and a non-blocking input found empty: EAGAIN). The environment (e.g.
# MULTICALL_BACKEND) is passed to both builds unchanged. Exit status 0 when every case ran and
# matched, 1 when one differed or missed its expectation, 2 on bad usage. WORKDIR (inputs,
# each case's run directories and outputs: tens of MiB) is removed when every case matched
# and kept when one did not, for the comparison; DIFFER_KEEP=1 keeps it always.
# DIFFER_STOP_AT_FAIL=1 ends the run at the first case that differs (the harness's self-test,
# which only asks whether a broken build is caught).
#
# Plain POSIX sh: the same script runs on the host and, under busybox, inside the qemu guest.
# Cases that need a privilege the environment does not give (mounting a tmpfs, dropping to
# an unprivileged user) are reported as "skip" with the reason, never as passed.
set -u

if [ $# -ne 4 ]; then
	echo "usage: differ.sh copy|copysig|copycount|copycountsig|rotate|relay|copyhelpers|copylto|stamp|copyfortify|writeall|writeallsig|copyxform|copyxformsig|flags|intblock|gnucat|records|bookkeep|bookkeepsig|whilecount|unchecked|pipecopy|eintrcat|heapcat|fullblocks|pcopy|globalcount|fullcat|intcopy|pcopyfor|stevens|eintrall|zfill|offsetall|atomicall|bbcat|pcopyat|headcount|headcountsig|chunkcopy|mergedall|mergedfull|mergedeintr|mergedcount|mergedretry|mergedtop|mergedtotal|readfull|readfullcount|ddrecords|pcopydo|halves|localbuf|flagcopy|copyn|copyupto|copytwo|errnokept|teelike|warncount|retrycount|progresscopy|statcount|periodcopy|periodcopysig|logreopen|mapcount|failcleanup|reportbytes|intwrite|catfiles|topflag|ddbs|switchretry|pcopyint|teeboth|pipeat|narrowtotal|gapflag|optsflag|timeoutjump|copyleft|positivetotal|minmaxcopy|reportsince|countcopy|countrecords|sizerecords|globalrecords|recordsin|recordsio|stepcount|syncpad|countpad|padcount|tracecopy|framecopy|xformall|jobcopy|jobcopylocal|jobcopyarg|jobtail|jobheap|jobhead|statsreport|topsignal|sigcheck|tracehelper|twoflags|topflags|ddsignals|midflag|midreport|ddcopy|warnonce|shortnote|gzipwrite|intwriteall ORIG CLUSTERED WORKDIR" >&2
	exit 2
fi
program=$1
orig=$2
clustered=$3
work=$4
for bin in "$orig" "$clustered"; do
	if [ ! -x "$bin" ]; then
		echo "differ: '$bin' is not an executable file: build it first" >&2
		exit 2
	fi
done
case $program in
copy | copysig | copycount | copycountsig | rotate | relay | copyhelpers | copylto | stamp | copyfortify | writeall | writeallsig | copyxform | copyxformsig | flags | intblock | gnucat | records | bookkeep | bookkeepsig | whilecount | unchecked | pipecopy | eintrcat | heapcat | fullblocks | pcopy | globalcount | fullcat | intcopy | pcopyfor | stevens | eintrall | zfill | offsetall | atomicall | bbcat | pcopyat | headcount | headcountsig | chunkcopy | mergedall | mergedfull | mergedeintr | mergedcount | mergedretry | mergedtop | mergedtotal | readfull | readfullcount | ddrecords | pcopydo | halves | localbuf | flagcopy | copyn | copyupto | copytwo | errnokept | teelike | warncount | retrycount | progresscopy | statcount | periodcopy | periodcopysig | logreopen | mapcount | failcleanup | reportbytes | intwrite | catfiles | topflag | ddbs | switchretry | pcopyint | teeboth | pipeat | narrowtotal | gapflag | optsflag | timeoutjump | copyleft | positivetotal | minmaxcopy | reportsince | countcopy | countrecords | sizerecords | globalrecords | recordsin | recordsio | stepcount | syncpad | countpad | padcount | tracecopy | framecopy | xformall | jobcopy | jobcopylocal | jobcopyarg | jobtail | jobheap | jobhead | statsreport | topsignal | sigcheck | tracehelper | twoflags | topflags | ddsignals | midflag | midreport | ddcopy | warnonce | shortnote | gzipwrite | intwriteall) ;;
*)
	echo "differ: unknown program '$program' (copy, copysig, copycount, copycountsig, rotate, relay, copyhelpers, copylto, stamp, copyfortify, writeall, writeallsig, copyxform, copyxformsig, flags, intblock, gnucat, records, bookkeep, bookkeepsig, whilecount, unchecked, pipecopy, eintrcat, heapcat, fullblocks, pcopy, globalcount, fullcat, intcopy, pcopyfor, stevens, eintrall, zfill, offsetall, atomicall, bbcat, pcopyat, headcount, headcountsig, chunkcopy, mergedall, mergedfull, mergedeintr, mergedcount, mergedretry, mergedtop, mergedtotal, readfull, readfullcount, ddrecords, pcopydo, halves, localbuf, flagcopy, copyn, copyupto, copytwo, errnokept, teelike, warncount, retrycount, progresscopy, tracecopy, framecopy, xformall, jobcopy, jobcopylocal, jobcopyarg, jobtail, jobheap, jobhead, statsreport, topsignal, sigcheck, tracehelper, twoflags, topflags, ddsignals, midflag, midreport, ddcopy, warnonce, shortnote, gzipwrite or intwriteall)" >&2
	exit 2
	;;
esac

rm -rf "$work"
mkdir -p "$work/inputs" || exit 2
# An unprivileged user must be able to reach the run directories (see the eacces cases).
chmod 755 "$work"
inputs=$(cd "$work/inputs" && pwd)

passed=0
failed=0
skipped=0
failed_names=""

# Inputs shared by both builds of a case: random contents, generated once per run.
for size in 0 1 4095 4096 4097 2097152; do
	head -c "$size" /dev/urandom >"$inputs/f$size"
done
printf 'fresh log\n' >"$inputs/conf"
printf 'old archive line\n' >"$inputs/archive"
head -c 600 /dev/urandom | od -An -c | head -c 600 >"$inputs/conf-large"

# Drops to the nobody user for the eacces cases, when this system can: util-linux's setpriv
# on the host, busybox's su (environment kept) in the guest.
as_nobody=""
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	as_nobody=setpriv
elif su -p -s /bin/sh nobody -c true 2>/dev/null; then
	as_nobody=su
fi

# mount_tmpfs DIR SIZE [ro]: a tiny tmpfs at DIR (recorded for unmounting). 77 when not permitted.
mount_tmpfs() {
	mkdir -p "$1"
	if ! mount -t tmpfs -o "size=$2" e2e "$1" 2>"$1.err"; then
		skip_reason="mount -t tmpfs not permitted here: $(cat "$1.err")"
		return 77
	fi
	rm -f "$1.err"
	echo "$PWD/$1" >>"$mounts"
	if [ "${3:-}" = ro ]; then
		# Prepared content first (the setup may have put files there), then read-only.
		if [ -n "${ro_file:-}" ]; then
			cp "$ro_file" "$1/" || return 1
		fi
		mount -o remount,ro "$1" || return 1
	fi
	return 0
}

# A program's forked child may still hold a file of the mount open for a moment after the
# program exits: try again, then detach it lazily (it goes once the child is gone).
unmount_all() {
	if [ -s "$mounts" ]; then
		while read -r m; do
			umount "$m" 2>/dev/null || { sleep 1; umount "$m" 2>/dev/null; } ||
				umount -l "$m" 2>/dev/null
		done <"$mounts"
	fi
	: >"$mounts"
}

# tree DIR: one line per entry (type, size for files, mode, name), sorted.
tree() {
	(cd "$1" && find . -mindepth 1 ! -name prog | sort | while read -r f; do
		if [ -f "$f" ]; then
			stat -c 'file %s %a %n' "$f"
		else
			stat -c '%F %a %n' "$f"
		fi
	done)
}

# run_side SIDE BINARY: sets up the case in $work/$name/SIDE/run and runs BINARY there.
run_side() {
	side_dir="$work/$name/$1"
	mkdir -p "$side_dir/run"
	chmod 755 "$work/$name" "$side_dir" "$side_dir/run"
	cp "$2" "$side_dir/run/prog"
	shift 2
	mounts="$side_dir/mounts"
	: >"$mounts"
	skip_reason=""
	(cd "$side_dir/run" && $setup)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -eq 77 ]; then
			return 77
		fi
		echo "setup '$setup' failed ($rc)" >"$side_dir/setup-error"
		return 1
	fi
	# The outer subshell waits for the program: its report of a fatal signal is not ours.
	(
		(
			cd "$side_dir/run" || exit 125
			if [ -n "$opt_limit" ]; then
				ulimit -f "$opt_limit" || exit 125
			fi
			if [ "$opt_xfsz_ignored" = 1 ]; then
				trap '' XFSZ
			fi
			case $runner in
			setpriv) set -- setpriv --reuid=65534 --regid=65534 --clear-groups ./prog "$@" ;;
			su) set -- su -p -s /bin/sh nobody -c 'exec "$0" "$@"' ./prog "$@" ;;
			*) set -- ./prog "$@" ;;
			esac
			if [ "$opt_closed_stdout" = 1 ]; then
				exec "$@" <"$inputs/f1" >&- 2>"$side_dir/stderr"
			else
				exec "$@" <"$inputs/f1" >"$side_dir/stdout" 2>"$side_dir/stderr"
			fi
		)
		echo $? >"$side_dir/status"
	) 2>/dev/null
	[ -f "$side_dir/stdout" ] || : >"$side_dir/stdout"
	tree "$side_dir/run" >"$side_dir/tree"
	return 0
}

# check NAME SETUP EXPECTED-STATUS [-c] [-l BLOCKS] [-x] [-u] [-e CHECK] -- ARGS...
#   -c  stdout closed (>&-)         -l  ulimit -f BLOCKS      -x  SIGXFSZ ignored (EFBIG)
#   -u  run as the nobody user      -e  CHECK: a command run in the original's run dir
#                                       after the run, which must succeed
check() {
	name=$1
	setup=$2
	expected=$3
	shift 3
	opt_closed_stdout=0
	opt_limit=""
	opt_xfsz_ignored=0
	opt_nobody=0
	opt_expect=""
	while [ $# -gt 0 ]; do
		case $1 in
		-c) opt_closed_stdout=1 ;;
		-l)
			opt_limit=$2
			shift
			;;
		-x) opt_xfsz_ignored=1 ;;
		-u) opt_nobody=1 ;;
		-e)
			opt_expect=$2
			shift
			;;
		--)
			shift
			break
			;;
		*)
			echo "differ: bad case option '$1' in case $name" >&2
			exit 2
			;;
		esac
		shift
	done
	runner=""
	if [ "$opt_nobody" = 1 ]; then
		if [ -z "$as_nobody" ]; then
			echo "skip $program/$name: no way to drop to an unprivileged user here (setpriv --reuid, su)"
			skipped=$((skipped + 1))
			return
		fi
		runner=$as_nobody
	fi

	problems=""
	for side in orig clustered; do
		if [ $side = orig ]; then bin=$orig; else bin=$clustered; fi
		run_side $side "$bin" "$@"
		rc=$?
		if [ "$rc" -eq 77 ]; then
			unmount_all
			echo "skip $program/$name: $skip_reason"
			skipped=$((skipped + 1))
			return
		elif [ "$rc" -ne 0 ]; then
			problems="$problems $side:setup"
		fi
	done

	o="$work/$name/orig"
	c="$work/$name/clustered"
	if [ -z "$problems" ]; then
		for what in status stdout stderr tree; do
			if ! cmp -s "$o/$what" "$c/$what"; then
				problems="$problems $what"
			fi
		done
		# Contents of every file both runs left behind.
		while read -r line; do
			case $line in
			file*)
				f=${line##* }
				if ! cmp -s "$o/run/$f" "$c/run/$f" 2>/dev/null; then
					problems="$problems content:$f"
				fi
				;;
			esac
		done <"$o/tree"
		got=$(cat "$o/status")
		if [ "$got" != "$expected" ]; then
			problems="$problems expected-status($expected,got-$got)"
		fi
		if [ -n "$opt_expect" ] && ! (cd "$o/run" && eval "$opt_expect") >/dev/null 2>&1; then
			problems="$problems expectation($opt_expect)"
		fi
	fi
	# Unmount both sides' tmpfs (their contents were compared above).
	for side in orig clustered; do
		mounts="$work/$name/$side/mounts"
		unmount_all
	done

	if [ -z "$problems" ]; then
		echo "ok   $program/$name (status $(cat "$o/status"))"
		passed=$((passed + 1))
	else
		echo "FAIL $program/$name:$problems"
		for what in status stdout stderr tree; do
			if [ -f "$o/$what" ] && [ -f "$c/$what" ] && ! cmp -s "$o/$what" "$c/$what"; then
				echo "  --- original $what / +++ clustered $what"
				diff "$o/$what" "$c/$what" 2>&1 | head -n 20 | sed 's/^/  /'
			fi
		done
		[ -f "$o/setup-error" ] && sed 's/^/  original: /' "$o/setup-error"
		[ -f "$c/setup-error" ] && sed 's/^/  clustered: /' "$c/setup-error"
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		# A harness check that only asks whether a broken build is caught stops here.
		if [ "${DIFFER_STOP_AT_FAIL:-0}" = 1 ]; then
			finish
		fi
	fi
}

# Setups (run in the case's run directory).
none() { :; }
for size in 0 1 4095 4096 4097 2097152; do
	eval "in_$size() { cp \"\$inputs/f$size\" in; }"
	eval "log_$size() { cp \"\$inputs/conf\" conf && cp \"\$inputs/f$size\" log && cp \"\$inputs/archive\" archive; }"
done
in_dir() { mkdir in; }
in_1048577() { head -c 1048577 "$inputs/f2097152" >in; }
in_524888() { head -c 524888 "$inputs/f2097152" >in; }
in_1246291() { head -c 1246291 "$inputs/f2097152" >in; }
# in_fifo: IN is a named pipe that a writer fills with f4097, then after 0.3 s with f4097
# again, so that a read blocks in between (a program under signals without SA_RESTART sees
# EINTR there); expect holds what the program must copy.
in_fifo() {
	cat "$inputs/f4097" "$inputs/f4097" >expect && mkfifo in || return 1
	(cat "$inputs/f4097" && sleep 0.3 && cat "$inputs/f4097") >in &
}
# in_fifo_held: IN is a named pipe whose writer holds it open before the program starts
# and writes f4097 twice after 0.3 s, so that a non-blocking read finds it empty; expect
# holds what the program must copy.
# in_fifo_pieces: IN is a named pipe whose writer brings the first 30000 bytes of f2097152
# in pieces of 3000 bytes, 20 ms apart, so that reads of a larger block come back short;
# expect holds what the program must copy.
in_fifo_pieces() {
	head -c 30000 "$inputs/f2097152" >expect && mkfifo in || return 1
	(
		i=0
		while [ $i -lt 10 ]; do
			dd if=expect bs=3000 skip=$i count=1 status=none
			sleep 0.02
			i=$((i + 1))
		done
	) >in &
}
in_fifo_held() {
	cat "$inputs/f4097" "$inputs/f4097" >expect && mkfifo in || return 1
	(exec 3<>in && : >held && sleep 0.3 && cat "$inputs/f4097" "$inputs/f4097" >&3) &
	i=0
	while [ ! -e held ] && [ $i -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	rm -f held
}
out_dir() { cp "$inputs/f4097" in && mkdir out; }
out_ro() { cp "$inputs/f4097" in && mount_tmpfs ro 64k ro; }
out_eacces() { cp "$inputs/f4097" in && mkdir locked && chmod 555 locked; }
out_full() { cp "$inputs/f2097152" in && mount_tmpfs full 64k; }
log_missing_conf() { cp "$inputs/f4097" log; }
log_conf_dir() { mkdir conf && cp "$inputs/f4097" log; }
log_conf_large() { cp "$inputs/conf-large" conf && cp "$inputs/f4097" log; }
log_log_dir() { cp "$inputs/conf" conf && mkdir log; }
log_archive_dir() { log_4097 && rm archive && mkdir archive; }
log_archive_ro() { log_4097 && mount_tmpfs ro 64k ro; }
log_archive_eacces() { log_4097 && mkdir locked && chmod 555 locked; }
log_archive_full() { log_2097152 && mount_tmpfs full 64k; }
log_archive_big() { log_4097 && cp "$inputs/f2097152" archive; }
log_log_ro() {
	cp "$inputs/conf" conf && cp "$inputs/archive" archive && cp "$inputs/f4097" log &&
		ro_file=$PWD/log mount_tmpfs ro 64k ro
}

# The copy of IN to OUT at each input size, with the expectation EXPR.
size_cases() {
	for size in 0 1 4095 4096 4097 2097152; do
		check "size-$size" "in_$size" 0 -e "$1" -- in out
	done
}

# The arguments and the opens of a program of copy's: none given, a missing input, an input
# that is a directory (its read fails: status ${1:-1}), outputs that cannot be created.
open_cases() {
	check usage none 2 --
	check missing-input none 1 -- nope out
	check input-is-directory in_dir "${1:-1}" -- in out
	check output-is-directory out_dir 1 -- in out
	check output-read-only-fs out_ro 1 -- in ro/out
	check output-eacces out_eacces 1 -u -- in locked/out
}

# copy_cases [SAME [WHOLE]]: copy's inputs and failures. SAME is the shell test that a
# finished OUT is right (default: a copy of IN); WHOLE a file-size limit in blocks of 512 bytes
# at which a write begins (default 8, after two writes of 4096 bytes).
copy_cases() {
	local same=${1:-cmp in out} whole=${2:-8}
	size_cases "$same"
	open_cases
	check output-dev-full in_4097 1 -- in /dev/full
	check output-full-tmpfs out_full 1 -e "test -s full/out" -- in full/out
	# ulimit -f counts blocks of 512 (POSIX sh) or 1024 bytes (bash): 8 blocks is a whole
	# number of 4096-byte writes, 5 blocks is not (a short write first).
	check fsize-efbig in_2097152 1 -l "$whole" -x -e "test -s out" -- in out
	check fsize-short-write in_2097152 1 -l 5 -x -e "test -s out" -- in out
	check fsize-sigxfsz in_2097152 153 -l "$whole" -- in out
	check closed-stdout in_4097 0 -c -e "$same" -- in out
	check closed-stdout-missing-input none 1 -c -- nope out
}

copysig_cases() { copy_cases; }
copycount_cases() { copy_cases; }
copycountsig_cases() { copy_cases; }
globalcount_cases() { copy_cases; }
statcount_cases() { copy_cases; }
periodcopy_cases() { copy_cases; }
# reportbytes: copy's cases (the sizes cross its 64 KiB reports, the failures leave after
# some of them).
reportbytes_cases() { copy_cases; }
# intwrite: copy's cases (a short write, ENOSPC midway and the file-size limit stop at the
# write, whose count of the read the loop computes again).
intwrite_cases() { copy_cases; }
# gzipwrite: copy's cases (the file-size limit that is not a whole number of its 16 KiB
# buffers makes a short write, after which write_buf goes round with what is left and meets
# EFBIG; ENOSPC on /dev/full and midway on a full file system).
gzipwrite_cases() { copy_cases; }
# intwriteall: gzipwrite's cases, the write-all loop on `int` counts.
intwriteall_cases() { copy_cases; }
# catfiles: copy's cases, and several inputs: one file twice (the second copy after the
# first stopped at its end), a missing one between two (reported, the others copied, status
# 1), a directory between two, and a file-size limit met in the second.
# in_fifo_stall: IN is a named pipe whose writer brings three blocks of 4096 bytes, then holds
# it open for 3 s, so that a read waits past a timeout of 1 s; expect holds what was brought.
in_fifo_stall() {
	head -c 12288 "$inputs/f2097152" >expect && mkfifo in || return 1
	(cat expect && sleep 3) >in &
}
# timeoutjump: copy's cases, and a read that waits past the timeout: the handler's
# siglongjmp back to main, which reports the counts (status 3, OUT holding what came).
timeoutjump_cases() {
	copy_cases
	check timeout in_fifo_stall 3 -e "cmp expect out" -- in out 1
}
# in_sysfs_short: IN is a sysfs attribute, whose size says a page (4096 bytes) while it
# holds one line: a copy by its size meets the end early (skipped where there is none).
in_sysfs_short() {
	f=/sys/kernel/mm/transparent_hugepage/enabled
	if [ ! -r "$f" ]; then
		skip_reason="no $f here"
		return 77
	fi
	cat "$f" >expect && ln -s "$f" in
}
# copyleft: copy's cases, an input whose size overstates it (a sysfs attribute: the read of 0
# before the size, reported) and a FIFO (size 0: nothing copied).
copyleft_cases() {
	copy_cases
	check shrank in_sysfs_short 0 -e "cmp expect out" -- in out
	check fifo-size-0 in_fifo 0 -e "test ! -s out" -- in out
}
# positivetotal: copy's cases (a full device, the file-size limit and a short write leave
# the loop going on past failed writes, each clipped at 0 in the count).
positivetotal_cases() { copy_cases; }
# countcopy: copy's cases (a count of 1000 blocks, more than any input has), and counts of
# 0, -1 (nothing copied), 1 and 3 blocks of the 2 MiB input, 512 (all of it, the count
# spent as the input ends) and 513.
countcopy_cases() {
	copy_cases
	check count-0 in_2097152 0 -e "test ! -s out" -- in out 0
	check count-negative in_2097152 0 -e "test ! -s out" -- in out -1
	check count-1 in_2097152 0 -e "head -c 4096 in | cmp - out" -- in out 1
	check count-3 in_2097152 0 -e "head -c 12288 in | cmp - out" -- in out 3
	check count-512 in_2097152 0 -e "cmp in out" -- in out 512
	check count-513 in_2097152 0 -e "cmp in out" -- in out 513
}
# countrecords: countcopy's cases (full records, and a partial one at the end of most
# inputs), and a pipe whose pieces are shorter than a block (every record partial: each
# stops a batch at the read, the original code counts it).
countrecords_cases() {
	countcopy_cases
	check fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out
}
# globalrecords: countrecords' cases (the counters reported on every way out).
globalrecords_cases() { countrecords_cases; }
# recordsin: copy's cases (the records reported on every way out), counts of 0, 1 and 3
# blocks of the 2 MiB input, 512 (all of it) and 513, and a pipe whose pieces are shorter
# than a block (every record partial: each stops a batch at the read).
recordsin_cases() {
	copy_cases
	check count-0 in_2097152 0 -e "test ! -s out" -- in out 0
	check count-1 in_2097152 0 -e "head -c 4096 in | cmp - out" -- in out 1
	check count-3 in_2097152 0 -e "head -c 12288 in | cmp - out" -- in out 3
	check count-512 in_2097152 0 -e "cmp in out" -- in out 512
	check count-513 in_2097152 0 -e "cmp in out" -- in out 513
	check fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out
}
# recordsio: countcopy's cases (an `int` count), and a pipe whose pieces are shorter than a
# block (every record partial).
recordsio_cases() { countrecords_cases; }
# stepcount: copy's cases (a limit of 3000, more than any input needs), and limits of 0 and
# -1 (nothing copied), 1 and 3 (one block), 4 (two), 1536 (all 512 blocks of the 2 MiB
# input, the counter reaching the limit as the input ends) and 1537.
stepcount_cases() {
	copy_cases
	check limit-0 in_2097152 0 -e "test ! -s out" -- in out 0
	check limit-negative in_2097152 0 -e "test ! -s out" -- in out -1
	check limit-1 in_2097152 0 -e "head -c 4096 in | cmp - out" -- in out 1
	check limit-3 in_2097152 0 -e "head -c 4096 in | cmp - out" -- in out 3
	check limit-4 in_2097152 0 -e "head -c 8192 in | cmp - out" -- in out 4
	check limit-1536 in_2097152 0 -e "cmp in out" -- in out 1536
	check limit-1537 in_2097152 0 -e "cmp in out" -- in out 1537
}
# syncpad: copy's cases (no padding), counts of 0, 1 and 513 blocks, a pipe whose pieces are
# shorter than a block, and with `sync`: inputs whose last block is short (padded to a whole
# one), the 2 MiB input (no short block), the pipe of short pieces (every block padded), a
# full device and the file-size limit met by a padded block.
syncpad_cases() {
	copy_cases
	check count-0 in_2097152 0 -e "test ! -s out" -- in out 0
	check count-1 in_2097152 0 -e "head -c 4096 in | cmp - out" -- in out 1
	check count-513 in_2097152 0 -e "cmp in out" -- in out 513
	check fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out
	for size in 1 4095 4097; do
		check "sync-size-$size" "in_$size" 0 -e "test \$((\$(wc -c <out) % 4096)) -eq 0" -- in out 1000 sync
	done
	check sync-2097152 in_2097152 0 -e "cmp in out" -- in out 1000 sync
	check sync-fifo-pieces in_fifo_pieces 0 -e "test \$((\$(wc -c <out) % 4096)) -eq 0" -- in out 1000 sync
	check sync-dev-full in_4097 1 -- in /dev/full 1000 sync
	check sync-fsize-efbig in_4097 1 -l 8 -x -e "test -s out" -- in out 1000 sync
	check sync-fsize-sigxfsz in_4097 153 -l 8 -- in out 1000 sync
}
# countpad: syncpad's cases (a negative count copies to the end, the first open's failure
# still opens OUT, as the opens are tested together), and a negative COUNT with `sync`.
countpad_cases() {
	syncpad_cases
	check count-negative in_2097152 0 -e "cmp in out" -- in out -1
	check sync-count-negative in_4097 0 -e "test \$(wc -c <out) -eq 8192" -- in out -1 sync
}
# padcount: copy's cases, counts of 0, 1, 513 and -1 blocks, a pipe whose pieces are shorter
# than a block, and with `sync`: inputs whose last block is short, the pipe of short pieces, a
# full device, and file-size limits met by the padded block (at its start: EFBIG or SIGXFSZ;
# within it: a short write).
padcount_cases() {
	copy_cases
	check count-0 in_2097152 0 -e "test ! -s out" -- in out 0
	check count-1 in_2097152 0 -e "head -c 4096 in | cmp - out" -- in out 1
	check count-513 in_2097152 0 -e "cmp in out" -- in out 513
	check count-negative in_2097152 0 -e "cmp in out" -- in out -1
	check fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out
	for size in 1 4095 4097; do
		check "sync-size-$size" "in_$size" 0 -e "test \$((\$(wc -c <out) % 4096)) -eq 0" -- in out 1000 sync
	done
	check sync-fifo-pieces in_fifo_pieces 0 -e "test \$((\$(wc -c <out) % 4096)) -eq 0" -- in out -1 sync
	check sync-dev-full in_4097 1 -- in /dev/full 1000 sync
	check sync-fsize-efbig in_4097 1 -l 8 -x -e "test -s out" -- in out 1000 sync
	check sync-fsize-sigxfsz in_4097 153 -l 8 -- in out 1000 sync
	check sync-fsize-short-write in_4097 1 -l 12 -x -e "test -s out" -- in out 1000 sync
}
# sizerecords: copy's cases (all of IN), and sizes of 0 and -1 (nothing copied), 1, 4096 and
# 4097 bytes (one and two blocks), 1000000 (245 blocks) and the whole 2 MiB input, and a pipe
# whose pieces are shorter than a block (every record partial).
sizerecords_cases() {
	copy_cases
	check size-0 in_2097152 0 -e "test ! -s out" -- in out 0
	check size-negative in_2097152 0 -e "test ! -s out" -- in out -1
	check size-1 in_2097152 0 -e "head -c 4096 in | cmp - out" -- in out 1
	check size-4096 in_2097152 0 -e "head -c 4096 in | cmp - out" -- in out 4096
	check size-4097 in_2097152 0 -e "head -c 8192 in | cmp - out" -- in out 4097
	check size-1000000 in_2097152 0 -e "head -c 1003520 in | cmp - out" -- in out 1000000
	check size-2097152 in_2097152 0 -e "cmp in out" -- in out 2097152
	check fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out
}
# reportsince: copy's cases (the sizes cross its 64 KiB reports, the failures leave after
# some of them).
reportsince_cases() { copy_cases; }
# minmaxcopy: copy's cases (the sizes end in a short block, or none), and a pipe whose pieces
# are shorter than a block (every block short: the original code reads them).
minmaxcopy_cases() {
	copy_cases
	check fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out
}
# gapflag: topflag's cases (with -v each block is reported between its read and its
# write, by the original loop).
gapflag_cases() { topflag_cases; }
# tracecopy: topflag's cases (with -v, the original loop; without, the unswitched copy).
tracecopy_cases() { topflag_cases; }
# warnonce: copy's cases (without -w, the versioned loop in which the flag is clear), and
# with -w the copy of it: a file whose last block is short (the one warning there), a pipe
# whose pieces are shorter than a block (the warning at the first), and a full device.
warnonce_cases() {
	copy_cases
	check warn in_1048577 0 -e "cmp in out" -- in out -w
	check warn-fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out -w
	check warn-dev-full in_4097 1 -- in /dev/full -w
}
# shortnote: copy's cases (4096-byte blocks), and other block sizes: 0 (nothing copied: the
# original loop, the batch's length check failing), 1, 3000 (a short last block) and 100
# into a full device, and a pipe of short pieces (each noted short, the first reported).
shortnote_cases() {
	copy_cases
	check bs-zero in_4097 0 -e "test ! -s out" -- in out 0
	check bs-one in_4097 0 -e "cmp in out" -- in out 1
	check bs-3000 in_1048577 0 -e "cmp in out" -- in out 3000
	check bs-dev-full in_4097 1 -- in /dev/full 100
	check fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out
}
# framecopy: copy's cases; a finished OUT holds each 4096-byte block of IN after a 4-byte header.
framecopy_cases() { copy_cases 'test "$(wc -c <out)" -eq "$(($(wc -c <in) + 4 * (($(wc -c <in) + 4095) / 4096)))"'; }
# optsflag: topflag's cases (its option loaded through a pointer in every iteration).
optsflag_cases() { topflag_cases; }
# topflag: copy's cases, and with -v (the original loop, each block reported), into a file
# and into /dev/full.
topflag_cases() {
	copy_cases
	check verbose in_1048577 0 -e "cmp in out" -- in out -v
	check verbose-dev-full in_4097 1 -- in /dev/full -v
}
catfiles_cases() {
	copy_cases
	check two-inputs in_1048577 0 -e "cat in in | cmp - out" -- in in out
	check missing-between in_4097 1 -e "cat in in | cmp - out" -- in nope in out
	check directory-between in_4097 1 -e "cat in in | cmp - out" -- in . in out
	check fsize-second-input in_4097 1 -l 12 -x -e "test -s out" -- in in out
}
periodcopysig_cases() { copy_cases; }
mapcount_cases() { copy_cases; }
fullcat_cases() { copy_cases; }
mergedall_cases() { copy_cases; }
mergedfull_cases() { copy_cases; }
mergedeintr_cases() { copy_cases; }
mergedcount_cases() { copy_cases; }
mergedretry_cases() { copy_cases; }
mergedtop_cases() { copy_cases; }
mergedtotal_cases() { copy_cases; }
# readfull: copy's cases; a pipe whose pieces are shorter than a block (each block filled by
# several reads, in the clustered build after the batch stopped at a short read), and one
# with a pause in which a read blocks (a read interrupted there would be retried).
readfull_cases() {
	copy_cases
	check fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out
	check fifo-pause in_fifo 0 -e "cmp expect out" -- in out
}
readfullcount_cases() { readfull_cases; }
ddrecords_cases() { readfull_cases; }
# ddbs: ddrecords' cases, and other record sizes: 1000 bytes (a partial record last), 1 byte,
# 65536 bytes from a FIFO fed in pieces (partial records in), and sizes it refuses.
ddbs_cases() {
	readfull_cases
	check bs-1000 in_1048577 0 -e "cmp in out" -- in out 1000
	check bs-1 in_4097 0 -e "cmp in out" -- in out 1
	check bs-65536-fifo-pieces in_fifo_pieces 0 -e "cmp expect out" -- in out 65536
	check bs-0 in_4097 2 -- in out 0
	check bs-too-big in_4097 2 -- in out 2000000
}
intcopy_cases() { copy_cases; }
whilecount_cases() { copy_cases; }
warncount_cases() { copy_cases; }
fullblocks_cases() { copy_cases; }
pipecopy_cases() { copy_cases; }
# pcopy: copy's cases, an input that cannot pread (a FIFO: ESPIPE at the first call) and an
# output that takes every pwrite and keeps nothing (/dev/null).
pcopy_cases() {
	copy_cases
	check input-fifo-espipe in_fifo 1 -- in out
	check output-dev-null in_2097152 0 -- in /dev/null
}
pcopyfor_cases() { pcopy_cases; }
pcopydo_cases() { pcopy_cases; }
pcopyint_cases() { pcopy_cases; }
# teeboth: copy's cases (OUT.copy, written beside OUT, compared as every file left is).
teeboth_cases() { copy_cases; }
# pipeat: gnucat's cases (copy's, and a FIFO read under the timer: reads retried).
pipeat_cases() { gnucat_cases; }
# narrowtotal: copy's cases.
narrowtotal_cases() { copy_cases; }
halves_cases() { copy_cases; }
# teelike: copy's inputs and failures, standard output holding what OUT holds (all of IN, or
# up to the block at which OUT failed), and a closed standard output: the report, OUT whole
# up to the first block, status 1.
teelike_cases() {
	size_cases "cmp in out && cmp in ../stdout"
	open_cases
	check output-dev-full in_4097 1 -e "grep -q '^write /dev/full: No space left on device' ../stderr && test \$(wc -c <../stdout) = 4096" -- in /dev/full
	check output-full-tmpfs out_full 1 -e "test -s full/out" -- in full/out
	check fsize-efbig in_2097152 1 -l 8 -x -e "test -s out && grep -q '^write out: File too large' ../stderr" -- in out
	check fsize-short-write in_2097152 1 -l 5 -x -e "test -s out && grep -q '^write out: [0-9]* of 4096 bytes' ../stderr" -- in out
	check fsize-sigxfsz in_2097152 153 -l 8 -- in out
	check closed-stdout in_4097 1 -c -e "test \$(wc -c <out) = 4096 && grep -q '^write standard output: Bad file descriptor' ../stderr" -- in out
	check closed-stdout-missing-input none 1 -c -- nope out
}
localbuf_cases() { copy_cases; }
# copyn: copy's cases, OUT holding IN's first 1000000 bytes (a block of 576 bytes last).
copyn_cases() { copy_cases "head -c 1000000 in | cmp - out"; }
# copyupto: copy's cases, OUT holding IN's first 245 blocks of 4096 bytes (the first total of
# at least 1000000).
copyupto_cases() { copy_cases "head -c 1003520 in | cmp - out"; }
# copytwo: copy's cases, OUT holding IN's first 240 blocks of 4096 bytes (the block count
# ends the loop before the total reaches 1000000).
copytwo_cases() { copy_cases "head -c 983040 in | cmp - out"; }
# errnokept: copy's cases, and a pipe that pauses 0.3 s while a SIGALRM handler (SA_RESTART)
# sets errno to EBADF: the program reports EBADF after the loop (the stderr of both builds
# compared, and the original's checked).
errnokept_cases() {
	copy_cases
	check fifo-handler-errno in_fifo 0 -e "cmp expect out && grep -q 'errno 9 (Bad file descriptor), handler ran' ../stderr" -- in out
}
# flagcopy: copy's inputs and outputs; SIGXFSZ is caught and the write unchecked, so a write
# past the file-size limit (whole or after a short write) sets the flag and the loop ends at
# its test (status 3, the same blocks and input offset); a read error or a full device ends
# or does not end the loop as the original does (status 0).
flagcopy_cases() {
	size_cases "cmp in out"
	open_cases 0
	check output-dev-full in_4097 0 -- in /dev/full
	check output-full-tmpfs out_full 0 -e "test -s full/out" -- in full/out
	check fsize-efbig in_2097152 3 -l 8 -x -e "test -s out" -- in out
	check fsize-short-write in_2097152 3 -l 5 -e "test -s out" -- in out
	check fsize-sigxfsz in_2097152 3 -l 8 -- in out
	check closed-stdout in_4097 0 -c -e "cmp in out" -- in out
	check closed-stdout-missing-input none 1 -c -- nope out
}
# headcount: copy's cases, OUT holding at most IN's first 384 blocks of 4096 bytes; an
# input the second loop reads to its end (the first stopped by its count), and a file-size
# limit the second loop reaches (a whole block, then a short write).
headcount_cases() {
	copy_cases "head -c 1572864 in | cmp - out"
	check size-1048577 in_1048577 0 -e "cmp in out" -- in out
	check fsize-efbig-second-loop in_2097152 1 -l 1600 -x -e "test -s out" -- in out
	check fsize-short-write-second-loop in_2097152 1 -l 1601 -x -e "test -s out" -- in out
}
headcountsig_cases() { headcount_cases; }
# chunkcopy: copy's cases, OUT holding IN's first 1536 KiB; an input whose end the sendfile
# loop reads, one whose end the body loop reads (500 bytes of its 64 KiB), one that ends
# inside a block the exact loop's read must fill (an error, OUT without that block),
# file-size limits that the first loop's last, shorter chunk (run in the original code), the
# sendfile loop, the exact loop and the int loop reach, and /dev/null as the output.
chunkcopy_cases() {
	copy_cases "head -c 1572864 in | cmp - out"
	check size-1048577 in_1048577 0 -e "cmp in out" -- in out
	check short-body in_524888 0 -e "cmp in out" -- in out
	check fsize-first-loop-last-chunk in_2097152 1 -l 1024 -x -e "test -s out" -- in out
	check fsize-sendfile-loop in_2097152 1 -l 2000 -x -e "test -s out" -- in out
	check short-exact-read in_1246291 1 -e "head -c 1245291 in | cmp - out" -- in out
	check fsize-exact-loop in_2097152 1 -l 2700 -x -e "test -s out" -- in out
	check fsize-int-loop in_2097152 1 -l 3020 -x -e "test -s out" -- in out
	check output-dev-null in_2097152 0 -- in /dev/null
}
# pcopyat: copy's cases, OUT holding IN past its first 100 bytes; an input that cannot seek
# (a FIFO: ESPIPE at the lseek) and an output that takes every pwrite and keeps nothing.
pcopyat_cases() {
	copy_cases "tail -c +101 in | cmp - out"
	check input-fifo-espipe in_fifo 1 -- in out
	check output-dev-null in_2097152 0 -- in /dev/null
}
# unchecked: copy's inputs and failures; a failed write does not stop the copy (status 0,
# the errno it left on stderr), a failed read or open does.
unchecked_cases() {
	size_cases "cmp in out"
	check usage none 2 --
	check missing-input none 1 -- nope out
	check input-is-directory in_dir 1 -- in out
	check output-is-directory out_dir 1 -- in out
	check output-eacces out_eacces 1 -u -- in locked/out
	check output-dev-full in_4097 0 -- in /dev/full
	check output-full-tmpfs out_full 0 -e "test -s full/out" -- in full/out
	check fsize-efbig in_2097152 0 -l 8 -x -e "test -s out" -- in out
	check fsize-short-write in_2097152 0 -l 5 -x -e "test -s out" -- in out
	check fsize-sigxfsz in_2097152 153 -l 8 -- in out
	check closed-stdout in_4097 0 -c -e "cmp in out" -- in out
}
writeall_cases() { copy_cases; }
writeallsig_cases() { copy_cases; }
offsetall_cases() { copy_cases; }
atomicall_cases() { copy_cases; }
bbcat_cases() { copy_cases; }
intblock_cases() { copy_cases; }
stevens_cases() { copy_cases; }
eintrall_cases() { copy_cases; }
# zfill: copy's cases; the -x work (each byte XORed); and an input that is a FIFO whose
# writer is there but has not written yet, which zfill opens non-blocking: its first read
# fails with EAGAIN, read_buffer makes it blocking and reads again (in the clustered build
# after the batch stopped at the read).
zfill_cases() {
	copy_cases
	check encode in_2097152 0 -e "test -s out" -- -x in out
	check fifo-eagain in_fifo_held 0 -e "cmp expect out" -- in out
}
# gnucat: copy's cases, and a read that blocks on a pipe while SIGALRM arrives (its EINTR is
# retried by safe_read, in the clustered build after the batch stopped at the read).
gnucat_cases() {
	copy_cases
	check fifo-eintr in_fifo 0 -e "cmp expect out" -- in out
}
eintrcat_cases() { gnucat_cases; }
# switchretry: a copy on an int count that retries interrupted reads by `continue` and
# finishes short writes in a write-all loop, under signals: gnucat's cases.
switchretry_cases() { gnucat_cases; }
retrycount_cases() { gnucat_cases; }

# in_fifo_usr1: IN is a named pipe whose writer brings 8192 bytes of f2097152, waits until
# the program has written them to OUT and a second more (it waits in its next read), sends
# it SIGUSR1, and a second later brings the next 4097 bytes; expect holds what the program must copy. The program finds the
# flag set after its third block: it reports 12288 bytes. in_fifo_term: the same with
# SIGTERM.
in_fifo_usr1() { in_fifo_signal USR1; }
in_fifo_term() { in_fifo_signal TERM; }
in_fifo_signal() {
	head -c 12289 "$inputs/f2097152" >expect && mkfifo in || return 1
	(
		head -c 8192 expect
		i=0
		while [ "$(stat -c %s out 2>/dev/null || echo 0)" -lt 8192 ] && [ $i -lt 1000 ]; do
			sleep 0.01
			i=$((i + 1))
		done
		sleep 1
		for p in /proc/[0-9]*; do
			if [ "$(readlink "$p/exe" 2>/dev/null)" = "$PWD/prog" ] &&
				[ "$(readlink "$p/cwd" 2>/dev/null)" = "$PWD" ]; then
				kill -"$1" "${p#/proc/}"
			fi
		done
		sleep 1
		# (A program the signal ended has gone with its directory: nothing more to feed.)
		tail -c 4097 expect 2>/dev/null
	) >in &
}

# logreopen: copy's cases, and a SIGUSR1 while the program waits in a read of a pipe, after
# its first 8192 bytes: those stay in OUT, the rest goes to OUT.1 (the handler's new log).
logreopen_cases() {
	copy_cases
	check sigusr1-reopen in_fifo_usr1 0 -e "head -c 8192 expect | cmp - out && tail -c 4097 expect | cmp - out.1" -- in out
}

# failcleanup: copy's cases, and a SIGUSR1 while the program waits in a read of a pipe, after
# its first 8192 bytes: the handler deletes OUT, says so on stderr and exits with status 3.
failcleanup_cases() {
	copy_cases
	check sigusr1-cleanup in_fifo_usr1 3 -e "test ! -e out" -- in out
}

# progresscopy: copy's inputs and failures, quiet and with a line per block (PROGRESS), and a
# SIGUSR1 during the copy, both ways.
progresscopy_cases() {
	copy_cases
	check sigusr1-report in_fifo_usr1 0 -e "cmp expect out" -- in out
	PROGRESS=1
	export PROGRESS
	size_cases "cmp in out"
	check progress-output-dev-full in_4097 1 -- in /dev/full
	check progress-sigusr1-report in_fifo_usr1 0 -e "cmp expect out" -- in out
	unset PROGRESS
}
# statsreport: copy's inputs and failures (a short write is reported and the copy goes on to
# the next write's error), and a SIGUSR1 during the copy: the report's counts at that point.
statsreport_cases() {
	copy_cases
	check sigusr1-report in_fifo_usr1 0 -e "cmp expect out" -- in out
}
# topsignal: copy's inputs and failures, and a SIGUSR1 during the copy, reported before the
# next read.
topsignal_cases() { statsreport_cases; }
# twoflags: copy's inputs and failures, a SIGUSR1 during the copy, reported after the block
# that follows it, and a SIGTERM, after which that block (12288 bytes in all) ends the copy
# with status 3.
twoflags_cases() {
	statsreport_cases
	check sigterm-stop in_fifo_term 3 -e "head -c 12288 expect | cmp - out" -- in out
}
# ddsignals: copy's inputs and failures, a SIGUSR1 during the copy (statistics), and a SIGINT,
# after which the block that follows it ends the copy (12288 bytes), the output closed and
# the program killed by SIGINT again.
in_fifo_int() { in_fifo_signal INT; }
ddsignals_cases() {
	statsreport_cases
	check sigint-die in_fifo_int 130 -e "head -c 12288 expect | cmp - out" -- in out
}
# midflag: copy's inputs and failures, a SIGUSR1 during the copy, reported after the block
# that follows it, and a SIGTERM, after which the block that follows it is read but not
# written (8192 bytes in all) and the copy ends with status 3.
midflag_cases() {
	statsreport_cases
	check sigterm-between in_fifo_term 3 -e "head -c 8192 expect | cmp - out" -- in out
}
# midreport: copy's inputs and failures, and a SIGUSR1 during the copy, reported between the
# read of the block that follows it and that block's write.
midreport_cases() { statsreport_cases; }
# ddcopy: copy's inputs and failures, a SIGUSR1 during the copy (the read it interrupts is
# retried after the statistics), and a SIGINT, which interrupts the read after 8192 bytes:
# the output closed, the statistics printed, and the program killed by SIGINT again.
ddcopy_cases() {
	statsreport_cases
	check sigint-die in_fifo_int 130 -e "head -c 8192 expect | cmp - out" -- in out
}
# topflags: topsignal's cases, and a SIGHUP during the copy, reported the same way.
in_fifo_hup() { in_fifo_signal HUP; }
topflags_cases() {
	statsreport_cases
	check sighup-report in_fifo_hup 0 -e "cmp expect out" -- in out
}
# sigcheck: copy's inputs and failures, and a SIGUSR1 during the copy, reported by the helper
# before the next read.
sigcheck_cases() { statsreport_cases; }
# tracehelper: copy's inputs and failures, quiet and with a line per block (TRACE).
tracehelper_cases() {
	copy_cases
	TRACE=1
	export TRACE
	size_cases "cmp in out"
	check trace-output-dev-full in_4097 1 -- in /dev/full
	unset TRACE
}
heapcat_cases() { gnucat_cases; }

# copy.c's loop through helpers (copyhelpers.c, copylto.c: the same program), and the
# helpers' trace on standard error.
copyhelpers_cases() {
	copy_cases
	COPYIO_TRACE=1
	export COPYIO_TRACE
	check trace-size-4097 in_4097 0 -e "cmp in out" -- in out
	check trace-output-dev-full in_4097 1 -- in /dev/full
	unset COPYIO_TRACE
}
copylto_cases() { copyhelpers_cases; }
copyfortify_cases() { copy_cases; }

# copyxform: copy's inputs and failures; the output is the input with the case of its ASCII
# letters swapped.
copyxform_cases() { copy_cases "LC_ALL=C tr 'a-zA-Z' 'A-Za-z' <in | cmp - out"; }
copyxformsig_cases() { copyxform_cases; }
xformall_cases() { copyxform_cases; }

# jobcopy: copy's cases (the bytes and blocks it reports on stdout compared with the rest).
jobcopy_cases() { copy_cases; }

# jobcopylocal: jobcopy's cases.
jobcopylocal_cases() { copy_cases; }

# jobcopyarg: jobcopy's cases.
jobcopyarg_cases() { copy_cases; }

# jobtail: jobcopy's cases.
jobtail_cases() { copy_cases; }

# jobheap: jobcopy's cases.
jobheap_cases() { copy_cases; }

# jobhead: copy's cases, OUT holding IN's first 1000000 bytes (copyn's).
jobhead_cases() { copy_cases "head -c 1000000 in | cmp - out"; }

# records: copy's inputs and failures; the output is each 512-byte block of the input after
# the header "#\n" (0x23 0x0a), the last block shorter. Checked byte by byte as od prints
# them: the headers where they belong, and what is left the input.
bytes() { od -An -v -tx1 "$1" | tr -s ' ' '\n' | grep -v '^$'; }
records_same() {
	s=$(wc -c <in)
	test "$(wc -c <out)" -eq $((s + (s + 511) / 512 * 2)) || return 1
	bytes out | awk '{ k = (NR - 1) % 514 }
		k == 0 && $1 != "23" || k == 1 && $1 != "0a" { bad = 1; exit }
		k >= 2 { print }
		END { exit bad }' >../out.records || return 1
	bytes in | cmp -s - ../out.records
}
records_cases() {
	copy_cases records_same
}

# stamp: copy's inputs and failures; the output is the header line and then the input, and the
# header's 8 bytes come before the first block (a size limit cuts a block short, unless it is 0).
stamp_cases() {
	stamped="printf '# stamp\\n' | cat - in | cmp - out"
	size_cases "$stamped"
	check usage none 2 --
	check missing-input none 1 -- nope out
	check input-is-directory in_dir 1 -e "test -s out" -- in out
	check output-is-directory out_dir 1 -- in out
	check output-read-only-fs out_ro 1 -- in ro/out
	check output-eacces out_eacces 1 -u -- in locked/out
	check output-dev-full in_4097 1 -- in /dev/full
	check output-full-tmpfs out_full 1 -e "test -s full/out" -- in full/out
	check fsize-efbig in_2097152 1 -l 0 -x -- in out
	check fsize-short-write in_2097152 1 -l 8 -x -e "test -s out" -- in out
	check fsize-sigxfsz in_2097152 153 -l 0 -- in out
	check closed-stdout in_4097 0 -c -e "$stamped" -- in out
	check closed-stdout-missing-input none 1 -c -- nope out
}

rotate_cases() {
	for size in 0 1 4095 4096 4097 2097152; do
		check "size-$size" "log_$size" 0 -e "cmp conf log && test -s archive" -- conf log archive
	done
	check usage none 2 -- conf
	check missing-conf log_missing_conf 1 -- conf log archive
	check conf-is-directory log_conf_dir 1 -- conf log archive
	check conf-too-large log_conf_large 2 -- conf log archive
	check missing-log log_4097 1 -- conf nope archive
	check log-is-directory log_log_dir 1 -- conf log archive
	check log-read-only-fs log_log_ro 1 -e "test -s archive" -- conf ro/log archive
	check archive-is-directory log_archive_dir 1 -- conf log archive
	check archive-read-only-fs log_archive_ro 1 -- conf log ro/archive
	check archive-eacces log_archive_eacces 1 -u -- conf log locked/archive
	check archive-dev-full log_4097 1 -- conf log /dev/full
	check archive-full-tmpfs log_archive_full 1 -e "test -s full/archive" -- conf log full/archive
	# The archive is already past the limit: the header write fails (EFBIG or SIGXFSZ).
	check fsize-efbig log_archive_big 1 -l 8 -x -- conf log archive
	check fsize-sigxfsz log_archive_big 153 -l 8 -- conf log archive
	# The archive reaches the limit in the middle of a block: a short write.
	check fsize-short-write log_2097152 1 -l 5 -x -- conf log archive
	check closed-stdout log_4097 1 -c -e "cmp conf log" -- conf log archive
}

# relay takes copy's arguments and fails where copy fails, and has a socket to lose.
relay_cases() {
	copy_cases
	# -p: the server end is closed before the relay (send: EPIPE; with an empty input the
	# recv after the client's shutdown gets EBADF); -b: the client end is (send: EBADF).
	check peer-closed in_4097 1 -e "test -f out && test ! -s out" -- -p in out
	check peer-closed-empty in_0 1 -- -p in out
	check bad-descriptor in_4097 1 -e "test -f out && test ! -s out" -- -b in out
}

# bookkeep: copy's inputs and failures (its writes begin at 512 + 4096 k: 9 blocks is one), and
# the books it prints at the end (its totals, errno 0 from its last errno = 0) and on a failed
# write (errno as the write left it after the program's errno = 0: a short write says 0).
bookkeep_cases() {
	copy_cases "cmp in out" 9
	for size in 0 4097 2097152; do
		check "books-$size" "in_$size" 0 -e "cmp in out && grep -q ' bytes_in $size bytes_out $size .* errno 0$' ../stdout" -- in out
	done
	check books-dev-full in_4097 1 -e "grep -q '^write: No space left on device (errno 28)' ../stderr" -- in /dev/full
	check books-short-write in_2097152 1 -l 5 -x -e "grep -q '^write: Success (errno 0)' ../stderr" -- in out
}
bookkeepsig_cases() { bookkeep_cases; }

# flags prints every descriptor's flags; each failing step has its own case: ENOENT (no
# input), EISDIR (output), EMFILE at each descriptor in turn (RLIMIT_NOFILE), EBADF (accept on
# a closed listener, dup2 from a closed descriptor, dup2 onto a descriptor over the limit), and
# EMFILE at the pipe.
# dup2 onto itself runs in every case.
flags_cases() {
	for size in 0 4097 2097152; do
		check "size-$size" "in_$size" 0 -e "cmp in out && grep -q 'dup2 onto itself: fd 8, F_GETFD 1' ../stdout && grep -q 'pipe read end: fd [0-9]*, F_GETFD 1, F_GETFL 0$' ../stdout && grep -q 'pipe write end: fd [0-9]*, F_GETFD 1, F_GETFL 1$' ../stdout" -- in out
	done
	check usage none 2 --
	check missing-input none 1 -e "grep -q 'in: No such file' ../stdout" -- nope out
	check output-is-directory out_dir 1 -- in out
	check output-dev-full in_4097 1 -e "grep -q 'write: No space left' ../stdout" -- in /dev/full
	# The io_uring backend's ring and the kmod backend's device are descriptors of their own:
	# under a descriptor limit the clustered program runs out of descriptors one call earlier
	# (docs/runtime.md, "Semantics, and where backends differ").
	case ${MULTICALL_BACKEND:-} in
	io_uring | kmod)
		echo "skip $program/emfile-3..8, dup2-over-limit, pipe-emfile: the $MULTICALL_BACKEND backend's descriptor takes a slot"
		skipped=$((skipped + 8))
		;;
	*)
		for n in 3 4 5 6 7 8; do
			check "emfile-$n" in_4097 1 -e "grep -q 'Too many open files' ../stdout" -- -m "$n" in out
		done
		check dup2-over-limit in_4097 1 -e "grep -q 'dup2: Bad file descriptor' ../stdout" -- -m 9 in out
		# The program holds descriptors 0-9: under a limit of 11, pipe finds at most one free
		# descriptor for its two and fails with EMFILE.
		check pipe-emfile in_4097 1 -e "grep -q 'pipe: Too many open files' ../stdout" -- -m 11 in out
		;;
	esac
	check ebadf in_4097 1 -e "grep -q 'accept: Bad file descriptor' ../stdout" -- -b in out
	check closed-stdout in_4097 1 -c -e "cmp in out" -- in out
}

# finish: the summary and the exit status, after the last case (or the first failed one under
# DIFFER_STOP_AT_FAIL=1).
finish() {
	echo "differ: $program (MULTICALL_BACKEND=${MULTICALL_BACKEND:-auto}): $passed passed, $failed failed, $skipped skipped"
	if [ "$failed" -gt 0 ]; then
		echo "differ: failed cases:$failed_names (compare the runs under $work)" >&2
		exit 1
	fi
	if [ "$passed" -eq 0 ]; then
		echo "differ: no case ran" >&2
		exit 1
	fi
	[ "${DIFFER_KEEP:-0}" = 1 ] || rm -rf "$work"
	exit 0
}

"${program}_cases"
finish
