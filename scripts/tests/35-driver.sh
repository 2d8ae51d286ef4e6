#!/usr/bin/env bash
# Test stage: the build driver (`syscluster build`) on a small make project (testsuite/driver):
#
#   1. builds the project plainly (clang-19, in one directory) and records its programs;
#   2. builds a copy of it in ANOTHER directory with `syscluster build -p PROFILE -- make`
#      alone (no hand-written flags): the profile must still match (paths differ);
#   3. checks that the summary names the clusters, that configure-style probes and
#      preprocessing never ran the pass, that a program where nothing clustered is linked
#      exactly like the original (no runtime symbol, the same libraries, the same crossings),
#      that a clustered one loads no library the original does not and starts and exits with
#      at most the module probe more, and that the runtime archive's own unwinder unwinds as
#      Rust expects;
#   4. runs both builds on the same inputs, failing calls included, and compares stdout,
#      stderr, exit status and output files byte for byte;
#   5. builds it a third time with `syscluster build --lto --verify` (the pass at link time, lld) and
#      checks its summary, its runtime links and its copies.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$root"
bin=$target/release
syscluster=$bin/syscluster
for f in "$syscluster" "$bin/libsyscluster_pass.so" "$bin/libmulticall.a"; do
    if [ ! -e "$f" ]; then
        echo "35-driver: $f is missing: run cargo build --release first" >&2
        exit 1
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for d in plain drv lto; do
    mkdir -p "$work/$d"
    cp testsuite/driver/Makefile testsuite/driver/hello.c testsuite/driver/catpp.cc \
        testsuite/programs/copy.c "$work/$d/"
done

# 1. The original build, and profiles of typical runs.
make -s -C "$work/plain" CC=clang-19 CXX=clang++-19 >/dev/null
head -c 300000 /dev/urandom >"$work/in.bin"
"$syscluster" record -o "$work/copy.prof.json" -- "$work/plain/copy" "$work/in.bin" "$work/out.bin" 2>/dev/null
"$syscluster" record -o "$work/catpp.prof.json" -- sh -c "'$work/plain/catpp' <'$work/in.bin' >'$work/out.bin'" 2>/dev/null
"$syscluster" merge --force -o "$work/all.prof.json" "$work/copy.prof.json" "$work/catpp.prof.json" 2>/dev/null

# 2. The clustered build, through the driver alone, in another directory.
if (cd "$work/drv" && "$syscluster" build -p "$work/all.prof.json" --log "$work/log" --verify -- make -s) \
    >"$work/build.out" 2>&1; then
    ok "syscluster build -- make"
else
    fail "syscluster build -- make"
    sed 's/^/       /' "$work/build.out"
fi
sed -n '/^syscluster build: [0-9]/,$p' "$work/build.out" | sed 's/^/       /' | head -n 12

# 3. What the driver did.
clusters=$(sed -n 's/.* changed; \([0-9]*\) clusters.*/\1/p' "$work/log/summary.txt")
if [ "${clusters:-0}" -ge 2 ]; then ok "summary: $clusters clusters"; else fail "summary: ${clusters:-no} clusters, expected at least 2 (copy.c and catpp.cc)"; fi
if grep -q 'copy\.c:35:14: clustered' "$work/log/summary.txt"; then ok "copy's read -> write clustered from a profile recorded in another directory"; else fail "copy's read -> write not clustered"; fi
# --verify compiles each changed module twice: its remarks must be counted once.
n=$(grep -c 'copy\.c:35:14: clustered' "$work/log/summary.txt")
if [ "$n" = 1 ]; then ok "--verify: each cluster counted once"; else fail "--verify: copy's loop counted $n times in the summary"; fi
if grep -q 'catpp\.cc:15:15: clustered' "$work/log/summary.txt"; then ok "C++: the read -> write of a member function inlined into main clustered"; else fail "C++: catpp.cc's read -> write not clustered"; fi
verified=$(sed -n 's/.*opt -passes=verify: \([0-9]*\) changed modules passed, 0 failed.*/\1/p' "$work/log/summary.txt")
if [ "${verified:-0}" -ge 2 ]; then ok "--verify: $verified changed modules pass opt -passes=verify"; else fail "--verify: no clean verification in the summary"; fi
# A check that fails must fail the build: an `opt` that rejects everything.
if (cd "$work/drv" && SYSCLUSTER_OPT=false "$syscluster" build -p "$work/all.prof.json" --log "$work/log-badopt" --verify -- make -s -B copy) \
    >"$work/build-badopt.out" 2>&1; then
    fail "--verify: a failing opt -passes=verify did not fail the build"
elif grep -q 'fail `opt -passes=verify`' "$work/build-badopt.out"; then
    ok "--verify: a failing check fails the build and says so"
else
    fail "--verify: the build failed without naming the check"
    sed 's/^/       /' "$work/build-badopt.out"
fi
# The HTML report: well-formed (every tag closed in order), with the graph drawn, and copy's
# read -> write edge coloured as clustered (looped) in both the edge table and the picture.
if python3 - "$work/log/report.html" <<'EOF'; then
import html.parser, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
void = {"meta", "br", "hr", "img", "link", "input", "col", "area", "base", "wbr", "source"}
class Check(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in void:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            sys.exit(f"report.html: </{tag}> closes nothing open")
c = Check()
c.feed(text)
c.close()
if c.stack:
    sys.exit(f"report.html: unclosed {c.stack}")
if "<svg" not in text:
    sys.exit("report.html: no graph")
rows = re.findall(r'<tr id="e(\d+)" class="edge-(clustered|looped)"><td>read\(\d*\) -&gt; write\(\d*\)', text)
if not rows:
    sys.exit("report.html: read -> write is not coloured as clustered")
for k, fate in rows:
    if not re.search(rf'<g id="edge{k}" class="edge edge&#45;{fate}"', text):
        sys.exit(f"report.html: the graph's edge {k} (read -> write) is not coloured as {fate}")
EOF
    ok "report.html: well-formed, with the graph, read -> write coloured as clustered"
else
    fail "report.html"
fi
if grep -q conftest "$work/log/modules"; then fail "the pass ran on a configure probe"; else ok "configure probe compiled without the pass"; fi
if nm "$work/drv/copy" | grep ' T multicall$' >/dev/null; then ok "copy links the runtime"; else fail "copy does not link the runtime"; fi
if nm "$work/drv/hello" | grep multicall >/dev/null; then fail "hello links the runtime although nothing clustered"; else ok "hello links no runtime"; fi
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
if [ "$(needed "$work/plain/hello")" = "$(needed "$work/drv/hello")" ]; then ok "hello needs the same libraries"; else fail "hello needs other libraries: $(needed "$work/drv/hello" | tr '\n' ' ')"; fi
crossings() { strace -f -qq -c -o "$work/strace.$$" "$@" >/dev/null 2>&1 || true; awk '$NF == "total" {print $(NF-2) + 0}' "$work/strace.$$"; }
a=$(crossings "$work/plain/hello")
b=$(crossings "$work/drv/hello")
if [ "$a" = "$b" ]; then ok "hello makes as many system calls as the original ($a)"; else fail "hello: original $a system calls, driver build $b"; fi
# A program that links the runtime loads no library the original does not (the runtime's
# unwinder is its own: cli/src/runtime_archive.rs), and its start-up and exit cost at most
# one crossing more than the original's: the module probe, at its first batch of two
# entries. `copy IN DIR` runs its open -> creat batch, which stops at creat (EISDIR), so no
# copy runs; `copy` without arguments exits before any batch. A copy of two blocks runs
# its loop as the plain loop after one `fstat` (fewer blocks than the in-kernel copy's
# checks would cost: runtime/src/copy.rs, MIN_BLOCKS), so at most two more.
loaded() { ldd "$1" | awk '$1 !~ /^linux-vdso/ {print $1}' | sort; }
extra=$(comm -13 <(loaded "$work/plain/copy") <(loaded "$work/drv/copy") | tr '\n' ' ')
if [ -z "$extra" ]; then ok "copy loads no library the original does not"; else fail "copy loads libraries the original does not: $extra"; fi
head -c 10000 /dev/urandom >"$work/small.bin"
for run in "batch:../in.bin ..:1" "no batch::0" "copy of 2 blocks:../small.bin out.small:2"; do
    IFS=: read -r what args probe <<<"$run"
    # shellcheck disable=SC2086 # the arguments are words
    a=$(cd "$work/plain" && crossings ./copy $args)
    # shellcheck disable=SC2086
    b=$(cd "$work/drv" && crossings ./copy $args)
    if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -le $((a + probe)) ]; then
        ok "copy ($what): $b system calls, the original $a (at most $probe more)"
    else
        fail "copy ($what): $b system calls, the original $a: more than $probe more"
    fi
done
# The runtime archive's own unwinder unwinds as Rust expects, without libgcc_s: a staticlib
# standing in for the runtime (SYSCLUSTER_RUNTIME; its C function named like the API) panics.
# Caught inside it, the panic runs Drop and the call returns; uncaught, it stops at the C
# boundary and aborts.
mkdir -p "$work/unwind"
cat >"$work/unwind/p.rs" <<'EOF'
struct Noisy;
impl Drop for Noisy {
    fn drop(&mut self) {
        eprintln!("dropped");
    }
}
#[inline(never)]
fn inner(x: i32) -> i32 {
    let _n = Noisy;
    if x > 0 {
        panic!("boom");
    }
    x
}
#[no_mangle]
pub extern "C" fn multicall_test_panic(x: i32) -> i32 {
    #[cfg(catch)]
    return std::panic::catch_unwind(|| inner(x)).unwrap_or(-1);
    #[cfg(not(catch))]
    return inner(x);
}
EOF
printf '#include <stdio.h>\nint multicall_test_panic(int);\nint main(void)\n{\n\tprintf("%%d\\n", multicall_test_panic(0));\n\tfflush(stdout);\n\tprintf("%%d\\n", multicall_test_panic(1));\n\treturn 0;\n}\n' >"$work/unwind/main.c"
for how in catch abort; do
    cfg=()
    [ $how = catch ] && cfg=(--cfg catch)
    if ! rustc -O --edition 2021 --crate-type staticlib "${cfg[@]}" -o "$work/unwind/lib$how.a" "$work/unwind/p.rs" 2>"$work/unwind/rustc.$how" ||
        ! (cd "$work/unwind" && SYSCLUSTER_RUNTIME=$work/unwind/lib$how.a "$syscluster" build -p "$work/all.prof.json" \
            --log "$work/unwind/log.$how" -- sh -c "\$CC -O2 -o $how main.c") >"$work/unwind/build.$how" 2>&1; then
        fail "unwinding ($how): the stand-in runtime does not build"
        sed 's/^/       /' "$work/unwind/rustc.$how" "$work/unwind/build.$how"
        continue
    fi
    if ldd "$work/unwind/$how" | grep -q libgcc_s; then
        fail "unwinding ($how): the program loads libgcc_s"
    else
        ok "unwinding ($how): the program loads no libgcc_s"
    fi
    # Through sh, whose report of the abort goes to /dev/null.
    status=$(sh -c 'RUST_BACKTRACE=0 "$1" >"$2" 2>"$3"; echo $?' sh "$work/unwind/$how" \
        "$work/unwind/out.$how" "$work/unwind/err.$how" 2>/dev/null)
    out=$(tr '\n' ' ' <"$work/unwind/out.$how")
    if [ $how = catch ] && [ $status = 0 ] && [ "$out" = "0 -1 " ] && grep -q dropped "$work/unwind/err.$how"; then
        ok "unwinding (caught): Drop ran, the call returned -1, exit 0"
    elif [ $how = abort ] && [ $status = 134 ] && [ "$out" = "0 " ] && grep -q dropped "$work/unwind/err.$how" &&
        grep -q 'cannot unwind' "$work/unwind/err.$how"; then
        ok "unwinding (uncaught): Drop ran, then the C boundary aborted (status 134)"
    else
        fail "unwinding ($how): status $status, stdout '$out', stderr $(head -c 300 "$work/unwind/err.$how")"
    fi
done
# A -static link takes the same archive: its unwinder and glibc's static one side by side.
if (cd "$work/drv" && "$syscluster" build -p "$work/all.prof.json" --log "$work/log-static" -- \
    sh -c "\$CC -static -O2 -g -o copy-static copy.c") >"$work/build-static.out" 2>&1 &&
    nm "$work/drv/copy-static" | grep ' T multicall$' >/dev/null &&
    "$work/drv/copy-static" "$work/in.bin" "$work/out.static" && cmp -s "$work/in.bin" "$work/out.static"; then
    ok "copy linked -static by the driver, with the runtime, copies byte for byte"
else
    fail "copy linked -static by the driver"
    sed 's/^/       /' "$work/build-static.out"
fi

# 4. Differential runs.
same_run() { # name program args... (stdin from $work/stdin): stdout, stderr, status, output file
    local name=$1 prog=$2
    shift 2
    local r
    for d in plain drv; do
        rm -f "$work/out.$d"
        set +e
        # Run from the build's own directory as ./PROG, so that argv[0] is the same.
        (cd "$work/$d" && "./$prog" "$@" <"$work/stdin" >"$work/stdout.$d" 2>"$work/stderr.$d")
        echo $? >"$work/status.$d"
        set -e
        if [ -e "$work/$d/out" ]; then mv "$work/$d/out" "$work/out.$d"; fi
    done
    for r in stdout stderr status out; do
        if [ -e "$work/$r.plain" ] || [ -e "$work/$r.drv" ]; then
            if ! cmp -s "$work/$r.plain" "$work/$r.drv"; then
                fail "$name: $r differs"
                return
            fi
        fi
    done
    ok "$name: same stdout, stderr, status and file"
}
: >"$work/stdin"
for size in 0 1 4095 4097 1048577; do
    head -c "$size" /dev/urandom >"$work/in.$size"
    same_run "copy $size bytes" copy "../in.$size" out
done
same_run "copy of a missing file (ENOENT)" copy ../missing out
same_run "copy of a directory (EISDIR)" copy .. out
same_run "copy into a directory (EISDIR on creat)" copy ../in.1 ..
same_run "copy with a wrong argument count" copy
cp "$work/in.1048577" "$work/stdin"
same_run "catpp of 1 MiB" catpp
for d in plain drv; do
    set +e
    (cd "$work/$d" && ./catpp <"$work/stdin" >&- 2>"$work/stderr.$d")
    echo $? >"$work/status.$d"
    set -e
done
if cmp -s "$work/stderr.plain" "$work/stderr.drv" && cmp -s "$work/status.plain" "$work/status.drv"; then
    ok "catpp into a closed stdout (EBADF): same stderr and status"
else
    fail "catpp into a closed stdout: stderr or status differs"
fi

# 5. Link-time optimisation: the pass runs once per program, when it is linked.
if (cd "$work/lto" && "$syscluster" build --lto --verify -p "$work/all.prof.json" --log "$work/ltolog" -- make -s) \
    >"$work/lto.out" 2>&1; then
    ok "syscluster build --lto --verify -- make"
else
    fail "syscluster build --lto --verify -- make"
    sed 's/^/       /' "$work/lto.out"
fi
# --verify with --lto: LLVM's verifier ends each link's pipeline; copy and catpp changed.
if grep -q '^  opt -passes=verify: 2 changed modules passed, 0 failed' "$work/ltolog/summary.txt"; then
    ok "--lto --verify: the two programs the pass changed were verified in their links"
else
    fail "--lto --verify: the summary does not count the two verified links"
    sed 's/^/       /' "$work/ltolog/summary.txt"
fi
if grep -q 'copy\.c:35:14: clustered' "$work/ltolog/summary.txt" && grep -q 'catpp\.cc:15:15: clustered' "$work/ltolog/summary.txt"; then
    ok "--lto: copy's and catpp's read -> write clustered at link time"
else
    fail "--lto: the summary lacks copy's or catpp's cluster"
    sed 's/^/       /' "$work/ltolog/summary.txt"
fi
if nm "$work/lto/hello" | grep multicall >/dev/null; then fail "--lto: hello links the runtime although nothing clustered"; else ok "--lto: hello links no runtime"; fi
for size in 0 4097 1048577; do
    for d in plain lto; do
        rm -f "$work/out.$d"
        set +e
        (cd "$work/$d" && ./copy "../in.$size" "$work/out.$d" >"$work/stdout.$d" 2>"$work/stderr.$d")
        echo $? >"$work/status.$d"
        set -e
    done
    if cmp -s "$work/out.plain" "$work/out.lto" && cmp -s "$work/stderr.plain" "$work/stderr.lto" &&
        cmp -s "$work/status.plain" "$work/status.lto" && cmp -s "$work/in.$size" "$work/out.lto"; then
        ok "--lto: copy $size bytes: same file, stderr and status"
    else
        fail "--lto: copy $size bytes differs from the original"
    fi
done

# 6. Several sources compiled and linked in one command (`cc -o prog main.c loop.c`): each
# module is compiled apart with its own remarks, and the objects are linked as the command
# links its sources.
mkdir -p "$work/two"
cat >"$work/two/loop.c" <<'C'
#include <unistd.h>
long copy_loop(int in, int out)
{
	char buf[4096];
	long total = 0;
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		total += n;
	}
	return n < 0 ? -1 : total;
}
C
cat >"$work/two/main.c" <<'C'
#include <stdio.h>
long copy_loop(int in, int out);
int main(void)
{
	long total = copy_loop(0, 1);
	fprintf(stderr, "copied %ld\n", total);
	return total < 0;
}
C
(cd "$work/two" && clang-19 -O2 -g -o plain main.c loop.c)
# The driver puts its compiler wrapper in $CC.
# shellcheck disable=SC2016
if (cd "$work/two" && "$syscluster" build -p "$root/testsuite/lit/Inputs/copy-by-name.json" --log "$work/twolog" \
    --verify -- sh -c '$CC -O2 -g -o clustered main.c loop.c') >"$work/two.out" 2>&1; then
    ok "one command compiling and linking two sources"
else
    fail "one command compiling and linking two sources"
    sed 's/^/       /' "$work/two.out"
fi
if grep -q '^syscluster build: 2 modules compiled with the pass, 1 changed' "$work/twolog/summary.txt" &&
    grep -q 'loop\.c:8:14: clustered the whole loop into one looped multi-call' "$work/twolog/summary.txt"; then
    ok "two sources in one command: both modules counted, loop.c's copy loop clustered"
else
    fail "two sources in one command: the summary does not count both modules or lacks loop.c's cluster"
    sed 's/^/       /' "$work/twolog/summary.txt" | head -n 12
fi
# The compiler named as the command itself runs as the wrapper.
if (cd "$work/two" && "$syscluster" build -p "$root/testsuite/lit/Inputs/copy-by-name.json" --log "$work/directlog" \
    -- clang-19 -O2 -g -o direct main.c loop.c) >"$work/direct.out" 2>&1 &&
    grep -q 'the command is a compiler: running it as `syscluster cc`' "$work/direct.out" &&
    grep -q 'loop\.c:8:14: clustered the whole loop into one looped multi-call' "$work/directlog/summary.txt" &&
    cmp -s <(cd "$work/two" && ./direct <"../in.1048577" 2>&1) <(cd "$work/two" && ./plain <"../in.1048577" 2>&1); then
    ok "syscluster build -- clang-19 ...: the compile runs as the wrapper, loop.c's copy loop clustered"
else
    fail "syscluster build -- clang-19 ...: the compile did not run as the wrapper"
    sed 's/^/       /' "$work/direct.out" | head -n 12
fi
# A query of the compiler (no input) runs it unchanged, not as a link of nothing.
# shellcheck disable=SC2016
if (cd "$work/two" && "$syscluster" build -p "$root/testsuite/lit/Inputs/copy-by-name.json" --log "$work/querylog" \
    -- sh -c '$CC -v && $CC --version && $CC -print-file-name=libgcc_eh.a') >"$work/query.out" 2>&1; then
    ok "compiler queries through the wrapper (-v, --version, -print-file-name) succeed"
else
    fail "compiler queries through the wrapper fail"
    sed 's/^/       /' "$work/query.out" | head -n 12
fi
# A build that compiles nothing through $CC is told so.
if (cd "$work/two" && "$syscluster" build -p "$root/testsuite/lit/Inputs/copy-by-name.json" --log "$work/nonelog" \
    -- sh -c 'clang-19 -O2 -g -o none main.c loop.c') >"$work/none.out" 2>&1 &&
    grep -q 'no compile ran through the wrapper' "$work/none.out"; then
    ok "a build that names its own compiler: the driver says no compile ran through the wrapper"
else
    fail "a build that names its own compiler: no word that the pass never ran"
    sed 's/^/       /' "$work/none.out" | head -n 12
fi
for size in 0 4097 1048577; do
    (cd "$work/two" && ./plain <"../in.$size" >out.plain 2>err.plain; echo $? >status.plain)
    (cd "$work/two" && ./clustered <"../in.$size" >out.clustered 2>err.clustered; echo $? >status.clustered)
    if cmp -s "$work/two/out.plain" "$work/two/out.clustered" && cmp -s "$work/two/err.plain" "$work/two/err.clustered" &&
        cmp -s "$work/two/status.plain" "$work/two/status.clustered" && cmp -s "$work/in.$size" "$work/two/out.clustered"; then
        ok "two sources in one command: copy $size bytes: same output, stderr and status"
    else
        fail "two sources in one command: copy $size bytes differs from the original"
    fi
done

summary 35-driver
