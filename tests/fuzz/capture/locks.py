#!/usr/bin/env python3
# Capture /proc/locks for the fuzz-locks seed corpus while this process
# holds a FLOCK write lock, a FLOCK read lock and a POSIX range lock and a
# child waits for the first (a "->" waiter line). Prints it on stdout.
import fcntl, os, time, sys, tempfile
d = tempfile.mkdtemp()
a = open(d + "/a", "w"); b = open(d + "/b", "w"); c = open(d + "/c", "w")
fcntl.flock(a, fcntl.LOCK_EX)
fcntl.flock(b, fcntl.LOCK_SH)
fcntl.lockf(c, fcntl.LOCK_EX, 10, 5)
pid = os.fork()
if pid == 0:
    x = open(d + "/a", "w")
    fcntl.flock(x, fcntl.LOCK_EX)  # blocks: a waiter line "->"
    os._exit(0)
time.sleep(0.3)
sys.stdout.write(open("/proc/locks").read())
os.kill(pid, 9); os.waitpid(pid, 0)
