#!/usr/bin/env python3
"""A synthetic "everything is hot" profile for the syscall-cluster pass (scripts/stress-pass.sh).

    stress-profile.py -o PROFILE [--weight N] BINARY...

Reads plain builds (clang -O2 -g, not clustered) of a package's programs, finds every call of a
libc system-call wrapper of the catalogue (profile/src/catalogue/mod.rs) in their machine code
(`objdump -d`), looks up each call's source site the way `syscluster record` does
(`llvm-symbolizer --inlining`: the innermost frame's function, file, line and column), and
writes a profile (docs/profile-format.md) in which every pair of sites that can follow each
other is an edge of weight N:

- consecutive events of one function in address order, both ways, and its last event to its
  first, where an event is a system-call site or a call of a function of the program that has
  sites of its own (the callee entered at its first site and left at its last: caller and
  callee sites one call apart, and the sites of two helpers called one after the other);
- each event to itself when a backward jump of its function spans it (a loop);
- with --all-pairs, every ordered pair of events of one function as well.

A node is one source site (no inlined-at chain), so it matches every copy of that call that
inlining makes, in every program and at link time. Nothing here says the edges happen: the
profile exists to make the pass try every transformation on real code.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CATALOGUE = os.path.join(ROOT, "profile", "src", "catalogue", "mod.rs")


def wrappers():
    """{libc function: (nr, [trace names])} from the catalogue's WRAPPERS table."""
    with open(CATALOGUE, encoding="utf-8") as f:
        src = f.read()
    start = src.index("static WRAPPERS: &[Wrapper] = &[")
    body = src[start : src.index("\n];", start)]
    flat = " ".join(re.sub(r"//[^\n]*", "", body).split())
    found = re.findall(r'(?:w|checked)!\( ?"([^"]+)", ?(\d+), ?\[([^\]]*)\]', flat)
    found += re.findall(
        r'Wrapper \{ function: "([^"]+)", nr: (\d+), trace_names: &\[([^\]]*)\]', flat
    )
    table = {}
    for name, nr, traces in found:
        table[name] = (int(nr), re.findall(r'"([^"]+)"', traces))
    if len(table) < 100:
        sys.exit("stress-profile: could not read the wrapper table of %s" % CATALOGUE)
    return table


def trace_name(function, traces):
    """The kernel name a profile node gives a call of `function` (one its sites answer to)."""
    plain = re.sub(r"^__|_chk$", "", function)
    for t in (function, plain, plain + "64"):
        if t in traces:
            return t
    return traces[0]


HEADER = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
INSN = re.compile(r"^ *([0-9a-f]+):\s+(\S+)\s+([0-9a-f]+) <([^>+]+)(\+0x[0-9a-f]+)?>")


def disassemble(binary):
    """{function: [(address, mnemonic, target address, target symbol, offset)]}."""
    out = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", binary],
        capture_output=True, text=True, check=True,
    ).stdout
    functions = {}
    current = None
    for line in out.splitlines():
        m = HEADER.match(line)
        if m:
            current = functions.setdefault(m.group(2), [])
            continue
        m = INSN.match(line)
        if m and current is not None:
            current.append(
                (int(m.group(1), 16), m.group(2), int(m.group(3), 16), m.group(4), m.group(5))
            )
    return functions


def symbolize(binary, addresses):
    """{address: (function, file, line, column)} of each address's innermost frame."""
    if not addresses:
        return {}
    text = "\n".join("0x%x" % a for a in addresses) + "\n"
    out = subprocess.run(
        ["llvm-symbolizer-19", "--inlining", "--obj=" + binary],
        input=text, capture_output=True, text=True, check=True,
    ).stdout
    blocks = out.split("\n\n")
    frames = {}
    for a, block in zip(addresses, blocks):
        lines = [l for l in block.strip("\n").split("\n") if l]
        if len(lines) < 2:
            continue
        loc = lines[1].rsplit(":", 2)
        # Line 0: a call whose location the compiler merged away; no recorded site names it.
        if len(loc) != 3 or lines[0] == "??" or loc[0] == "??" or loc[1] == "0":
            continue
        frames[a] = (lines[0], loc[0], int(loc[1]), int(loc[2]))
    return frames


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--weight", type=int, default=1000)
    ap.add_argument(
        "--all-pairs",
        action="store_true",
        help="also every ordered pair of events of one function, not only consecutive ones",
    )
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    table = wrappers()
    nodes, node_of = [], {}
    edges = set()

    def node(syscall, nr, frame):
        key = (syscall,) + frame
        if key not in node_of:
            node_of[key] = len(nodes)
            function, file, line, column = frame
            nodes.append(
                {
                    "syscall": syscall,
                    "nr": nr,
                    "count": args.weight,
                    "site": {"function": function, "file": file, "line": line, "column": column},
                }
            )
        return node_of[key]

    binaries = []
    for binary in args.binaries:
        with open(binary, "rb") as f:
            if f.read(4) == b"\x7fELF":
                binaries.append(binary)
            else:
                print("stress-profile: %s is not an ELF file: left out" % binary, file=sys.stderr)
    for binary in binaries:
        functions = disassemble(binary)
        starts = {}
        for f, insns in functions.items():
            if insns:
                starts[f] = insns[0][0]
        # Events per function: ("site", address, node) or ("call", address, callee).
        raw = defaultdict(list)
        site_addresses = []
        for f, insns in functions.items():
            if f.endswith("@plt") or f.startswith("_"):
                continue
            for addr, mnemonic, target, symbol, offset in insns:
                if not (mnemonic.startswith("call") or mnemonic == "jmp") or offset:
                    continue
                callee = symbol.split("@")[0]
                if callee in table and (symbol.endswith("@plt") or callee not in functions):
                    raw[f].append(("site", addr, callee))
                    site_addresses.append(addr)
                elif symbol in functions and symbol != f and not symbol.endswith("@plt"):
                    raw[f].append(("call", addr, symbol))
        frames = symbolize(binary, sorted(set(site_addresses)))
        events = {}
        for f, evs in raw.items():
            out = []
            for kind, addr, what in evs:
                if kind == "site":
                    if addr not in frames:
                        continue
                    nr, traces = table[what]
                    out.append(("site", addr, node(trace_name(what, traces), nr, frames[addr])))
                else:
                    out.append((kind, addr, what))
            events[f] = out

        def own_sites(f):
            return [n for kind, _, n in events.get(f, []) if kind == "site"]

        def ends(ev):
            """(entry, exit) nodes of an event, or None for a callee without sites."""
            kind, _, what = ev
            if kind == "site":
                return (what, what)
            s = own_sites(what)
            return (s[0], s[-1]) if s else None

        for f, evs in events.items():
            insns = functions[f]
            back = [(t, a) for a, m, t, _, _ in insns if m.startswith("j") and t <= a and t >= starts[f]]
            seq = [(ev, e) for ev in evs for e in [ends(ev)] if e]
            for (ev, (entry, exit_)) in seq:
                if any(t <= ev[1] <= a for t, a in back):
                    edges.add((exit_, entry))
            for (_, (_, x1)), (_, (e2, x2)) in zip(seq, seq[1:]):
                edges.add((x1, e2))
            for (_, (e1, _)), (_, (_, x2)) in zip(seq, seq[1:]):
                edges.add((x2, e1))
            if len(seq) > 2:
                edges.add((seq[-1][1][1], seq[0][1][0]))
            if args.all_pairs:
                for i, (_, (_, x1)) in enumerate(seq):
                    for j, (_, (e2, _)) in enumerate(seq):
                        if i != j:
                            edges.add((x1, e2))

    profile = {
        "version": 1,
        "program": "stress:" + ",".join(os.path.basename(b) for b in binaries[:8]),
        "runs": 1,
        "nodes": nodes,
        "edges": [{"from": a, "to": b, "weight": args.weight} for a, b in sorted(edges)],
    }
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(profile, f, indent=1)
    print(
        "stress-profile: %d binaries, %d sites, %d edges (%d self-loops) -> %s"
        % (len(binaries), len(nodes), len(edges), sum(a == b for a, b in edges), args.output)
    )


if __name__ == "__main__":
    main()
