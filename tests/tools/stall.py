#!/usr/bin/env python3
"""stall.py TID SECONDS: stop one thread (not its process) for SECONDS.

PTRACE_SEIZE and PTRACE_INTERRUPT put only that thread in a ptrace
stop (PTRACE_ATTACH's SIGSTOP would stop the whole process), so a
daemon's queue thread can be made to stop answering while the rest of
it runs: what the watchdog must notice.  Bounded to 30 s.
"""
import ctypes
import os
import sys
import time

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                        ctypes.c_void_p]


def ptrace(req, tid):
    if libc.ptrace(req, tid, None, None) == -1:
        e = ctypes.get_errno()
        sys.exit("ptrace %#x %d: %s" % (req, tid, os.strerror(e)))


tid, seconds = int(sys.argv[1]), min(float(sys.argv[2]), 30.0)
ptrace(PTRACE_SEIZE, tid)
ptrace(PTRACE_INTERRUPT, tid)
os.waitpid(tid, WALL)
print("thread %d stopped" % tid, flush=True)
time.sleep(seconds)
ptrace(PTRACE_DETACH, tid)
print("thread %d going again" % tid, flush=True)
