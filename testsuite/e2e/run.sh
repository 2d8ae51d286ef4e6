#!/usr/bin/env bash
# Differential end-to-end test of the syscall-cluster pass: for each test program (copy.c,
# the paper's copy program, rotate.c, a log rotator with several clusters and error paths,
# copysig.c, copy.c with signals arriving during its looped copy, copycount.c, a copy loop
# that counts its blocks and totals its bytes, one looped multi-call that carries them,
# copycountsig.c, copycount.c with copysig.c's signals, relay.c, a copy through a Unix
# socket with recv/send, accept -> fcntl and a closed peer, copyhelpers.c, copy.c's loop
# through my_read/my_write helpers of the same file that the pass inlines, and copylto.c,
# the same with the helpers in another file, built with link-time optimisation through
# `syscluster build --lto`, stamp.c, a copy under a header whose cluster needs code motion of
# loads, copyfortify.c, copy.c built with -D_FORTIFY_SOURCE=2 as distributions build,
# writeall.c, a copy through a pipe with a write-all and two read-until-full loops whose
# arguments advance by their results, writeallsig.c, the same with copysig.c's signals, and
# copyxform.c, copy.c with work between read and write whose loop the pass rotates, and
# copyxformsig.c, the same with copysig.c's signals, gnucat.c, coreutils cat's copy loop
# over gnulib-style safe_read and full_write in another file (gnucatio.c), built with --lto,
# whose read -> write clusters only once the write's loops are peeled, and
# flags.c, descriptors made by a call and fcntl(F_SETFD/F_SETFL), which the pass merges, and
# intblock.c, a copy through a pipe with lzip's block loops: int counts, errno = 0 and a
# retry on EINTR under a signal handler without SA_RESTART, records.c, a record writer
# whose loop code motion makes one multi-call per record and unrolling one per 8 records,
# and bookkeep.c, a request-like start and a copy loop that keep counters, totals and
# errno = 0 in globals between their calls, which straight multi-calls take with those stores
# in their gaps, bookkeepsig.c, the same with copysig.c's signals, whilecount.c, a
# `while ((n = read(...)) > 0)` copy loop with a counter and a total, which clang rotates and
# the pass moves back to start at the read, unchecked.c, the same loop with an unchecked
# write, whose failures set errno and do not stop it, pipecopy.c, a copy through a pipe of
# its own whose descriptors the pass loads before the loop, eintrcat.c, a copy loop that
# tests the end of the input and a read error one after the other and retries a read EINTR
# interrupted, with a block counter, one looped multi-call whose stops resume it, and
# heapcat.c, gnucat.c over a heap buffer that full_write reads after a short write, the
# runtime's in-kernel copy refilling it there, and fullblocks.c, a loop that leaves after the
# write of a short block, whose read stops on a short transfer, and globalcount.c, a copy
# loop whose descriptors, buffer, block counter and totals are file-scope variables, kept in
# registers across its looped multi-call, statcount.c, the same bookkeeping in a struct of
# main's that the copy helper updates through a pointer, kept in registers too,
# periodcopy.c, a copy that reports every 100 blocks, each looped batch bounded to the next
# report, periodcopysig.c, the same with copysig.c's signals, logreopen.c, a copy to a log
# whose descriptor a signal handler replaces while a read waits, mapcount.c, a copy that
# keeps its count in a file it reads through a MAP_SHARED mapping, failcleanup.c, a copy
# whose signal handler deletes the output and exits, reportbytes.c, a copy that reports
# every 64 KiB copied, each looped batch bounded to the next report, intwrite.c, the
# copy loop with int counts, the read's used after the write, catfiles.c, a cat of several
# files whose copy helper, with its buffer and a write-all loop, is inlined into the loop
# over them, ddbs.c, ddrecords.c with the record size an option, topflag.c, a copy whose loop begins with a test of an option set before it,
# gapflag.c, a copy that tests an option set before its loop between the read and the write,
# optsflag.c, gapflag.c with the option loaded through a pointer in every iteration,
# tracecopy.c, gapflag.c with its write made by a write-all helper (the loop unswitched on
# the option), warnonce.c, a copy that warns once about a partial read when asked (the loop
# versioned on the flag it only clears), shortnote.c, a copy in blocks of a size given at run
# time that notes a short read before its test of the end (the read's stop holding for a
# positive size, which the batch checks), gzipwrite.c, gzip's write_buf on its `unsigned`
# count clamped to INT_MAX (the loop versioned on the count and its widened argument
# advanced: one looped multi-call), intwriteall.c, the same with a write-all loop on `int`
# counts,
# framecopy.c, a copy that writes each block after a header, both through Stevens' writen,
# xformall.c, copyxform.c with its work inline and its write made by a write-all helper
# (write -> next read one multi-call),
# jobcopy.c, a copy whose descriptors, buffer and counters are fields of one file-scope struct
# (the counters before the buffer kept in registers: one looped multi-call),
# jobcopylocal.c, jobcopy.c with the struct a local variable of main (the input descriptor's
# reload carried in a phi is the stored descriptor: one looped multi-call),
# jobcopyarg.c, jobcopylocal.c with the copy loop a function main gives a pointer to its struct
# (the descriptors' loads through the pointer leave the loop: one looped multi-call),
# jobheap.c, jobcopyarg.c with the struct allocated by calloc and freed after the copy (the
# counters behind the pointer kept in registers, the descriptors' loads leave the loop: one
# looped multi-call),
# jobtail.c, a copy whose books lie after the buffer in main's local struct, with int counts
# (the write's length, the read's count tested positive, reads only the buffer: one looped
# multi-call, its buffer dead after it),
# jobhead.c, a head -c copy through a static job whose counters follow its buffer (the read's
# clamped count bounds what it touches: one looped multi-call, its buffer dead after it),
# timeoutjump.c, a copy under alarm() whose handler siglongjmps back to main, which reports
# the counts the copy loop keeps in file-scope variables,
# countcopy.c, a copy of at most COUNT blocks (dd's count=, `count-- > 0 && read(..)`),
# countrecords.c, countcopy.c counting full and partial records as dd does,
# sizerecords.c, a copy of at least SIZE bytes counting full and partial records,
# globalrecords.c, countrecords.c with the records counters in file-scope variables,
# recordsin.c, dd's read loop in its order (the end of input, then the input records counted
# before the write, in file-scope variables), recordsio.c, busybox dd's loop (an `int` count
# tested at the top of the loop, records in and out in a static struct),
# stepcount.c, a copy whose loop counter goes up by 3 to a limit,
# syncpad.c, dd's read loop with conv=sync (a short block padded before the write),
# countpad.c, syncpad.c with an `int` count (`while (count--)`) and its opens tested together,
# padcount.c, countpad.c whose write's test ends the loop (two back edges joined, then rotated),
# reportsince.c, a copy that reports each 64 KiB copied since its last report,
# minmaxcopy.c, a copy that reports its smallest, largest and last block,
# positivetotal.c, a copy whose unchecked write adds to a count only when it wrote some,
# copyleft.c, a copy of the bytes its input's size says are left, each looped batch bounded
# by them, narrowtotal.c, a copy with a write-all loop whose total of long counts is unsigned,
# pipeat.c, a copy from a file or a pipe with pwrite at an offset that advances, whose read
# is retried by `continue` under signals, teeboth.c, a tee to two files whose writes are tested together after the second,
# pcopyint.c, pcopy.c on an int count that a switch tests, whose offset advances by the
# count's sign extension, switchretry.c, a copy on an int count that switches on it, retries interrupted reads by
# `continue` and finishes short writes in a write-all loop of its own, under signals,
# fullcat.c, a cat over safe_read and full_write
# helpers of its own file, intcopy.c, the copy loop with an int count, pcopyfor.c, pcopy.c
# as a `for (;;)` loop that tests the read's result twice, stevens.c, a copy through a
# pipe with Stevens' readn and writen under signals without SA_RESTART, eintrall.c, the
# same with helpers that retry an interrupted call by `continue`, zfill.c, a filter in
# gzip's manner over zfillio.c, gzip's fill_inbuf and read_buffer, built with --lto, and
# offsetall.c, writeall.c's copy with loops that keep what is done as an offset and a
# write-all loop that tests the result against the count first, and atomicall.c, the same
# copy through OpenSSH's atomicio and busybox's full_read, whose EINTR retries clang threads
# back to their calls, and bbcat.c, a cat over busybox's safe_read and full_write, whose
# write-all loop sits inside the copy loop, and pcopyat.c, a positioned copy past a header
# with offsets of its own that tests the write's result for an error, then for a short
# write, and headcount.c, a copy of at most a count of blocks in two loops bounded by
# counters, one counting up, one down, and headcountsig.c, the same under signals, and
# chunkcopy.c, a copy of a known length in five loops whose counts are clamped to a block
# size: read -> write, a body read in chunks into one buffer, sendfile, read -> write of
# blocks the read must fill, and read -> write on an int count, and mergedall.c, copy.c's
# loop over a write-all helper of its own file, whose loop clang merges with the copy loop
# (one header for both), one looped multi-call once the read's way round it is copied, and
# mergedfull.c, the same with gnulib's full_write (a write of nothing is ENOSPC), whose
# merged loop clang rotates, the write in the shared header, and mergedeintr.c, a copy into a
# pipe under signals without SA_RESTART whose write-all helper retries EINTR, clang keeping
# its loop inside the copy loop, and mergedcount.c, mergedall.c counting its blocks and
# bytes, one looped multi-call that carries both counts, and mergedretry.c, a copy whose
# read and write-all helper retry EINTR, the read's copy before the rotated loop merged
# back, and mergedtop.c, the same as a for (;;) loop that retries its read at the top, and
# mergedtotal.c, a write-all helper that retries EINTR, fails on a write of nothing and keeps
# a file-scope total, one looped multi-call that carries the total, and readfull.c, a copy
# in whole blocks filled by a read-until-full helper that clang merges into the copy loop,
# one looped multi-call whose read stops on anything but a whole block, and readfullcount.c,
# the same counting its blocks, the helper's loop kept nested by clang, and ddrecords.c, a
# copy in dd's manner counting full and partial records, one looped multi-call whose stops
# resume the loop and that carries the counts its stronger stops decide, and pcopydo.c, a
# positioned copy as a do-while loop whose pwrite is tested for an error and then against
# its length, one looped multi-call whose offset advances by pwrite's result, and halves.c,
# a copy that writes each block in two halves, each write tested by one condition that
# combines an error test with a test of its length, the second write and the next read one
# multi-call, and localbuf.c, the copy loop with its buffer declared in the loop's body, whose
# lifetime markers the pass removes, and flagcopy.c, a copy loop that tests a flag a signal
# handler sets after its unchecked write, one looped multi-call that reads the flag after
# each iteration, and copyn.c, a copy of a known length whose reads ask for min(LIMIT - got,
# N), one looped multi-call, copytwo.c, a copy bounded by a block count and a total tested
# together, errnokept.c, a copy loop whose input pipe pauses while a handler writes errno,
# and copyupto.c, a copy that stops once its total reaches a quota,
# one looped multi-call bounded by the distance to it, and teelike.c, a copy into a file and
# standard output whose report of a failed write joins the common code again before the
# next write, read -> write -> write one multi-call once the quiet way past it is copied, and
# warncount.c, a copy that ends on a failed write and reports and counts a short one, whose
# loop's start moves to the read, one looped multi-call carrying the count, and retrycount.c,
# a copy under signals that retries each call in a do-while of its own, switches on the
# read's result and counts reads, writes and bytes, one looped multi-call carrying them, and
# progresscopy.c, a copy that reports a line per block when a flag set before the loop says
# so and one line on SIGUSR1, unswitched on the flag, the copy without the reports one looped
# multi-call that watches the SIGUSR1 flag, and statsreport.c, whose file-scope counters a
# report helper reads on that flag, kept in registers around the helper's calls, and
# topsignal.c, whose loop begins with a test of that flag, moved past it to the read, and
# sigcheck.c, whose loop begins with a call of a recursive helper that returns at once
# unless that flag is set, its test made before the call, and tracehelper.c, which traces
# through a helper with variable arguments on an option, unswitched once its test is made
# before the call, and twoflags.c, which tests two signals' flags after each block, both
# watched by its looped multi-call, and topflags.c, which tests two flags at its top, both
# moved past the read and watched, and ddsignals.c, which checks them through GNU dd's
# process_signals, both its tests made before its call, and midflag.c, which tests a flag
# between each read and its write, read by its looped multi-call after the read, and
# midreport.c, whose flag between the read and the write guards a report that comes back to
# the write, and ddcopy.c, GNU dd's loop: iread's EINTR retry, iwrite's write-all loop that
# tests dd's two flags before each write, and the records counters) it
#
#   1. builds the original: clang-19 -O2 -g SRC $(pkg-config --cflags --libs multicall)
#   2. records a profile of the original on a training input: syscluster record -o P.json
#   3. builds the clustered program from the same source with the same flags plus
#      -fpass-plugin=libsyscluster_pass.so -mllvm -syscluster-profile=P.json, with the IR
#      verifier on, and counts the clusters formed (-Rpass=syscall-cluster)
#   4. checks the clustered build really calls the runtime: `multicall` is referenced, and
#      under strace -k the program's system calls come from inside multicall (direct backend)
#   5. counts kernel crossings of each build (perf stat -e raw_syscalls:sys_enter)
#   6. runs both builds on the same inputs (differ.sh: files of 0, 1, 4095, 4096, 4097 bytes
#      and 2 MiB, missing and unreadable inputs, unwritable outputs, /dev/full, a full tmpfs,
#      file-size limits, a closed stdout) with MULTICALL_BACKEND=direct and =io_uring
#      (E2E_BACKENDS), and compares stdout, stderr, exit status and every file left behind
#   7. does the same inside a qemu guest with multicall.ko loaded (MULTICALL_BACKEND=kmod,
#      then the automatic choice with in-kernel copies for a sample of copy loops), through
#      scripts/qemu-run.sh; skipped with a message when SYSCLUSTER_QEMU=0.
#
#   testsuite/e2e/run.sh                 # everything (from the repository root or anywhere)
#   testsuite/e2e/run.sh --program copy  # one program (repeat --program for more)
#   testsuite/e2e/run.sh --self-test     # the harness against known-broken builds only
#   testsuite/e2e/run.sh --stand-in      # the original build stands in for the clustered
#                                        # one: checks the harness, never the pass (FAILs)
#
# Every piece is a parameter (environment variable, default in brackets):
#   CLANG [clang-19]  OPT [opt-19]  SYSCLUSTER_PLUGIN [$T/release/libsyscluster_pass.so]
#   SYSCLUSTER [$T/release/syscluster]  PKG_CONFIG_PATH [$T/release prepended]
#   SYSCLUSTER_QEMU_RUN [scripts/qemu-run.sh]  SYSCLUSTER_QEMU [1]  E2E_WORK [$T/e2e]
#   E2E_BACKENDS [direct io_uring]: the backends of the host runs (auto, the default choice,
#   is the direct backend on a host without the module, where a program makes the calls of
#   the batches the runtime would not specialise itself: every program whose build reads
#   multicall_batches_pay is compared with auto as well; the guest runs auto with the module)
#   E2E_GUEST_COPIES [a sample of loop shapes]: all runs every program with a copy loop once
#   more in the guest with the runtime's in-kernel copies allowed
#   DIFFER_KEEP [0]: 1 keeps every differential run's directory (by default only a
#   comparison that failed keeps its inputs and outputs: all of them take gigabytes)
# where $T is ${CARGO_TARGET_DIR:-target} relative to the repository root. A stage whose
# prerequisite is missing FAILS and says what to build; nothing missing ever passes.
set -uo pipefail

. "$(dirname "$0")/../../scripts/lib.sh" || exit 2
here=$root/testsuite/e2e
cd "$root" || exit 2

CLANG=${CLANG:-clang-19}
OPT=${OPT:-opt-19}
SYSCLUSTER_PLUGIN=${SYSCLUSTER_PLUGIN:-$target/release/libsyscluster_pass.so}
SYSCLUSTER=${SYSCLUSTER:-$target/release/syscluster}
SYSCLUSTER_QEMU_RUN=${SYSCLUSTER_QEMU_RUN:-$root/scripts/qemu-run.sh}
SYSCLUSTER_QEMU=${SYSCLUSTER_QEMU:-1}
E2E_WORK=${E2E_WORK:-$target/e2e}
E2E_BACKENDS=${E2E_BACKENDS:-direct io_uring}
export PKG_CONFIG_PATH="$target/release${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

programs=(copy rotate copysig copycount copycountsig relay copyhelpers copylto stamp copyfortify writeall writeallsig copyxform copyxformsig flags intblock gnucat records bookkeep bookkeepsig whilecount unchecked pipecopy eintrcat heapcat fullblocks pcopy globalcount fullcat intcopy pcopyfor stevens eintrall zfill offsetall atomicall bbcat pcopyat headcount headcountsig chunkcopy mergedall mergedfull mergedeintr mergedcount mergedretry mergedtop mergedtotal readfull readfullcount ddrecords pcopydo halves localbuf flagcopy copyn copyupto copytwo errnokept teelike warncount retrycount progresscopy statcount periodcopy periodcopysig logreopen mapcount failcleanup reportbytes intwrite catfiles topflag ddbs switchretry pcopyint teeboth pipeat narrowtotal gapflag optsflag timeoutjump copyleft positivetotal minmaxcopy reportsince countcopy countrecords sizerecords globalrecords recordsin recordsio stepcount syncpad countpad padcount tracecopy framecopy xformall jobcopy jobcopylocal jobcopyarg jobtail jobheap jobhead statsreport topsignal sigcheck tracehelper twoflags topflags ddsignals midflag midreport ddcopy warnonce shortnote gzipwrite intwriteall)
mode=full
picked=0
for ((i = 1; i <= $#; i++)); do
	arg=${!i}
	case $arg in
	--program)
		i=$((i + 1))
		# Repeatable: the first one replaces the list of every program.
		[ "$picked" = 1 ] || programs=()
		picked=1
		programs+=("${!i:-}")
		;;
	--self-test) mode=self-test ;;
	--stand-in) mode=stand-in ;;
	--no-qemu) SYSCLUSTER_QEMU=0 ;;
	-h | --help)
		sed -n '2,33p' "$0"
		exit 0
		;;
	*)
		echo "e2e: unknown option '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done
for p in "${programs[@]}"; do
	if [ ! -f "$root/testsuite/programs/$p.c" ]; then
		echo "e2e: no test program testsuite/programs/$p.c" >&2
		exit 2
	fi
done

note() { echo "     $*"; }

if ! command -v "$CLANG" >/dev/null; then
	echo "e2e: $CLANG not found: run scripts/setup.sh" >&2
	exit 1
fi
mkdir -p "$E2E_WORK"

# Flags every build of a test program gets (original and clustered alike).
cflags=(-O2 -g -Wall)
# sources PROGRAM: its source files (copylto links copyio.c as a translation unit of its own,
# gnucat gnucatio.c).
sources() {
	echo "$root/testsuite/programs/$1.c"
	case $1 in
	copylto) echo "$root/testsuite/programs/copyio.c" ;;
	gnucat | heapcat) echo "$root/testsuite/programs/gnucatio.c" ;;
	zfill) echo "$root/testsuite/programs/zfillio.c" ;;
	esac
}
# lto PROGRAM: whether it is built with link-time optimisation (both builds alike).
lto() { [ "$1" = copylto ] || [ "$1" = gnucat ] || [ "$1" = heapcat ] || [ "$1" = zfill ]; }
lto_flags=(-flto -fuse-ld=lld)

# train PROGRAM DIR: prepares a training input in DIR and prints the arguments to run with.
train_args() {
	local dir=$1
	mkdir -p "$dir"
	head -c 65536 /dev/urandom >"$dir/in"
	printf 'fresh log\n' >"$dir/conf"
	cp "$dir/in" "$dir/log"
	: >"$dir/archive"
	# headcount's second loop runs only past the first's 192 blocks of 4096 bytes.
	case $2 in
	headcount | headcountsig) head -c 2097152 /dev/urandom >"$dir/in" ;;
	# chunkcopy's body and sendfile loops run only past its first 512 KiB.
	chunkcopy) head -c 2097152 /dev/urandom >"$dir/in" ;;
	esac
	case $2 in
	copy | copysig | copycount | copycountsig | relay | copyhelpers | copylto | stamp | copyfortify | writeall | writeallsig | copyxform | copyxformsig | flags | intblock | gnucat | records | bookkeep | bookkeepsig | whilecount | unchecked | pipecopy | eintrcat | heapcat | fullblocks | pcopy | globalcount | fullcat | intcopy | pcopyfor | stevens | eintrall | zfill | offsetall | atomicall | bbcat | pcopyat | headcount | headcountsig | chunkcopy | mergedall | mergedfull | mergedeintr | mergedcount | mergedretry | mergedtop | mergedtotal | readfull | readfullcount | ddrecords | pcopydo | halves | localbuf | flagcopy | copyn | copyupto | copytwo | errnokept | teelike | warncount | retrycount | progresscopy | statcount | periodcopy | periodcopysig | logreopen | mapcount | failcleanup | reportbytes | intwrite | catfiles | topflag | ddbs | switchretry | pcopyint | teeboth | pipeat | narrowtotal | gapflag | optsflag | timeoutjump | copyleft | positivetotal | minmaxcopy | reportsince | countcopy | countrecords | sizerecords | globalrecords | recordsin | recordsio | stepcount | syncpad | countpad | padcount | tracecopy | framecopy | xformall | jobcopy | jobcopylocal | jobcopyarg | jobtail | jobheap | jobhead | statsreport | topsignal | sigcheck | tracehelper | twoflags | topflags | ddsignals | midflag | midreport | ddcopy | warnonce | shortnote | gzipwrite | intwriteall) echo "in out" ;;
	rotate) echo "conf log archive" ;;
	esac
}

# ---------------------------------------------------------------------------------------
# Self-test: the differential runner must tell a correct build from known-broken ones.
# ---------------------------------------------------------------------------------------
self_test() {
	local w=$E2E_WORK/self-test p m out mutants rc first
	mkdir -p "$w"
	for p in "${programs[@]}"; do
		local srcs=() extra=()
		mapfile -t srcs < <(sources "$p")
		lto "$p" && extra=("${lto_flags[@]}")
		if ! "$CLANG" "${cflags[@]}" "${extra[@]}" "${srcs[@]}" -o "$w/$p"; then
			fail "self-test: $CLANG could not build testsuite/programs/$p.c"
			continue
		fi
		# Two identical builds must agree. A full run compares every program's original with
		# its clustered build on the host, which asks the same of the harness; there it is
		# not asked twice.
		if [ "$mode" = self-test ]; then
			if out=$(sh "$here/differ.sh" "$p" "$w/$p" "$w/$p" "$w/same-$p" 2>&1); then
				note "self-test $p: identical builds agree ($(tail -n 1 <<<"$out"))"
			else
				fail "self-test $p: identical builds were reported different"
				grep -v '^ok' <<<"$out" | head -n 20
			fi
		fi
		# The fd mutant shows only where the program writes to stdout after opening files.
		# The stale mutant writes a whole block after a short read of the same count, which
		# writeall, offsetall, atomicall, gzipwrite and intwriteall never make (their writes follow reads of other counts or the end of file),
		# and flags, intblock, stevens, eintrall, records and framecopy (whose first write after its read is a header) make
		# none either, nor does zfill (its writes follow the fill's last read, of 0 bytes at the end),
		# nor readfull and readfullcount (a write follows a block filled by several reads when one
		# comes short), nor halves (its writes are half a block each), nor mapcount (the write
		# after its read is the log's dots);
		# none either; flags has the dup3 mutant instead, a merged dup2 without its guard.
		local mutants=(errno)
		[ "${p#writeall}" = "$p" ] && [ "$p" != flags ] && [ "$p" != intblock ] && [ "$p" != stevens ] && [ "$p" != eintrall ] && [ "$p" != records ] && [ "$p" != framecopy ] && [ "$p" != zfill ] && [ "$p" != offsetall ] && [ "$p" != atomicall ] && [ "${p#readfull}" = "$p" ] && [ "$p" != halves ] && [ "$p" != mapcount ] && [ "$p" != gzipwrite ] && [ "$p" != intwriteall ] && mutants+=(stale)
		[ "$p" = flags ] && mutants+=(dup3)
		[ "$p" = rotate ] && mutants+=(fd)
		for m in "${mutants[@]}"; do
			"$CLANG" "${cflags[@]}" "${extra[@]}" -include "$here/mutants/$m.h" "${srcs[@]}" \
				-o "$w/$p.$m" || {
				fail "self-test: could not build the $m mutant of $p"
				continue
			}
			rc=0
			out=$(DIFFER_STOP_AT_FAIL=1 sh "$here/differ.sh" "$p" "$w/$p" "$w/$p.$m" "$w/$m-$p" 2>&1) || rc=$?
			first=$(grep -m 1 '^FAIL' <<<"$out")
			if [ $rc -eq 1 ] && [ -n "$first" ]; then
				note "self-test $p: the $m mutant is caught (${first#FAIL })"
				# differ.sh keeps the runs of a comparison that failed; this one was meant to.
				[ "${DIFFER_KEEP:-0}" = 1 ] || rm -rf "$w/$m-$p"
			else
				fail "self-test $p: the $m mutant was NOT caught by differ.sh (status $rc)"
				grep -v '^ok' <<<"$out" | head -n 20
			fi
		done
	done
}

# ---------------------------------------------------------------------------------------
# Build, check and compare one program on the host.
# ---------------------------------------------------------------------------------------
# The programs host_program built and compared, for the qemu stage.
declare -A built=()
# Each built program's training arguments (train_args), for the guest's module check.
declare -A train_argv=()

host_program() {
	local p=$1 w=$E2E_WORK/$1 srcs=() extra=()
	local link=() args profile clusters
	mapfile -t srcs < <(sources "$p")
	lto "$p" && extra=("${lto_flags[@]}")
	rm -rf "$w"
	mkdir -p "$w"
	echo "== $p"

	if [ "$mode" != stand-in ]; then
		if ! pkg-config --exists multicall 2>/dev/null; then
			fail "$p: pkg-config finds no multicall.pc (PKG_CONFIG_PATH=$PKG_CONFIG_PATH): build the runtime (cargo build --release -p multicall)"
			return
		fi
		read -r -a link <<<"$(pkg-config --cflags --libs multicall)"
	fi

	# 1. the original
	if ! "$CLANG" "${cflags[@]}" "${extra[@]}" "${srcs[@]}" -o "$w/orig" "${link[@]}" 2>"$w/orig.log"; then
		fail "$p: the original does not build:"
		cat "$w/orig.log"
		return
	fi

	args=$(train_args "$w/train" "$p")
	if [ "$mode" = stand-in ]; then
		note "$p: STAND-IN: the original build stands in for the clustered one (harness check only)"
		cp "$w/orig" "$w/clustered"
	else
		# 2. the profile, from the original's own run
		if [ ! -x "$SYSCLUSTER" ]; then
			fail "$p: no profile recorder at $SYSCLUSTER: build it (cargo build --release -p syscluster-cli) or set SYSCLUSTER"
			return
		fi
		profile=$w/$p.prof.json
		# shellcheck disable=SC2086 # the training arguments are plain words
		if ! (cd "$w/train" && "$SYSCLUSTER" record -o "$profile" -- "$w/orig" $args) >"$w/record.log" 2>&1; then
			fail "$p: syscluster record failed:"
			cat "$w/record.log"
			return
		fi
		if ! python3 - "$profile" <<-'EOF'; then
			import json, sys
			p = json.load(open(sys.argv[1]))
			edges = p.get("edges", [])
			print(f"     profile: {len(p.get('nodes', []))} nodes, {len(edges)} edges, "
			      f"heaviest {max((e['weight'] for e in edges), default=0)}")
			sys.exit(0 if edges else 1)
		EOF
			fail "$p: the profile $profile has no edges"
			return
		fi

		# 3. the clustered build: same flags plus the plugin and the profile
		if [ ! -f "$SYSCLUSTER_PLUGIN" ]; then
			fail "$p: no pass plugin at $SYSCLUSTER_PLUGIN: build it (cargo build --release -p syscluster-pass) or set SYSCLUSTER_PLUGIN"
			return
		fi
		local passflags=(-fplugin="$SYSCLUSTER_PLUGIN" -fpass-plugin="$SYSCLUSTER_PLUGIN" -mllvm -syscluster-profile="$profile")
		if lto "$p"; then
			# The pass runs when the program is linked, over the whole program; lld verifies
			# the module after the LTO pipeline, and the pass its own output.
			if ! SYSCLUSTER_PLUGIN=$SYSCLUSTER_PLUGIN SYSCLUSTER_CC=$CLANG "$SYSCLUSTER" build --lto \
				-p "$profile" --log "$w/build" -- sh -c 'exec "$CC" "$@"' cc "${cflags[@]}" \
				"${srcs[@]}" -o "$w/clustered" "${link[@]}" >"$w/clustered.log" 2>&1; then
				fail "$p: the clustered build (syscluster build --lto) failed:"
				tail -n 30 "$w/clustered.log"
				return
			fi
			clusters=$(grep -c '^  clustered at ' "$w/clustered.log")
			note "$p: $clusters clusters formed at link time ($w/build/summary.txt)"
			grep -E '^  (clustered at |[0-9]+ helper calls inlined)' "$w/clustered.log" | sed 's/^/       /'
		else
			if ! "$CLANG" "${cflags[@]}" -fverify-intermediate-code "${passflags[@]}" \
				-Rpass=syscall-cluster -Rpass-missed=syscall-cluster \
				"${srcs[@]}" -o "$w/clustered" "${link[@]}" 2>"$w/clustered.log"; then
				fail "$p: the clustered build failed:"
				tail -n 30 "$w/clustered.log"
				return
			fi
			# Passed remarks: the multi-calls formed ("clustered ..."), helper calls inlined
			# ("inlined ...") and code motion ("moved ...").
			clusters=$(grep -c 'remark: clustered .*\[-Rpass=syscall-cluster\]' "$w/clustered.log")
			note "$p: $clusters clusters formed (remarks in $w/clustered.log)"
			grep 'remark: .*\[-Rpass=syscall-cluster\]' "$w/clustered.log" | sed 's/^/       /'
			# The transformed IR verifies on its own as well.
			if ! "$CLANG" "${cflags[@]}" "${passflags[@]}" -S -emit-llvm "${srcs[@]}" -o "$w/clustered.ll" 2>/dev/null ||
				! "$OPT" -passes=verify -disable-output "$w/clustered.ll" 2>"$w/verify.log"; then
				fail "$p: the clustered IR does not verify:"
				head -n 20 "$w/verify.log"
			fi
		fi
		if [ "$clusters" -eq 0 ]; then
			fail "$p: the pass formed no cluster"
		fi
		# pipecopy's loop is one looped multi-call only once its pipe's descriptors are loaded
		# before the loop.
		if [ "$p" = pipecopy ] && ! { grep -q 'remark: moved .* out of the loop' "$w/clustered.log" &&
			grep -q 'whole loop into one looped multi-call: read -> write -> read -> write' "$w/clustered.log"; }; then
			fail "$p: the loop through the pipe did not become one looped multi-call after its loads left it"
		fi
		# unchecked's loop is one looped multi-call only if its unchecked write may go round;
		# with its buffer dead, the runtime's in-kernel copy takes it too.
		if [ "$p" = unchecked ] && ! grep -q "whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0;.*; carries .*the runtime may run it as an in-kernel copy" "$w/clustered.log"; then
			fail "$p: the loop with an unchecked write is not one looped multi-call that may run as an in-kernel copy"
		fi
		# whilecount's loop, which clang rotates, is one looped multi-call only after its start
		# moved back to the read, and only if its counter and total are carried.
		if [ "$p" = whilecount ] && ! { grep -q 'remark: moved the start of the loop to .read' "$w/clustered.log" &&
			grep -q 'whole loop into one looped multi-call.*; carries ' "$w/clustered.log"; }; then
			fail "$p: the rotated copy loop did not become one looped multi-call after its start moved"
		fi
		# copycount's loop is one looped multi-call only if its counter and totals are carried.
		if [ "${p#copycount}" != "$p" ] && ! grep -q 'whole loop into one looped multi-call.*; carries ' "$w/clustered.log"; then
			fail "$p: the copy loop with its counter and totals is not one looped multi-call"
		fi
		# globalcount's loop is one looped multi-call only if its file-scope counters are kept
		# in registers across it.
		if [ "$p" = globalcount ] && ! { grep -q "remark: kept 'bytes_read' in a register across the loop" "$w/clustered.log" &&
			grep -q 'whole loop into one looped multi-call.*; carries ' "$w/clustered.log"; }; then
			fail "$p: the copy loop with file-scope counters is not one looped multi-call"
		fi
		# statcount's loop is one looped multi-call only if the fields of main's struct, which
		# the helper updates through a pointer, are kept in registers across it.
		if [ "$p" = statcount ] && ! { grep -q "remark: kept .*at byte 8.* in a register across the loop" "$w/clustered.log" &&
			grep -q 'whole loop into one looped multi-call.*; carries ' "$w/clustered.log"; }; then
			fail "$p: the copy loop with counters behind a pointer is not one looped multi-call"
		fi
		# periodcopy's loop is one looped multi-call only if its report every 100 blocks
		# bounds each batch.
		if [ "${p#periodcopy}" != "$p" ] && ! grep -q 'whole loop into one looped multi-call.*each batch runs at most the iterations until .* is a multiple of 100 again' "$w/clustered.log"; then
			fail "$p: the copy loop that reports every 100 blocks is not one looped multi-call"
		fi
		# reportbytes tests its total against a limit it moves on when it reports: one
		# looped multi-call whose batches end before the total may reach the limit.
		if [ "$p" = reportbytes ] && ! grep -q 'whole loop into one looped multi-call.*each batch runs at most the iterations until the total .* may reach' "$w/clustered.log"; then
			fail "$p: the copy loop that reports every 64 KiB is not one looped multi-call"
		fi
		# failcleanup's handler writes the output's descriptor but never returns: its load
		# rises above the read and the loop is one looped multi-call.
		if [ "$p" = failcleanup ] && ! grep -q 'failcleanup\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log"; then
			fail "$p: the copy loop whose handler deletes the output and exits is not one looped multi-call"
		fi
		# fullcat's loop over same-file safe_read and full_write is one looped multi-call only
		# once the helpers are inlined and full_write's first iteration is folded.
		if [ "$p" = fullcat ] && ! grep -q 'fullcat\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log"; then
			fail "$p: the cat loop over its own safe_read and full_write is not one looped multi-call"
		fi
		# bbcat's copy loop holds full_write's write-all loop: one looped multi-call of read ->
		# write only once the write-all loop's first iteration is peeled and the read's retry
		# goes round the copy loop.
		if [ "$p" = bbcat ] && ! grep -q 'bbcat\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log"; then
			fail "$p: the cat loop over busybox's safe_read and full_write is not one looped multi-call"
		fi
		# headcount's two loops, each bounded by a counter (one counting up in its latch,
		# one down at its top), are each one looped multi-call whose bound is the counter's.
		if [ "${p#headcount}" != "$p" ] && [ "$(grep -c 'headcount\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write .*(counter, \(up\|down\) by 1 to its bound' "$w/clustered.log")" -ne 2 ]; then
			fail "$p: the two copy loops bounded by counters are not two looped multi-calls bounded by them"
		fi
		# chunkcopy's five loops over counts clamped to a block size are each one looped
		# multi-call that passes the block size.
		if [ "$p" = chunkcopy ] && [ "$(grep -c 'chunkcopy\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: .*whose count is min(' "$w/clustered.log")" -ne 5 ]; then
			fail "$p: the five loops with clamped counts are not five looped multi-calls"
		fi
		# mergedall's, mergedfull's, mergedeintr's and mergedcount's copy loop and write-all loop share a
		# header or nest: one looped multi-call once the read's way round the copy loop's
		# header to the write is copied.
		if { [ "$p" = mergedall ] || [ "$p" = mergedfull ] || [ "$p" = mergedeintr ] || [ "$p" = mergedcount ]; } && ! { grep -q "$p\.c:[0-9]*:[0-9]*: remark: copied [0-9]* blocks on the way from 'read' at $p\.c:[0-9]*:[0-9]* round the loop's header to 'write'" "$w/clustered.log" &&
			grep -q "$p\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write" "$w/clustered.log"; }; then
			fail "$p: the copy loop merged with its write-all loop is not one looped multi-call"
		fi
		# mergedretry's copy loop (and mergedeintr's child's, the same loop over a pipe under
		# signals), whose read is retried on EINTR, begins at the read once the read's copy
		# before the loop is merged back: one looped multi-call. mergedeintr has two.
		if [ "$p" = mergedretry ] || [ "$p" = mergedeintr ]; then
			want=1
			[ "$p" = mergedeintr ] && want=2
			if ! grep -q "$p\.c:[0-9]*:[0-9]*: remark: merged the copy of the block of 'read' at $p\.c:[0-9]*:[0-9]* that the loop's way in runs into that block" "$w/clustered.log" ||
				[ "$(grep -c "$p\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write" "$w/clustered.log")" -ne "$want" ]; then
				fail "$p: the copy loop that retries its read is not one looped multi-call beginning at the read"
			fi
		fi
		# mergedtop's copy loop retries its read at the top: the write-all loop's first
		# iteration peeled (its test decided by the read's), one looped multi-call.
		if [ "$p" = mergedtop ] && ! { grep -q "mergedtop\.c:[0-9]*:[0-9]*: remark: peeled the first iteration of the loop at block" "$w/clustered.log" &&
			grep -q "mergedtop\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write" "$w/clustered.log"; }; then
			fail "$p: the copy loop that retries its read at the top is not one looped multi-call"
		fi
		# mergedtotal's write-all loop keeps a file-scope total: the read's way round copied,
		# the write's way back through its success with the retry and the zero test beside
		# it, and the looped multi-call carries the total of the writes' results.
		if [ "$p" = mergedtotal ] && ! { grep -q "mergedtotal\.c:[0-9]*:[0-9]*: remark: copied [0-9]* blocks on the way from 'read' at mergedtotal\.c:[0-9]*:[0-9]* round the loop's header to 'write'" "$w/clustered.log" &&
			grep -q "mergedtotal\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write .*carries %[0-9a-z.]* (total of write's results)" "$w/clustered.log"; }; then
			fail "$p: the copy loop whose write-all helper keeps a total is not one looped multi-call carrying it"
		fi
		# readfull's read-until-full loop shares the copy loop's header: the write's way back
		# round it copied (the count read so far 0 there), and one looped multi-call whose read
		# stops on anything but a whole block.
		if [ "$p" = readfull ] && ! { grep -q "readfull\.c:[0-9]*:[0-9]*: remark: copied [0-9]* blocks on the way from 'write' at readfull\.c:[0-9]*:[0-9]* round the loop's header to 'read'" "$w/clustered.log" &&
			grep -q "readfull\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2;" "$w/clustered.log"; }; then
			fail "$p: the copy loop over a read-until-full helper is not one looped multi-call"
		fi
		# readfullcount's helper loop stays nested in the copy loop, which counts blocks: the
		# same copy through both headers, and the looped multi-call carries the count.
		if [ "$p" = readfullcount ] && ! { grep -q "readfullcount\.c:[0-9]*:[0-9]*: remark: copied [0-9]* blocks on the way from 'write' at readfullcount\.c:[0-9]*:[0-9]* round the loop's header to 'read'" "$w/clustered.log" &&
			grep -q "readfullcount\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2;.*carries %[0-9a-z.]* (counter)" "$w/clustered.log"; }; then
			fail "$p: the counting copy loop over a read-until-full helper is not one looped multi-call carrying its count"
		fi
		# ddrecords counts full and partial records by comparing each result with the record
		# size: the read and the write stop on anything but a whole record, which decides
		# those counts in every iteration the batch completes, and the batch carries all five.
		if [ "$p" = ddrecords ] && ! grep -q "ddrecords\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2;.*carries %[0-9a-z.]* (counter), %[0-9a-z.]* (counter), %[0-9a-z.]* (counter), %[0-9a-z.]* (counter), %[0-9a-z.]* (counter)" "$w/clustered.log"; then
			fail "$p: the record-counting copy loop is not one looped multi-call carrying its counts"
		fi
		# mergedcount's looped multi-call carries its count of blocks and its total of bytes.
		if [ "$p" = mergedcount ] && ! grep -q "mergedcount\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write .*carries %[0-9a-z.]* (total of read's results), %[0-9a-z.]* (counter)" "$w/clustered.log"; then
			fail "$p: the copy loop's looped multi-call does not carry its count and total"
		fi
		# catfiles' buffer lives in each iteration of the loop over the files: its copy loop
		# may copy in the kernel only if the buffer's lifetime markers show it holds nothing
		# the next file's copy reads.
		if [ "$p" = catfiles ] && ! grep -q 'catfiles\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write .*its buffers are dead after the loop but for a stop past the first call' "$w/clustered.log"; then
			fail "$p: the copy loop in the loop over the files is no looped multi-call with a buffer dead after it"
		fi
		# ddbs counts records against a block size known at run time: one looped multi-call
		# carrying its four counts and its total.
		if [ "$p" = ddbs ] && ! grep -q "ddbs\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2;.*carries %[0-9a-z.]* (counter), %[0-9a-z.]* (counter), %[0-9a-z.]* (total of write's results), %[0-9a-z.]* (counter), %[0-9a-z.]* (counter)" "$w/clustered.log"; then
			fail "$p: the copy that counts records of a run-time size is not one looped multi-call carrying its counts"
		fi
		# switchretry's copy loop, whose read is retried by `continue` and whose write-all
		# loop is peeled: one looped multi-call carrying the total.
		if [ "$p" = switchretry ] && ! grep -q "switchretry\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %[0-9a-z.]* (total of read's results)" "$w/clustered.log"; then
			fail "$p: the copy loop that retries by continue is no looped multi-call carrying its total"
		fi
		# timeoutjump's counts are read by main after a siglongjmp out of the copy loop: not
		# kept in registers across it.
		if [ "$p" = timeoutjump ] && ! grep -q "timeoutjump\.c:[0-9]*:[0-9]*: remark: did not keep 'copied' in a register across the loop of .*'main' (under which 'copy' may run) calls .*returns twice" "$w/clustered.log"; then
			fail "$p: the counts main reads after a siglongjmp out of the loop are not refused a register"
		fi
		# gapflag's loop tests its option (set before it) between the read and the write:
		# unswitched on it, the copy without the report one looped multi-call.
		if [ "$p" = gapflag ] && ! { grep -q 'gapflag\.c:[0-9]*:[0-9]*: remark: unswitched the loop on' "$w/clustered.log" && grep -q 'gapflag\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log"; }; then
			fail "$p: the copy loop that tests its option between its calls is not unswitched into a looped multi-call"
		fi
		# tracecopy's loop tests its option between the read and a write-all loop: unswitched
		# on it, the copy without the report one looped multi-call.
		if [ "$p" = tracecopy ] && ! { grep -q 'tracecopy\.c:[0-9]*:[0-9]*: remark: unswitched the loop on' "$w/clustered.log" && grep -q 'tracecopy\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log"; }; then
			fail "$p: the copy loop that reports between its read and its write-all loop is not unswitched into a looped multi-call"
		fi
		# warnonce's loop tests a flag it only ever clears between the read and the write:
		# versioned on it, the loop in which it is clear one looped multi-call.
		if [ "$p" = warnonce ] && ! { grep -q 'warnonce\.c:[0-9]*:[0-9]*: remark: versioned the loop on' "$w/clustered.log" && grep -q 'warnonce\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log"; }; then
			fail "$p: the copy loop that warns once is not versioned into a looped multi-call"
		fi
		# shortnote's loop tests the end after a test of a short read, which a whole read of a
		# positive size decides: one looped multi-call whose read stops so.
		if [ "$p" = shortnote ] && ! grep -q 'shortnote\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, when it is positive' "$w/clustered.log"; then
			fail "$p: the copy loop that tests the end after a short read is not one looped multi-call"
		fi
		# gzipwrite's write_buf passes its 32-bit count clamped and widened: versioned on the
		# count, the loop whose argument is the count it advances one looped multi-call.
		if [ "$p" = gzipwrite ] && ! { grep -q 'gzipwrite\.c:[0-9]*:[0-9]*: remark: counted what .write. at gzipwrite\.c:[0-9]*:[0-9]* has left to move in its 64-bit argument' "$w/clustered.log" && grep -q 'gzipwrite\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: write ' "$w/clustered.log"; }; then
			fail "$p: gzip's write_buf is not one looped multi-call"
		fi
		# intwriteall's write-all loop passes its `int` count sign-extended: versioned on the
		# count, one looped multi-call.
		if [ "$p" = intwriteall ] && ! { grep -q 'intwriteall\.c:[0-9]*:[0-9]*: remark: counted what .write. at intwriteall\.c:[0-9]*:[0-9]* has left to move in its 64-bit argument' "$w/clustered.log" && grep -q 'intwriteall\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: write ' "$w/clustered.log"; }; then
			fail "$p: the write-all loop on int counts is not one looped multi-call"
		fi
		# framecopy's loop writes a header and the block, each through a write-all loop whose
		# test of what is left is the write's against its length: one looped multi-call.
		if [ "$p" = framecopy ] && ! grep -q 'framecopy\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write -> write (stop: result <= 0, result != argument 2, result != argument 2' "$w/clustered.log"; then
			fail "$p: the copy loop that writes a header and a block through write-all loops is not one looped multi-call"
		fi
		# optsflag's loop loads its option between the read and the write: one looped
		# multi-call guarded by it, which loads it at its start.
		if [ "$p" = optsflag ] && ! grep -q 'optsflag\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write .*it runs when' "$w/clustered.log"; then
			fail "$p: the copy loop that loads its option between its calls is no looped multi-call guarded by it"
		fi
		# topflag's loop tests its option before the read: one looped multi-call guarded by it.
		if [ "$p" = topflag ] && ! grep -q 'topflag\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write .*it runs when' "$w/clustered.log"; then
			fail "$p: the copy loop that tests its option first is no looped multi-call guarded by it"
		fi
		# intwrite's loop uses the read's int count after the write: one looped multi-call
		# only if a stop at the write computes the count again where it resumes the loop.
		if [ "$p" = intwrite ] && ! grep -q 'intwrite\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log"; then
			fail "$p: the copy loop with int counts is not one looped multi-call"
		fi
		# intcopy's loop passes the read's int result to the write and tests it after the
		# loop: one looped multi-call only if both are taken for the result itself.
		if [ "$p" = intcopy ] && ! grep -q 'intcopy\.c:[0-9]*:[0-9]*: remark: clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log"; then
			fail "$p: the copy loop with an int count is not one looped multi-call"
		fi
		# writeall's write-all and two read-until-full loops are looped multi-calls only if their
		# pointers and counts advance by the results. A loop is hot only when the training run
		# went round it (a call that follows itself at one site): whether a read from the pipe
		# comes back short depends on the scheduler, so each loop the profile shows hot must be
		# one, and at least the write-all loop and read_full's loop are.
		# offsetall's loops (an offset total tested at the top, a write-all loop tested
		# against the count first) and atomicall's (retries threaded back to the call, its
		# helpers inlined: a site is named with the function it is inlined into) likewise.
		if [ "${p#writeall}" != "$p" ] || [ "$p" = offsetall ] || [ "$p" = atomicall ]; then
			local line hot=0 src=writeall
			[ "$p" = offsetall ] || [ "$p" = atomicall ] && src=$p
			for line in $("$SYSCLUSTER" show --top 1000 "$w/$p.prof.json" 2>/dev/null |
				grep -E ' (read|write)\([0-9]*\) -> (read|write)\(' |
				sed -n "s/.*\\($src\\.c:[0-9]*\\):[0-9]* in [a-z_]*[^>]* -> \\1:.*/\\1/p" | sed 's/.*://' | sort -u); do
				hot=$((hot + 1))
				grep -q "$src\\.c:$line:[0-9]*: remark: clustered the whole loop into one looped multi-call.*; advances " "$w/clustered.log" ||
					fail "$p: the loop at $src.c:$line is hot in the profile but not a looped multi-call with advancing arguments"
			done
			[ "$hot" -ge 2 ] || fail "$p: the training run went round fewer than 2 of $src's loops ($w/$p.prof.json)"
		fi
		# intblock's read block loop (int counts, errno = 0, the EINTR retry) is a looped
		# multi-call only if its arguments advance with the 32-bit total (its write loop goes
		# round only on short writes, which the training run does not make: not hot).
		if [ "$p" = intblock ] && ! grep -q 'whole loop into one looped multi-call: read .*; advances .*; replays errno = 0.*; a stop goes back into the loop' "$w/clustered.log"; then
			fail "$p: the read block loop is not a looped multi-call"
		fi
		# stevens' readn (the end and an error tested one after the other, the EINTR retry
		# going round with a step of 0) is a looped multi-call whose error stop goes back into
		# the loop; its writen goes round only on short writes (not hot on the training run).
		if [ "$p" = stevens ] && ! grep -q 'whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); advances .*; a stop goes back into the loop' "$w/clustered.log"; then
			fail "$p: readn's loop is not a looped multi-call"
		fi
		# eintrall's readn (a retry by `continue` joined in the latch) is a looped multi-call
		# whose error stop goes back into the loop.
		if [ "$p" = eintrall ] && ! grep -q 'whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); advances .*; a stop goes back into the loop' "$w/clustered.log"; then
			fail "$p: readn's loop is not a looped multi-call"
		fi
		# zfill's fill loop (gzip's fill_inbuf over read_buffer, its EAGAIN retry) is a looped
		# multi-call whose stop at a negative result goes back into the loop.
		if [ "$p" = zfill ] && ! grep -q 'clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries .*; advances .*; a stop goes back into the loop' "$w/clustered.log"; then
			fail "$p: the fill loop is not a looped multi-call"
		fi
		# The helpers' hot edge read -> write is one multi-call only after inlining.
		case $p in
		copyhelpers) grep -q "remark: inlined 'my_write'" "$w/clustered.log" ;;
		copylto) grep -q '^  [1-9][0-9]* helper calls inlined' "$w/clustered.log" ;;
		*) true ;;
		esac || fail "$p: the pass did not inline the helper my_write"
		case $p in
		copyhelpers | copylto)
			grep -q 'clustered 2 system calls into one multi-call: read -> write' "$w/clustered.log" ||
				fail "$p: read -> write (through my_read and my_write) was not clustered"
			;;
		copyxform | copyxformsig)
			grep -q "remark: rotated the loop so that 'write'" "$w/clustered.log" &&
				grep -q 'clustered 2 system calls into one multi-call: write -> read' "$w/clustered.log" ||
				fail "$p: the loop was not rotated into a write -> read multi-call per block"
			;;
		xformall)
			# The helper's loop peeled, its test of what is left (`n - w == 0`) is the
			# write's stop: the block's write and the next read are one multi-call.
			grep -q 'clustered 2 system calls into one multi-call: write -> read (stop: result != argument 2' "$w/clustered.log" ||
				fail "$p: the block's write (through write_all) and the next read are not one multi-call"
			;;
		jobcopy)
			# The counters before the buffer are kept in registers (the read and the write
			# touch only the buffer), the descriptors' loads leave the loop, and the loop,
			# its EINTR retry resumed in the original code, is one looped multi-call.
			grep -q "kept 'job' in a register across the loop" "$w/clustered.log" ||
				fail "$p: the struct's counters are not kept in registers across the loop"
			grep -q 'clustered the whole loop into one looped multi-call: read -> write.*its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the copy loop is not one looped multi-call whose buffer is dead after it (main reads only the counters)"
			;;
		jobcopylocal)
			# The counters are kept in registers, and the input descriptor's reload, carried
			# in a phi from the value main stored, is that value in every iteration.
			grep -q "kept 'j' (at byte 8; a local variable of 'main') in a register across the loop" "$w/clustered.log" ||
				fail "$p: the local struct's counters are not kept in registers across the loop"
			grep -q "in every iteration: the load on the way round reads the memory that value was stored to" "$w/clustered.log" ||
				fail "$p: the input descriptor's reload is not folded into the stored descriptor"
			grep -q 'clustered the whole loop into one looped multi-call: read -> write.*its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the copy loop is not one looped multi-call whose buffer is dead after it (main reads only the counters)"
			;;
		jobcopyarg)
			# The counters behind the pointer are kept in registers, the descriptors' loads
			# through it leave the loop.
			grep -q "kept '\*j' (at byte 8; argument 1 of 'pump') in a register across the loop" "$w/clustered.log" ||
				fail "$p: the counters behind the pointer are not kept in registers across the loop"
			grep -q "it reads a caller's local variable or fresh memory through a pointer the function was given" "$w/clustered.log" ||
				fail "$p: the descriptors' loads through the pointer do not leave the loop"
			grep -q 'clustered the whole loop into one looped multi-call: read -> write.*its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the copy loop is not one looped multi-call whose buffer is dead after it (main reads only the counters)"
			;;
		jobheap)
			# The struct is fresh memory: the counters behind the pointer are kept in
			# registers, the descriptors' loads through it leave the loop.
			grep -q "kept '\*j' (at byte 8; argument 1 of 'pump') in a register across the loop" "$w/clustered.log" ||
				fail "$p: the counters in the allocated struct are not kept in registers across the loop"
			grep -q "it reads a caller's local variable or fresh memory through a pointer the function was given" "$w/clustered.log" ||
				fail "$p: the descriptors' loads through the pointer do not leave the loop"
			grep -q 'clustered the whole loop into one looped multi-call: read -> write.*its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the copy loop is not one looped multi-call whose buffer is dead after it (main reads only the counters)"
			;;
		jobtail)
			# The books after the buffer are kept in registers: the write's length is the
			# read's count, tested positive first, so the write reads only the buffer.
			grep -q "kept 'c' (at byte 41[01][0-9]; a local variable of 'main') in a register across the loop" "$w/clustered.log" ||
				fail "$p: the books after the buffer are not kept in registers across the loop"
			grep -q 'clustered the whole loop into one looped multi-call: read -> write.*its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the copy loop is not one looped multi-call whose buffer is dead after it (main reads only the books)"
			;;
		copyfortify)
			grep -q 'clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log" ||
				fail "$p: the fortified build's read -> write loop is not one looped multi-call"
			;;
		gnucat)
			# safe_read's two tests are one stop predicate, the write's first execution after
			# the read is out of full_write's loops (peeled), and the loop is one looped
			# multi-call whose stops resume it (a short write finishes in full_write's loop).
			grep -q 'clustered at .*gnucatio\.c:[0-9]*:[0-9]*: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2' "$w/clustered.log" ||
				fail "$p: the loop of read -> write (safe_read, then full_write) is not one looped multi-call"
			;;
		heapcat)
			# gnucat's loop over a heap buffer: dead but where a stop at the write resumes
			# full_write, which finishes the write from it (MC_BATCH_LIVE_AT_STOP).
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop but for a stop past the first call' "$w/clustered.log" ||
				fail "$p: the loop is not one looped multi-call with its heap buffer live only at a stop past the read"
			;;
		fullblocks)
			# The way round tests the read's result after the write (n < N leaves): the read
			# stops on a short transfer, and the original code writes that last block.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2' "$w/clustered.log" ||
				fail "$p: the loop is not one looped multi-call whose read stops on a short block"
			;;
		pcopyfor)
			# Two tests of pread's result (n < 0, then n == 0) are its stop together, and the
			# latch goes round untested: the loop is one looped multi-call all the same.
			grep -q 'clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %[a-z.0-9]* (argument 3 of pread and argument 3 of pwrite, up by pread.s result); its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the loop with two tests of pread's result is not one looped multi-call"
			;;
		pcopydo)
			# A do-while loop whose pwrite is tested for an error and then against its
			# length (w < n, unsigned once w >= 0): the two tests are its stop, and the
			# offset advances by pwrite's result.
			grep -q 'clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %[a-z.0-9]* (argument 3 of pread and argument 3 of pwrite, up by pwrite.s result); its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the do-while loop whose pwrite is tested against its length is not one looped multi-call"
			;;
		localbuf)
			# The buffer declared in the loop's body loses its lifetime markers, the rotated
			# loop's start moves back to the read, and the loop is one looped multi-call.
			grep -q 'remark: removed the [0-9]* lifetime markers of ' "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the loop whose buffer is declared in its body is not one looped multi-call"
			;;
		copyn)
			# A copy of a known length whose reads ask for min(LIMIT - got, N): the count
			# left goes down by each read's result, one looped multi-call.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %[a-z.0-9]* (total of read.s results, whose count is min(1000000 - %[a-z.0-9]*, 4096)' "$w/clustered.log" ||
				fail "$p: the copy of a known length is not one looped multi-call"
			;;
		jobhead)
			# A copy of at most 1000000 bytes through a static job whose counters follow
			# its buffer: the read's clamped count bounds what it touches, the counters
			# are kept, one looped multi-call whose buffer is dead.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries .*(total of read.s results, whose count is min(%[a-z.0-9]*, 4096): .*its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the head -c copy through a static job is not one looped multi-call with a dead buffer"
			;;
		copyupto)
			# A copy that stops once its total reaches a quota: the distance to it bounds
			# one looped multi-call.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %[a-z.0-9]* (total of read.s results, below 1000000: the batch runs the iterations 1000000 - %[a-z.0-9]* has room for at 4096 each)' "$w/clustered.log" ||
				fail "$p: the copy up to a quota is not one looped multi-call"
			;;
		countcopy)
			# A count of blocks tested before the read: one looped multi-call bounded by the
			# blocks the count has left.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %[0-9]* (counter, down by 1 to its bound 1: the batch runs the iterations it has left)' "$w/clustered.log" ||
				fail "$p: the copy of COUNT blocks is not one looped multi-call"
			;;
		countrecords)
			# A count of blocks and dd's records counters: one looped multi-call whose read
			# stops on a short block, each batch bounded by the blocks the count has left.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries .*each batch runs at most the iterations until the counter %[0-9]* comes down to i64 [01],' "$w/clustered.log" ||
				fail "$p: the copy of COUNT blocks counting records is not one looped multi-call"
			;;
		globalrecords)
			# dd's records in file-scope variables, incremented through a choice of both:
			# split, kept in registers, one looped multi-call.
			grep -q "split the accesses through a choice of 'r_full' and 'r_partial'" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries .*each batch runs at most the iterations until the counter %[0-9]* comes down to i64 [01],' "$w/clustered.log" ||
				fail "$p: the copy counting records in file-scope variables is not one looped multi-call"
			;;
		recordsin)
			# The tests of the read's result as one switch, the records counted before the
			# write: two branches, the counters kept in registers, one looped multi-call.
			grep -q "made 'switch i64 %[0-9]*, label %[0-9]* \[ i64 0, label %[0-9]* i64 4096, label %[0-9]* \]' a chain of 2 two-way branches" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries .*each batch runs at most the iterations until the counter %[0-9]* after the iteration reaches %[0-9]*,' "$w/clustered.log" ||
				fail "$p: dd's read loop counting records before the write is not one looped multi-call"
			;;
		recordsio)
			# A count tested at the top of the loop, records in and out: rotated, one looped
			# multi-call bounded by the blocks the count has left.
			grep -q "rotated the loop that tests %[0-9]* before 'read'" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries .*each batch runs at most the iterations until the counter %[0-9]* comes down to i32 0,' "$w/clustered.log" ||
				fail "$p: busybox dd's loop is not one looped multi-call"
			;;
		stepcount)
			# A counter by 3: no bound of the advancing form, the loop resumes after its
			# stops, each batch bounded by the iterations until the counter reaches the limit.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries .*each batch runs at most the iterations until the counter %[0-9]* after the iteration reaches %[0-9]* (by 3 in each)' "$w/clustered.log" ||
				fail "$p: the copy whose counter goes up by 3 is not one looped multi-call"
			;;
		syncpad)
			# The padding of a short block between the read and the write: its way leaves
			# the path, the read stops on every short block, one looped multi-call.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 0 result references); carries ' "$w/clustered.log" ||
				fail "$p: the copy that pads short blocks is not one looped multi-call"
			;;
		countpad)
			# An `int` count stepped before the read and tested after the write, the
			# padding's own write: one looped multi-call bounded by the blocks left.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 0 result references); carries .*each batch runs at most the iterations until the counter %[0-9]* after the iteration comes down to i32 0,' "$w/clustered.log" ||
				fail "$p: the copy of COUNT blocks that pads short blocks is not one looped multi-call"
			;;
		padcount)
			# The count tested before the read, two back edges (the padding's own write):
			# joined, the loop rotated, one looped multi-call bounded by the blocks left.
			grep -q "rotated the loop that tests %[0-9]* before 'read'" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 0 result references); carries .*each batch runs at most the iterations until the counter %[0-9]* comes down to i32 0' "$w/clustered.log" ||
				fail "$p: the copy of COUNT blocks whose write's test ends the loop is not one looped multi-call"
			;;
		sizerecords)
			# A byte total against SIZE and dd's records counters: one looped multi-call
			# whose read stops on a short block, the total then a counter by the block.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries .*each batch runs at most the iterations until the counter %[0-9]* after the iteration reaches %[0-9]* (by 4096 in each)' "$w/clustered.log" ||
				fail "$p: the copy of SIZE bytes counting records is not one looped multi-call"
			;;
		reportsince)
			# A report each 64 KiB since the last: each looped batch bounded to the
			# iterations before the distance may reach it.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write .*each batch runs at most the iterations until the total %[0-9]* less %[0-9]* after the iteration may reach' "$w/clustered.log" ||
				fail "$p: the copy that reports since its last report is not one looped multi-call"
			;;
		minmaxcopy)
			# The smallest, largest and last block settle after one iteration: one looped
			# multi-call whose read stops on a short block.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries .*(settled: smax(%[0-9]*, 4096) after the first iteration).*(settled: 4096 after the first iteration)' "$w/clustered.log" ||
				fail "$p: the copy that reports its smallest and largest block is not one looped multi-call"
			;;
		positivetotal)
			# A count of what the unchecked write wrote when it wrote some: one looped
			# multi-call that carries it.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); carries .*(total of write.s results)' "$w/clustered.log" ||
				fail "$p: the copy that counts positive writes is not one looped multi-call"
			;;
		copyleft)
			# A copy by the bytes left of a known size: the distance to 0 bounds one looped
			# multi-call.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %[a-z.0-9]* (going down by read.s results, above 0: the batch runs the iterations %[a-z.0-9]* - 0 has room for at 4096 each)' "$w/clustered.log" ||
				fail "$p: the copy by the bytes left is not one looped multi-call"
			;;
		copytwo)
			# A copy whose loop test is a counter and a total together: both bound one
			# looped multi-call.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries .*(counter, up by 1 to its bound 240: the batch runs the iterations it has left).*(total of read.s results, below 1000000: the batch runs the iterations 1000000 - %[a-z.0-9]* has room for at 4096 each)' "$w/clustered.log" ||
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries .*(total of read.s results, below 1000000: the batch runs the iterations 1000000 - %[a-z.0-9]* has room for at 4096 each).*(counter, up by 1 to its bound 240: the batch runs the iterations it has left)' "$w/clustered.log" ||
				fail "$p: the copy bounded by a counter and a total is not one looped multi-call"
			;;
		errnokept)
			# A plain copy loop under a handler that writes errno: one looped multi-call.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)' "$w/clustered.log" ||
				fail "$p: the copy loop under a handler that writes errno is not one looped multi-call"
			;;
		flagcopy)
			# The loop tests a flag a signal handler sets after its unchecked write: one
			# looped multi-call that reads the flag after each iteration.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result < 0; 1 result reference); carries .*; the batch reads @stop after each iteration as the loop.s test does, and ends when it is not zero' "$w/clustered.log" ||
				fail "$p: the loop that tests a flag after its write is not one looped multi-call"
			;;
		teelike)
			# The report of a failed write to OUT joins the common code again before the write
			# to standard output: the quiet way past it copied, read -> write -> write one
			# looped multi-call whose stops resume the loop (the read's count, used by the
			# report after a short write, computed again there).
			grep -q "copied 1 block on the quiet path from 'write' at teelike.c:[0-9:]* to 'write' at teelike.c:[0-9:]* so that the hot edge write -> write" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write -> write (stop: result <= 0, result != argument 2, result != argument 2' "$w/clustered.log" ||
				fail "$p: read -> write -> write past the report of a failed write is not one looped multi-call"
			;;
		warncount)
			# A failed write ends the program, a short one is reported and counted: the
			# loop's start moves to the read, one looped multi-call carrying the count.
			grep -q "moved the start of the loop to 'read' at warncount.c:" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %[a-z.0-9]* (counter)' "$w/clustered.log" ||
				fail "$p: the copy that counts its short writes is not one looped multi-call"
			;;
		tracehelper)
			# A trace helper with variable arguments on an option: its test made before
			# the call, the loop unswitched on it, the quiet copy one looped multi-call.
			grep -q "made the first test of 'trace' (of @verbose) before its call" "$w/clustered.log" &&
				grep -q 'remark: unswitched the loop on' "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write' "$w/clustered.log" ||
				fail "$p: the copy that traces through a helper is not one looped multi-call"
			;;
		sigcheck)
			# A helper that returns at once unless a flag is set, called at the loop's top:
			# its test made before the call, and the loop one looped multi-call.
			grep -q "made the first test of 'process_signals' (of @info_requested) before its call" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write .*the batch reads @info_requested after each iteration' "$w/clustered.log" ||
				fail "$p: the copy that checks for signals through a helper is not one looped multi-call"
			;;
		topsignal)
			# A flag test at the loop's top that guards a report: the start moves to the
			# read, and the loop is one looped multi-call that watches the flag.
			grep -q "moved the start of the loop to 'read' at topsignal.c:[0-9:]*: the test of a flag at the loop's top" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write .*the batch reads @got_usr1 after each iteration' "$w/clustered.log" ||
				fail "$p: the copy that tests a signal's flag at its top is not one looped multi-call"
			;;
		midflag)
			# A flag tested between the read and the write, and one after each block: one
			# looped multi-call that reads the first after the read, the second after each
			# iteration.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write .*the batch reads @got_term (not zero) after .read. at midflag.c:[0-9:]*, then @got_usr1 (not zero) after each iteration' "$w/clustered.log" ||
				fail "$p: the copy that tests a flag between its read and its write is not one looped multi-call watching it"
			;;
		midreport)
			# A flag between the read and the write whose report comes back to the write:
			# one looped multi-call that reads it after the read.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write .*the batch reads @got_usr1 (not zero) after .read. at midreport.c:[0-9:]* as the loop' "$w/clustered.log" ||
				fail "$p: the copy that reports between its read and its write is not one looped multi-call watching the flag"
			;;
		ddcopy)
			# dd's loop: the flags iwrite tests before its write read after the read, those
			# at the top after each iteration; the counters carried.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write .*carries .*(counter).*the batch reads @interrupt_signal (not zero) after .read. at ddcopy.c:[0-9:]*, then @info_signal_count (not zero) after .read. at ddcopy.c:[0-9:]*, then @interrupt_signal (not zero), then @info_signal_count (not zero) after each iteration' "$w/clustered.log" ||
				fail "$p: dd's copy loop is not one looped multi-call watching both flags"
			;;
		ddsignals)
			# dd's process_signals: both its tests made before the call, the start moved past
			# them, and the loop one looped multi-call that watches both flags.
			grep -q "made the first tests of 'process_signals' (of @interrupt_signal, then @info_signal_count) before its call" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write .*the batch reads @interrupt_signal (not zero), then @info_signal_count (not zero) after each iteration' "$w/clustered.log" ||
				fail "$p: the copy that checks for signals through dd's process_signals is not one looped multi-call"
			;;
		topflags)
			# Two flag tests at the loop's top: the start moves past both to the read, and the
			# loop is one looped multi-call that watches both.
			grep -q "moved the start of the loop to 'read' at topflags.c:[0-9:]*: the tests of 2 flags at the loop's top" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write .*the batch reads @got_usr1 (not zero), then @got_hup (not zero) after each iteration' "$w/clustered.log" ||
				fail "$p: the copy that tests two flags at its top is not one looped multi-call watching both"
			;;
		twoflags)
			# Two flags tested after each block: one looped multi-call that reads both.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write .*the batch reads @got_usr1 (not zero), then @got_term (not zero) after each iteration' "$w/clustered.log" ||
				fail "$p: the copy that tests two flags after each block is not one looped multi-call watching both"
			;;
		statsreport)
			# Counters a report helper reads on a flag and after a short write: kept in
			# registers, stored before and loaded after the helper's calls; one looped
			# multi-call that watches the flag.
			grep -q "kept 'records_in' in a register across the loop of .*stored before and loaded after .*@print_stats" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write .*the batch reads @info_requested after each iteration' "$w/clustered.log" ||
				fail "$p: the copy whose counters a report reads is not one looped multi-call"
			;;
		progresscopy)
			# A report per block when a flag set before the loop says so, one on SIGUSR1: the
			# loop unswitched on the first, its copy without the reports one looped multi-call
			# that watches the second.
			grep -q 'remark: unswitched the loop on' "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries .*the batch reads @report after each iteration as the loop.s test does, and ends when it is not zero' "$w/clustered.log" ||
				fail "$p: the copy that reports its progress is not one looped multi-call"
			;;
		retrycount)
			# Each call retried in a do-while of its own, a switch on the read's result, three
			# counts: one looped multi-call that carries them.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries .*(counter).*(counter).*(total of' "$w/clustered.log" ||
				fail "$p: the copy whose calls retry in do-whiles is not one looped multi-call"
			;;
		halves)
			# The second write's one condition combines an error test with a test of its
			# length (`w == -1 || w < len`): the stop `result != argument 2`, and after the
			# pass rotates the loop that write and the next read are one multi-call.
			grep -q 'clustered 2 system calls into one multi-call: write -> read (stop: result != argument 2, ' "$w/clustered.log" ||
				fail "$p: the second write, tested by an error-or-short condition, and the next read are not one multi-call"
			;;
		pcopyat)
			# Two tests of pwrite's result on the way round (w < 0, then w != n) are its
			# stop together; each offset advances by pread's result (in either order).
			grep -q 'clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %[a-z.0-9]* (argument 3 of p\(read\|write\), up by pread.s result), %[a-z.0-9]* (argument 3 of p\(read\|write\), up by pread.s result)' "$w/clustered.log" ||
				fail "$p: the loop with an error test and a short-write test of pwrite's result is not one looped multi-call"
			;;
		narrowtotal)
			# The unsigned total added at the top of the next iteration, folded into a phi
			# that goes up by the count: one looped multi-call carrying it.
			grep -q "clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %[a-z.0-9]* (total of read's results)" "$w/clustered.log" ||
				fail "$p: the copy with an unsigned total is not one looped multi-call carrying it"
			;;
		pipeat)
			# The read's EINTR retry goes back into the loop from the first call's stop, and
			# the offset advances: one looped multi-call of read -> pwrite.
			grep -q 'clustered the whole loop into one looped multi-call: read -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %[a-z.0-9]* (argument 3 of pwrite, up by read.s result)' "$w/clustered.log" ||
				fail "$p: the copy whose read is retried is not one looped multi-call whose offset advances"
			;;
		teeboth)
			# Two writes tested together after the second: the first stops on every result
			# but its length, and the loop is one looped multi-call of read -> write -> write.
			grep -q 'clustered the whole loop into one looped multi-call: read -> write -> write (stop: result <= 0, result != argument 2, result != argument 2; 2 result references)' "$w/clustered.log" ||
				fail "$p: the tee's loop is not one looped multi-call of read -> write -> write"
			;;
		pcopyint)
			# pcopy's loop on an int count: the offset advances by the count's sign
			# extension, which is pread's result in every iteration a batch completes.
			grep -q 'clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %[a-z.0-9]* (argument 3 of pread and argument 3 of pwrite, up by pread.s result); its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the loop on an int count is not one looped multi-call whose offset advances in both calls"
			;;
		pcopy)
			# pread -> pwrite at one offset that advances by pread's result: after the
			# rotation the offset is one phi, passed to both calls.
			grep -q 'clustered the whole loop into one looped multi-call: pread -> pwrite (stop: result <= 0, result != argument 2; 1 result reference); advances %[a-z.0-9]* (argument 3 of pread and argument 3 of pwrite, up by pread.s result); its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the loop is not one looped multi-call whose offset advances in both calls"
			;;
		eintrcat)
			# clang rotates the loop (the read at the latch, joined there by the EINTR
			# retry); the pass moves its start back to the read, copying the branching top
			# onto the way in. Two tests of the read with a way out each, one of them (EINTR)
			# back into the loop: the loop's stops resume it, and it carries its counter. Its
			# local buffer is dead where the stops resume it: the runtime may copy in the kernel.
			grep -q "remark: moved the start of the loop to 'read'" "$w/clustered.log" &&
				grep -q 'clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries .*; its buffers are dead after the loop' "$w/clustered.log" ||
				fail "$p: the loop is not one looped multi-call whose stops resume it, with its buffer dead"
			;;
		records)
			# The record's address rises above the header's write, the loop is unrolled
			# (8 times: the training run's 128 records are one entry of the loop), and each
			# copy's address rises above the unrolled body's first write.
			grep -q "records\.c:[0-9]*:[0-9]*: remark: moved '.*getelementptr.*' (argument 1 of 'write' at records\.c:" "$w/clustered.log" &&
				grep -q 'remark: unrolled the loop of write -> write 8 times' "$w/clustered.log" &&
				grep -q 'clustered 16 system calls into one multi-call: write -> write -> write' "$w/clustered.log" ||
				fail "$p: the record loop was not unrolled into one multi-call of 8 records"
			;;
		bookkeep | bookkeepsig)
			# The request's opens, read and write keep counters in globals between them, and
			# the copy loop's write and next read its totals: both are multi-calls only with
			# those stores in their gaps.
			grep -q 'clustered [0-9]* system calls into one multi-call: open -> open -> read -> write' "$w/clustered.log" &&
				grep -q 'clustered 2 system calls into one multi-call: write -> read' "$w/clustered.log" ||
				fail "$p: the chains with stores between their calls were not clustered"
			;;
		esac

		# 4. the clustered build calls the runtime, the original does not
		if ! llvm-nm-19 "$w/clustered" 2>/dev/null | grep -qwE 'multicall(_loop(_flags|_sums)?|_run_batch)?'; then
			fail "$p: the clustered build has no reference to multicall, multicall_loop, multicall_loop_flags, multicall_loop_sums or multicall_run_batch (nm)"
		fi
		if llvm-nm-19 "$w/orig" 2>/dev/null | grep -qwE 'multicall(_loop(_flags|_sums)?|_run_batch)?'; then
			fail "$p: the original build already refers to multicall: the comparison would prove nothing"
		fi
		local inside
		# shellcheck disable=SC2086
		(cd "$w/train" && cp in log && MULTICALL_BACKEND=direct strace -f -k -qq -o "$w/strace-k.txt" \
			-e trace=read,write,openat,close,fstat,newfstatat "$w/clustered" $args >/dev/null 2>&1)
		# A frame in the runtime: its shared object, or its functions when linked statically.
		inside=$(awk '/^ > / { if ($0 ~ /libmulticall|[(]multicall(_loop(_flags|_sums)?)?[+:]/) hit = 1; next }
			{ if (hit) n++; hit = 0 } END { if (hit) n++; print n + 0 }' "$w/strace-k.txt")
		if [ "$inside" -gt 0 ]; then
			note "$p: $inside system calls made from inside multicall (strace -k, direct backend)"
		else
			fail "$p: no system call came from inside multicall under strace -k (direct backend)"
		fi
	fi

	# 5. crossings (figures, never asserted: the direct backend makes as many as the original)
	if command -v perf >/dev/null; then
		local b count
		for b in orig clustered:direct clustered:auto; do
			local bin=${b%%:*} backend=${b#*:}
			[ "$bin" = "$b" ] && backend=""
			# shellcheck disable=SC2086
			count=$(cd "$w/train" && cp in log && : >archive &&
				env ${backend:+MULTICALL_BACKEND=$backend} perf stat -x, -e raw_syscalls:sys_enter \
					"$w/$bin" $args 2>&1 >/dev/null | awk -F, '/raw_syscalls:sys_enter/ { print $1 }')
			note "$p: crossings of $b on the training input: ${count:-unknown}"
		done
	fi

	# 6. the differential runs on the host. A program with a batch the runtime would not
	# specialise reads the runtime's multicall_batches_pay, which the automatic choice
	# clears on a host without the module: its calls then run as the program's own (the
	# fallback blocks of the batch, the original loop), the way most users run it. It is
	# compared that way too.
	local backend backends=$E2E_BACKENDS
	if llvm-nm-19 "$w/clustered" 2>/dev/null | grep -qw multicall_batches_pay &&
		[ ! -e /dev/multicall ] && ! grep -qw auto <<<"$backends"; then
		backends="$backends auto"
	fi
	for backend in $backends; do
		if [ "$backend" = auto ]; then
			sh "$here/differ.sh" "$p" "$w/orig" "$w/clustered" "$w/differ-$backend" >"$w/differ-$backend.log" 2>&1
		else
			MULTICALL_BACKEND=$backend sh "$here/differ.sh" "$p" "$w/orig" "$w/clustered" \
				"$w/differ-$backend" >"$w/differ-$backend.log" 2>&1
		fi
		local rc=$?
		grep -v '^ok' "$w/differ-$backend.log" | sed 's/^/     /'
		if [ $rc -ne 0 ]; then
			fail "$p: original and clustered differ (MULTICALL_BACKEND=$backend, $w/differ-$backend.log)"
		fi
	done
	train_argv[$p]=$args
	built[$p]=1
}

# ---------------------------------------------------------------------------------------
# The same comparison inside a guest with the kernel module (kmod backend).
# ---------------------------------------------------------------------------------------
guest_programs() {
	echo "== qemu (kmod backend)"
	if [ "$SYSCLUSTER_QEMU" = 0 ]; then
		echo "skip qemu: SYSCLUSTER_QEMU=0 (the kmod backend is not compared)"
		return
	fi
	if [ ! -x "$SYSCLUSTER_QEMU_RUN" ]; then
		fail "qemu: no guest harness at $SYSCLUSTER_QEMU_RUN (it comes with the kernel module)"
		return
	fi
	local p list=() copies=()
	for p in "${programs[@]}"; do
		[ -n "${built[$p]:-}" ] && list+=("$p")
	done
	# The programs with a looped batch whose buffers are dead after it (MC_BATCH_DEAD_BUFFERS,
	# which the pass says in the batch's remark): only there may the runtime copy in the
	# kernel, so only there does a second run with its copies allowed differ from the first.
	# The copies are the runtime's own and every host backend compares them; what the guest
	# adds is the module running what a copy leaves (a failed or short transfer, the end of
	# a bound). That handover is the same for every program, so the second run takes the
	# loop shapes that reach it differently: a plain copy, counters, signals, a pipe, a
	# socket, a counted bound, clamped counts, a merged write-all, gnulib's safe_read and
	# full_write, and a header written before each block (E2E_GUEST_COPIES=all: every
	# program with such a batch).
	local shapes=" copy copycount copysig pipecopy relay headcount chunkcopy mergedall gnucat framecopy "
	for p in "${list[@]}"; do
		if [ "${E2E_GUEST_COPIES:-}" != all ] && [[ $shapes != *" $p "* ]]; then
			continue
		fi
		if [ ! -f "$E2E_WORK/$p/clustered.log" ] ||
			grep -q "its buffers are dead after the loop" "$E2E_WORK/$p/clustered.log"; then
			copies+=("$p")
		fi
	done
	if [ ${#list[@]} -eq 0 ]; then
		fail "qemu: nothing to run in the guest (no program built on the host)"
		return
	fi
	local g=$E2E_WORK/guest
	rm -rf "$g"
	mkdir -p "$g"
	cp "$here/differ.sh" "$g/"
	for p in "${list[@]}"; do
		cp "$E2E_WORK/$p/orig" "$g/$p.orig"
		cp "$E2E_WORK/$p/clustered" "$g/$p.clustered"
	done
	# The module check below runs each program's training invocation (train_args' files
	# and arguments) on 2 MiB.
	train_args "$g/count" copy >/dev/null
	head -c 2097152 /dev/urandom >"$g/count/in"
	cp "$g/count/in" "$g/count/log"
	for p in "${list[@]}"; do
		echo "$p ${train_argv[$p]}"
	done >"$g/count-args"
	# The script lives beside the directory, not in it: qemu-run.sh copies the program first,
	# and a --file directory that then already exists in the guest would be nested.
	local script=$E2E_WORK/guest.sh
	local lane0=() lane1=() i=0
	for p in "${list[@]}"; do
		if [ $((i % 2)) -eq 0 ]; then lane0+=("$p"); else lane1+=("$p"); fi
		i=$((i + 1))
	done
	cat >"$script" <<-EOF
		#!/bin/sh
		# Runs inside the guest: every program's differential cases on the kmod backend, in two
		# lanes (the guest has two CPUs), then the module's own count of the batches each
		# clustered build ran, one program at a time. MULTICALL_COPY=0 keeps copy loops out of
		# the runtime's in-kernel copies, so that the module runs them; then, for a sample of
		# the programs whose copy loops the runtime may run in the kernel, the same cases once
		# more with them and the automatic backend, as a machine with the module runs a program.
		here=$g
		stats=/sys/class/misc/multicall
		if [ ! -e /dev/multicall ] || [ ! -r \$stats/batches ]; then
			echo "guest: /dev/multicall or \$stats is missing: the module did not load"
			exit 1
		fi
		# lane LOG PROGRAM...: the differential runs of PROGRAMs, their output in LOG.
		lane() {
			log=\$1
			shift
			for p in "\$@"; do
				MULTICALL_COPY=0 MULTICALL_BACKEND=kmod sh \$here/differ.sh \$p \$here/\$p.orig \$here/\$p.clustered /tmp/e2e-\$p || echo "guest: FAIL \$p: the builds differ on the kmod backend"
				case " ${copies[*]} " in
				*" \$p "*)
					sh \$here/differ.sh \$p \$here/\$p.orig \$here/\$p.clustered /tmp/e2e-\$p-copy || echo "guest: FAIL \$p: the builds differ on the automatic backend with in-kernel copies"
					;;
				esac
				# The guest's memory is its disk: the next program needs the room.
				rm -rf /tmp/e2e-\$p /tmp/e2e-\$p-copy
			done >\$log 2>&1
		}
		lane /tmp/lane0.log ${lane0[*]} &
		lane /tmp/lane1.log ${lane1[*]} &
		wait
		cat /tmp/lane0.log /tmp/lane1.log
		status=0
		grep -q '^guest: FAIL' /tmp/lane0.log /tmp/lane1.log && status=1
		# Each clustered build once more, alone, on its training invocation over 2 MiB: the
		# module's counters say whether its batches ran in the kernel.
		while read -r p args; do
			d=/tmp/count-\$p
			cp -r \$here/count \$d
			b0=\$(cat \$stats/batches) e0=\$(cat \$stats/entries)
			(cd \$d && MULTICALL_COPY=0 MULTICALL_BACKEND=kmod \$here/\$p.clustered \$args </dev/null >/dev/null 2>&1)
			b1=\$(cat \$stats/batches) e1=\$(cat \$stats/entries)
			rm -rf \$d
			echo "guest: \$p: the module ran \$((b1 - b0)) batches of \$((e1 - e0)) system calls"
			if [ "\$((b1 - b0))" -le 0 ]; then
				echo "guest: FAIL \$p: no batch ran in the kernel: the clustered build did not use the kmod backend"
				status=1
			fi
		done <\$here/count-args
		exit \$status
	EOF
	chmod +x "$script"
	# The guest emulates its CPU (no KVM here): a program's comparisons take about 15 s there
	# (two lanes: about 8 s a program). A minute per program and five for the boot.
	local rc=0 limit=$((300 + 60 * ${#list[@]}))
	"$SYSCLUSTER_QEMU_RUN" --timeout "$limit" --log "$g/console.log" --file "$g=$g" -- "$script" >"$g/qemu.log" 2>&1 || rc=$?
	grep -E '^(FAIL|skip|differ:|guest:|  )' "$g/qemu.log" | sed 's/^/     /'
	if [ $rc -ne 0 ]; then
		fail "qemu: the guest run failed or the builds differed (status $rc, $g/qemu.log)"
		grep -qE '^(FAIL|differ:|guest:)' "$g/qemu.log" || tail -n 30 "$g/qemu.log"
	fi
}

case $mode in
self-test) self_test ;;
stand-in | full)
	self_test
	for p in "${programs[@]}"; do
		host_program "$p"
	done
	guest_programs
	;;
esac

if [ "$mode" = stand-in ]; then
	fail "stand-in mode: the pass was not tested (this run only checks the harness)"
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "e2e: ${#failures[@]} failures:"
	printf '  %s\n' "${failures[@]}"
	exit 1
fi
echo "e2e: all checks passed"
