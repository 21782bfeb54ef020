#!/usr/bin/env python3
"""
sources.py: the shipped lists against what public sources know.

- every rule of every list (.list and .cidr) carries a confidence letter
  (K P R L O G) and a source in its comment, and no rule resting only
  on a weak L or a G is in a file that a shipped profile uses;
- the pinned copy of v2fly's data/kaspersky (tests/data/v2fly) is the
  one its README names, and every name in it is classified in
  sources.txt: its "full:" names as product endpoints, its plain domains
  as web sites;
- every name in sources.txt gets the verdict its class demands under
  the default and whole-vendor profiles (through `embargod -T`), so a
  later change that drops a name, or lets an account or web name into
  the default profile, fails.
Exit 0 pass, 1 fail, 77 when embargod is not built.
"""
import hashlib
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import embargo_lists as el  # noqa: E402
from embargo_lists import EMBARGOD, LISTS, HERE, SRC, ok, verdicts

V2FLY = os.path.join(SRC, "tests", "data", "v2fly")
DEFAULT_LISTS = {"kaspersky-update", "kaspersky-ksn", "kaspersky-activation",
                 "kaspersky-management", "kaspersky-statistics"}
# A confidence letter opens a clause: "K:", "L (weak):", "L (v2fly):",
# after the comment mark, a blank, "(" or ";".
LETTER = re.compile(r"(?:^|[\s(;,])([KPRLOG])( \([^)]*\))?:\s*(\S.*)?$")


def confidences(text):
    """(letter, weak, rest) for each clause of a comment's text."""
    found = []
    for part in re.split(r"(?=(?:^|[\s(;,])[KPRLOG](?: \([^)]*\))?:)",
                         text):
        m = LETTER.search(part)
        if m:
            weak = m.group(2) == " (weak)"
            rest = m.group(3) or ""
            if m.group(2) and not weak:  # "L (v2fly):", a source too
                rest = (m.group(2).strip()[1:-1] + " " + rest).strip()
            found.append((m.group(1), weak, rest))
    return found


def rule_groups(path):
    """[(line number, rule, comment text)] for each rule of a list file.

    A rule's comment is the run of comment lines directly above the run
    of rules it belongs to (a blank line ends both), plus a comment at
    the end of its own line."""
    out = []
    block, in_rules = [], False
    for n, raw in enumerate(open(path), 1):
        line = raw.rstrip("\n")
        s = line.strip()
        if not s:
            block, in_rules = [], False
        elif s.startswith("#"):
            if in_rules:
                block, in_rules = [], False
            block.append(s.lstrip("#").strip())
        elif s.startswith("@"):
            block, in_rules = [], False
        else:
            in_rules = True
            m = re.search(r"\s#\s*(.*)$", s)
            rule = s[:m.start()].strip() if m else s
            trail = m.group(1) if m else ""
            out.append((n, rule, " ".join(block + [trail]).strip()))
    return out


def profile_files():
    files = set()
    for p in os.listdir(LISTS):
        if p.endswith(".profile"):
            for line in open(os.path.join(LISTS, p)):
                m = re.match(r'\s*list\s+\S+\s+"([^"]+)"', line)
                if m:
                    files.add(m.group(1))
    return files


def check_confidence():
    files = sorted(f for f in os.listdir(LISTS)
                   if f.endswith((".list", ".cidr")))
    used = profile_files()
    total = 0
    for f in files:
        groups = rule_groups(os.path.join(LISTS, f))
        total += len(groups)
        bare, vague, weak = [], [], []
        for n, rule, text in groups:
            c = confidences(text)
            if not c:
                bare.append("%s:%d %s" % (f, n, rule))
            elif not any(len(rest.split()) >= 2 for _, _, rest in c):
                vague.append("%s:%d %s" % (f, n, rule))
            elif f in used and all(l == "G" or (l == "L" and w)
                                   for l, w, _ in c):
                weak.append("%s:%d %s" % (f, n, rule))
        ok(groups and not bare and not vague,
           "%s: %d rules, each with a confidence letter and a source%s" %
           (f, len(groups), "".join("\n  no letter: " + b for b in bare) +
            "".join("\n  no source after the letter: " + v
                    for v in vague)))
        if f in used:
            ok(not weak, "%s (in a profile): no rule rests only on a weak "
               "L or a G%s" % (f, "".join("\n  " + w for w in weak)))
    # the checker itself: a planted bare rule and a planted weak one
    with tempfile.NamedTemporaryFile("w", suffix=".list") as t:
        t.write("# L: a real source (v2fly)\na.example\n\nb.example\n"
                "# L (weak): only one list\nc.example\n# K\nd.example\n")
        t.flush()
        g = {r: confidences(x) for _, r, x in rule_groups(t.name)}
        ok(g["a.example"] == [("L", False, "a real source (v2fly)")] and
           g["b.example"] == [] and g["c.example"][0][:2] == ("L", True) and
           g["d.example"] == [],
           "the confidence check tells a sourced rule from bare and weak "
           "ones")
    return total


def v2fly_names():
    """(full names, plain domains) of the pinned v2fly copy."""
    full, plain = [], []
    for line in open(os.path.join(V2FLY, "kaspersky")):
        words = line.split("#")[0].split()
        if not words:
            continue
        w = words[0]
        if w.startswith("full:"):
            full.append(w[5:])
        elif w.startswith("domain:"):
            plain.append(w[7:])
        elif ":" not in w:
            plain.append(w)
    return full, plain


def check_v2fly(classes):
    data = open(os.path.join(V2FLY, "kaspersky"), "rb").read()
    readme = open(os.path.join(V2FLY, "README")).read()
    digest = hashlib.sha256(data).hexdigest()
    ok(digest in readme and re.search(r"\bcommit [0-9a-f]{40}\b", readme)
       and "MIT" in open(os.path.join(V2FLY, "LICENSE")).read(),
       "tests/data/v2fly/kaspersky is the pinned copy (sha256 %s..., "
       "commit and MIT licence recorded)" % digest[:12])
    full, plain = v2fly_names()
    ok(len(full) >= 90 and len(plain) >= 30,
       "v2fly: %d full names, %d domains" % (len(full), len(plain)))
    wrong = ["%s: %s, not product" % (n, classes.get(n)) for n in full
             if classes.get(n) != "product"]
    wrong += ["%s: %s, not web" % (n, classes.get(n)) for n in plain
              if classes.get(n) != "web"]
    ok(not wrong, "every v2fly name is classified in sources.txt (full: "
       "product, domain: web)%s" % "".join("\n  " + w for w in wrong))


def expected(cls, default, whole):
    """None when (default, whole-vendor) fit the class, else a reason."""
    if cls == "product":
        if default not in DEFAULT_LISTS or whole != default:
            return "a product endpoint must be blocked by a default list"
    elif cls == "account":
        if default != "-" or whole != "kaspersky-account":
            return "account: not default, kaspersky-account in whole-vendor"
    elif cls == "web":
        if default != "-" or whole not in ("kaspersky-web",
                                           "allow:kaspersky-bis-carveout"):
            return "web: not default, kaspersky-web in whole-vendor"
    elif cls == "unverified":
        if default != "-" or whole == "kaspersky-account":
            return "unverified: in no default list"
    elif cls == "excluded":
        if default != "-" or whole != "-":
            return "excluded: blocked by no shipped profile"
    else:
        return "unknown class %s" % cls
    return None


def check_sources(table):
    names = [t[0] for t in table]
    d = verdicts("default", names)
    w = verdicts("whole-vendor", names)
    bad = []
    count = {}
    for n, cls in ((t[0], t[1]) for t in table):
        why = expected(cls, d.get(n), w.get(n))
        c = count.setdefault(cls, [0, 0])
        c[0] += 1
        c[1] += why is None
        if why:
            bad.append("%s (%s): default %s, whole-vendor %s: %s" %
                       (n, cls, d.get(n), w.get(n), why))
    for cls in ("product", "account", "web", "unverified", "excluded"):
        n, good = count.get(cls, [0, 0])
        ok(n > 0 and n == good, "%s names: %d of %d as their class demands"
           % (cls, good, n))
    blocked = sum(1 for t in table if t[1] == "product" and
                  d.get(t[0]) in DEFAULT_LISTS)
    print("default profile blocks %d of %d product-endpoint names; "
          "%d account, web or excluded names blocked by default" %
          (blocked, count.get("product", [0])[0],
           sum(1 for t in table if t[1] in ("account", "web", "excluded")
               and d.get(t[0]) != "-")))
    ok(not bad, "every source name as expected%s" %
       "".join("\n  " + b for b in bad))
    dup = sorted({n for n in names if names.count(n) > 1})
    ok(not dup, "sources.txt names each name once %s" % (dup or ""))


if not os.access(EMBARGOD, os.X_OK):
    print("skip: %s not built" % EMBARGOD)
    sys.exit(77)
rules = check_confidence()
table = [l.split(None, 2) for l in open(os.path.join(HERE, "sources.txt"))
         if l.strip() and not l.startswith("#")]
classes = {t[0]: t[1] for t in table}
check_v2fly(classes)
check_sources(table)
sys.exit(1 if el.failed else 0)
