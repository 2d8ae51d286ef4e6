#!/usr/bin/env bash
# Stage: `syscluster record` on real programs, end to end. The program's output, input and exit
# status must pass through unchanged, and each profile must be valid and show the program's hot
# transition at its source site. (The Rust tests cover the parser on captured traces, copy.c's
# Figure 5c shape, show/graph/merge and bad input.)
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$root"
sc=$target/release/syscluster
[ -x "$sc" ] || cargo build --release --locked -p syscluster-cli 2>&1 | tail -n 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# check PROFILE PYTHON-EXPRESSION DESCRIPTION: the expression sees the profile as `p` and the edges
# as `w[(from_label, to_label)]` (weights summed over sites).
check() {
    if python3 - "$1" "$2" <<'PY'; then ok "$3"; else fail "$3"; fi
import json, sys, collections
p = json.load(open(sys.argv[1]))
assert p["version"] == 1
n = p["nodes"]
def label(x):
    return x["syscall"] + "(" + ", ".join(a["value"] for a in x.get("args", [])) + ")"
w = collections.Counter()
for e in p["edges"]:
    w[(label(n[e["from"]]), label(n[e["to"]]))] += e["weight"]
def site(lbl):
    return [x["site"] for x in n if label(x) == lbl and "site" in x]
ok = eval(sys.argv[2])
if not ok:
    print("  edges:", w.most_common(8), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

head -c 1000000 /dev/urandom >data.bin

# cat into a pipe: stdout passes through byte for byte.
sum1=$("$sc" record -o cat.json -- cat data.bin 2>/dev/null | sha256sum)
sum2=$(sha256sum <data.bin)
[ "$sum1" = "$sum2" ] && ok "cat: output through a pipe unchanged" || fail "cat: output changed"
check cat.json 'w[("read(3)", "write(1)")] >= 7 and w[("write(1)", "read(3)")] >= 7' "cat: read(3) <-> write(1) loop"

# stdin passes through too.
sum1=$("$sc" record -o cat-stdin.json -- cat <data.bin 2>/dev/null | sha256sum)
[ "$sum1" = "$sum2" ] && ok "cat: stdin passes through" || fail "cat: stdin lost"
check cat-stdin.json 'w[("read(0)", "write(1)")] >= 7' "cat: read(0) -> write(1)"

# dd: blocks of 8 KiB.
"$sc" record -o dd.json -- dd if=data.bin of=dd.out bs=8k 2>/dev/null
cmp -s data.bin dd.out && ok "dd: copy intact" || fail "dd: copy differs"
check dd.json 'w[("read(0)", "write(1)")] == 123 and w[("write(1)", "read(0)")] == 123' "dd: 123 blocks read -> write"

# gzip: exit status of a failing run passes through, and the profile is still written.
"$sc" record -o gz.json -- gzip -c data.bin >data.gz 2>/dev/null
set +e
"$sc" record -o gzt.json -- gzip -t data.bin 2>/dev/null
status=$?
set -e
[ "$status" = 1 ] && ok "gzip -t on a non-gzip file: exit status 1 passes through" || fail "gzip -t: status $status"
[ -s gzt.json ] && ok "gzip -t: profile written despite the failure" || fail "gzip -t: no profile"
gunzip -c data.gz | cmp -s - data.bin && ok "gzip: output intact" || fail "gzip: output differs"

# Our own programs, built with debug info: sites resolve to their sources.
for p in threads forkserver; do
    clang-19 -O2 -g -pthread -o $p "$root/testsuite/traces/src/$p.c"
done
out=$("$sc" record -o threads.json -- ./threads 2>/dev/null)
[ "$out" = done ] && ok "threads: output unchanged" || fail "threads: printed '$out'"
check threads.json 'sum(x["count"] for x in n if x["syscall"] == "read" and x.get("site", {}).get("function") == "work") == 80 and all(s["file"].endswith("threads.c") for s in site("write(4)"))' \
    "threads: 4 x 20 reads at their site in work() of threads.c"
out=$("$sc" record -o fs.json -- ./forkserver 2>/dev/null)
[ "$out" = "served 3" ] && ok "forkserver: output unchanged" || fail "forkserver: printed '$out'"
check fs.json 'sum(v for (a, b), v in w.items() if a.startswith("read(") and b.startswith("write(")) >= 3 and any(s["function"] == "client" for s in site("connect(3)"))' \
    "forkserver: per-process read -> write, connect() sited in client()"

# merge of two recordings adds up.
"$sc" record -o dd2.json -- dd if=data.bin of=dd.out bs=8k 2>/dev/null
"$sc" merge dd.json dd2.json -o dd-both.json 2>/dev/null
check dd-both.json 'p["runs"] == 2 and w[("read(0)", "write(1)")] == 246' "merge: two dd runs add up"

summary profile
