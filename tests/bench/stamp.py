#!/usr/bin/env python3
"""stamp.py OUT: copy standard input lines to OUT, each prefixed with the wall-clock time (ns)
at which it arrived and a tab. The benchmark's witness of when a record left the pipeline."""
import sys
import time

with open(sys.argv[1], "w") as out:
    for line in sys.stdin.buffer:
        out.write("%d\t%s" % (time.time_ns(), line.decode("utf-8", "replace")))
        out.flush()
