"""
embargo_lists.py: what tests/lists/check.py and sources.py share: where
the tree and the built daemon are, a pass/fail counter, and the verdicts
`embargod -T` gives names under a configuration.
"""
import os
import re
import subprocess
import tempfile

SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__),
                                                 "..", ".."))
BUILD = os.environ.get("top_builddir", SRC)
EMBARGOD = os.path.join(BUILD, "src", "embargod")
LISTS = os.path.join(SRC, "lists")
HERE = os.path.join(SRC, "tests", "lists")
failed = 0


def ok(cond, what):
    global failed
    print(("ok: " if cond else "FAIL: ") + what)
    failed += not cond


def run(conf_text, *args, lists=LISTS):
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write(conf_text)
        f.flush()
        return subprocess.run([EMBARGOD, "-L", lists, "-f", f.name] +
                              list(args), capture_output=True, text=True)


def verdicts(profile, names, lists=LISTS):
    """name -> list that blocks it, allow:list, or - (via embargod -T)."""
    r = run("profile %s\n" % profile, "-T", *names, lists=lists)
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r"(\S+): (blocked|allowed|audited) by list (\S+)", line)
        if m:
            out[m.group(1)] = (m.group(3) if m.group(2) != "allowed"
                               else "allow:" + m.group(3))
        elif line.endswith(": not listed"):
            out[line.split(":")[0]] = "-"
    return out
