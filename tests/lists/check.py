#!/usr/bin/env python3
"""
check.py: the shipped lists and profiles, through the real embargod.

- every file in lists/ loads strictly with no warning (so no duplicate
  rule), and carries its metadata;
- every profile loads;
- the names in names.txt get exactly the expected list under the
  default and whole-vendor profiles (the category follows the list);
- no block rule of a profile is let through by an allow rule unless
  shadowed.txt says it is meant to be (checked to catch a planted one);
- the prefix file holds valid CIDR prefixes and none of Kaspersky's
  DDoS-protection networks (AS209030, the "KDP NET" objects).
Exit 0 pass, 1 fail, 77 when embargod is not built.
"""
import ipaddress
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import embargo_lists as el  # noqa: E402
from embargo_lists import EMBARGOD, HERE, LISTS, ok, run, verdicts


def rules(path):
    """The block rule names of a list file (native syntax)."""
    names = []
    for line in open(path):
        line = line.split(" #")[0].split("\t#")[0].strip()
        if not line or line[0] in "#@":
            continue
        words = line.split()
        if words[0] == "allow":
            continue
        names.append(words[-1].lstrip("*."))
    return names


def profile_lists(profile, lists=LISTS):
    """The list files a profile uses, following nested profiles."""
    files = []
    for line in open(os.path.join(lists, profile + ".profile")):
        words = line.split("#")[0].split()
        if words[:1] == ["profile"]:
            files += profile_lists(words[1], lists)
        elif words[:1] == ["list"] and len(words) >= 3 and \
                words[2].startswith('"'):
            files.append(os.path.join(lists, words[2].strip('"')))
    return files


def shadowed(profile, lists=LISTS):
    """Block rules the profile's allow rules let through."""
    names = [n for f in profile_lists(profile, lists) for n in rules(f)]
    got = verdicts(profile, names, lists)
    return {n for n in names if got.get(n, "").startswith("allow:")}


def check_files():
    files = sorted(f for f in os.listdir(LISTS) if f.endswith(".list"))
    conf = "".join('list %s "%s"\n' % (f[:-5], f) for f in files)
    r = run(conf, "-n")
    ok(r.returncode == 0 and r.stderr == "" and "warning" not in r.stdout,
       "all %d lists load strictly without a warning" % len(files))
    if r.stderr:
        print(r.stderr)
    for f in files:
        text = open(os.path.join(LISTS, f)).read()
        missing = [k for k in ("vendor", "category", "description",
                               "source", "version", "scope")
                   if not re.search(r"^@%s\s+\S" % k, text, re.M)]
        ok(not missing, "%s carries its metadata %s" %
           (f, "(missing: %s)" % missing if missing else ""))
    readme = open(os.path.join(LISTS, "README")).read()
    for f in files + sorted(p for p in os.listdir(LISTS)
                            if p.endswith((".profile", ".cidr"))):
        ok(f in readme, "lists/README describes %s" % f)


def check_profiles():
    for p in sorted(os.listdir(LISTS)):
        if p.endswith(".profile"):
            r = run("profile %s\n" % p[:-8], "-n")
            ok(r.returncode == 0 and r.stderr == "",
               "profile %s loads" % p[:-8])


def check_names():
    table = [l.split() for l in open(os.path.join(HERE, "names.txt"))
             if l.strip() and not l.startswith("#")]
    names = [t[0] for t in table]
    kasp = sum(1 for t in table if t[1].startswith("kaspersky-"))
    alike = sum(1 for t in table if t[1] == "-" and t[2] == "-")
    ok(kasp >= 40 and alike >= 20,
       "%d Kaspersky names blocked by default, %d never blocked" %
       (kasp, alike))
    for col, profile in ((1, "default"), (2, "whole-vendor")):
        got = verdicts(profile, names)
        bad = ["%s: %s, not %s" % (t[0], got.get(t[0]), t[col])
               for t in table if got.get(t[0]) != t[col]]
        ok(not bad, "%s profile: %d names as expected%s" %
           (profile, len(table), "".join("\n  " + b for b in bad)))


def check_shadowing():
    intended = {tuple(l.split()) for l in open(
        os.path.join(HERE, "shadowed.txt")) if l.strip() and l[0] != "#"}
    for profile in ("default", "whole-vendor"):
        found = {(profile, n) for n in shadowed(profile)}
        ok(found <= intended, "%s: no block rule shadowed unintentionally %s"
           % (profile, sorted(found - intended) or ""))
    planted = shadowed("shadow", os.path.join(HERE, "fixture"))
    ok(planted == {"sub.blocked.example"},
       "the shadow check finds a planted one (%s)" % sorted(planted))


def check_prefixes():
    path = os.path.join(LISTS, "kaspersky-prefixes.cidr")
    nets = []
    for line in open(path):
        line = line.split("#")[0].strip()
        if line and line[0] != "@":
            nets.append(ipaddress.ip_network(line, strict=True))
    # AS209030, and the AS200107 objects named "KDP NET 1".."KDP NET 6"
    kdp = [ipaddress.ip_network(p) for p in
           ("82.202.186.0/23", "82.202.188.0/22", "2a13:c80::/32",
            "185.54.220.0/22", "185.85.10.0/23")]
    ok(len(nets) > 20, "%d prefixes parse" % len(nets))
    ok(not any(n.overlaps(k) for n in nets for k in kdp
               if n.version == k.version),
       "no prefix of Kaspersky's DDoS-protection network (AS209030, "
       "KDP NET), which carries third parties' traffic")


if not os.access(EMBARGOD, os.X_OK):
    print("skip: %s not built" % EMBARGOD)
    sys.exit(77)
check_files()
check_profiles()
check_names()
check_shadowing()
check_prefixes()
sys.exit(1 if el.failed else 0)
