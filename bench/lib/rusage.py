#!/usr/bin/env python3
"""
Runs a command REPS times and prints JSON: per run wall and CPU seconds (user + system of the
command and everything it waited for), and the largest max RSS among them (KiB). The wrapper's
own start-up is outside every measurement.

usage: rusage.py REPS -- COMMAND [ARGS...]
"""
import json, resource, subprocess, sys, time

reps = int(sys.argv[1])
command = sys.argv[sys.argv.index("--") + 1:]
runs = []
for _ in range(reps):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        sys.exit(done.returncode)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runs.append({"wall": wall, "cpu": cpu})
print(json.dumps({"runs": runs, "maxRssKb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
