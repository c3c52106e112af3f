#!/usr/bin/python3
"""lat.py: the bench's latency figures, from files stamp.py wrote (lines: arrival ns, tab, text).

  lat.py create IDS RECORDS [FILE[:MATCH]]...
      For each container id in IDS (one a line): its container_create record in RECORDS gives the
      mkdir time (the record's ts); prints "records N ERRORS MISSING P50 P99": how many ids have
      an enriched record (no enrich_error), how many only one with enrich_error, how many none,
      and mkdir -> enriched record in ms. Then, per witness FILE, "witness N P50 P99 BEFORE": the
      first line of FILE naming the id (and containing MATCH, if given) against the same mkdir
      time; BEFORE counts lines that came before the mkdir (negative figures).
  lat.py scan T0 IDS RECORDS
      For a pipeline started at T0 (ns): prints "N ERRORS MISSING SCAN_MS FIRST_MS LAST_MS", the
      ids of IDS with an existing_container record in RECORDS, enriched or with enrich_error;
      when cgtap's scan met the first of their cgroups (the records' earliest ts), and when the
      first and the last record arrived, in ms from T0; exit status 1 while some are missing.
"""
import json
import re
import sys

HEX64 = re.compile(r"[0-9a-f]{64}")


def pct(v, p):
    v = sorted(v)
    return "%.1f" % v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else "nan"


def records(path, event):
    """id -> (arrival ns, record) of the first EVENT record for each id."""
    got = {}
    with open(path, errors="replace") as f:
        for line in f:
            t, _, text = line.partition("\t")
            try:
                r = json.loads(text)
            except ValueError:
                continue  # a line cut short by the pipeline's end
            cid = r.get("container_id")
            if r.get("event") == event and cid and cid not in got:
                got[cid] = (int(t), r)
    return got


def ids(path):
    with open(path) as f:
        return [x for x in (line.strip() for line in f) if x]


def create(argv):
    want = ids(argv[0])
    got = records(argv[1], "container_create")
    ours, errors = [], 0
    mkdir = {}
    for cid in want:
        if cid in got:
            t, r = got[cid]
            mkdir[cid] = r["ts"]
            if "enrich_error" in r:
                errors += 1
            else:
                ours.append((t - r["ts"]) / 1e6)
    print("records", len(ours), errors, len(want) - len(mkdir), pct(ours, 50), pct(ours, 99))
    for spec in argv[2:]:
        path, _, match = spec.partition(":")
        seen = {}
        with open(path, errors="replace") as f:
            for line in f:
                t, _, text = line.partition("\t")
                if match not in text:
                    continue
                for cid in HEX64.findall(text):
                    if cid in mkdir and cid not in seen:
                        seen[cid] = (int(t) - mkdir[cid]) / 1e6
        v = list(seen.values())
        print("witness", len(v), pct(v, 50), pct(v, 99), sum(x < 0 for x in v))


def scan(argv):
    t0 = int(argv[0])
    want = ids(argv[1])
    got = records(argv[2], "existing_container")
    have = [got[c] for c in want if c in got]
    errors = sum("enrich_error" in r for _, r in have)
    times = [(t - t0) / 1e6 for t, _ in have]
    scanned = [(r["ts"] - t0) / 1e6 for _, r in have]
    missing = len(want) - len(have)

    def ms(f, v):
        return "%.1f" % f(v) if v else "nan"
    print(len(have) - errors, errors, missing, ms(min, scanned), ms(min, times), ms(max, times))
    return 1 if missing else 0


if len(sys.argv) >= 4 and sys.argv[1] == "create":
    create(sys.argv[2:])
elif len(sys.argv) == 5 and sys.argv[1] == "scan":
    sys.exit(scan(sys.argv[2:]))
else:
    print("usage: lat.py create IDS RECORDS [FILE[:MATCH]]... | lat.py scan T0 IDS RECORDS",
          file=sys.stderr)
    sys.exit(2)
