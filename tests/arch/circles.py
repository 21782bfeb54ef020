#!/usr/bin/env python3
"""
circles.py: the modules of src/ point down only.  A module is a .c file
and its header; module a depends on module b when a.c or a.h includes
b.h.  Prints every circle (strongly connected set of two or more
modules) and exits 1 if there is one; prints the layers otherwise.
Run from anywhere: python3 tests/arch/circles.py [SRCDIR]
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z0-9_]+)\.h"', re.M)


def graph(src):
    mods = {f[:-2] for f in os.listdir(src) if f.endswith(".c")}
    edges = {m: set() for m in mods}
    for m in mods:
        for ext in (".c", ".h"):
            path = os.path.join(src, m + ext)
            if not os.path.exists(path):
                continue
            with open(path, encoding="utf-8") as f:
                for dep in INCLUDE.findall(f.read()):
                    if dep in mods and dep != m:
                        edges[m].add(dep)
    return edges


def circles(edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, onstack, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        onstack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        x = stack.pop()
                        onstack.discard(x)
                        comp.append(x)
                        if x == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
            elif w not in index:
                index[w] = low[w] = counter[0]
                counter[0] += 1
                stack.append(w)
                onstack.add(w)
                work.append((w, iter(sorted(edges[w]))))
            elif w in onstack:
                low[v] = min(low[v], index[w])
    return out


def layers(edges):
    depth = {}

    def d(m):
        if m not in depth:
            depth[m] = 1 + max((d(x) for x in edges[m]), default=0)
        return depth[m]
    for m in edges:
        d(m)
    return depth


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
    edges = graph(src)
    found = circles(edges)
    for c in found:
        ties = ["%s -> %s" % (a, b) for a in c for b in sorted(edges[a])
                if b in c]
        print("FAIL: circle: " + ", ".join(c) + " (" + "; ".join(ties) + ")")
    if found:
        return 1
    depth = layers(edges)
    for n in sorted(set(depth.values()), reverse=True):
        print("layer %d: %s" % (n, " ".join(sorted(m for m in depth
                                                   if depth[m] == n))))
    print("ok: %d modules, no circles" % len(edges))
    return 0


if __name__ == "__main__":
    sys.exit(main())
