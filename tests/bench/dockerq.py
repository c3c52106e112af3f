#!/usr/bin/python3
"""dockerq.py: what each candidate question for one container costs a real dockerd.

  dockerq.py SOCK populate N RUNNING  create containers (in parallel) until the daemon holds N,
                                      RUNNING of them running (the rest created, never started)
  dockerq.py SOCK steady K            ask each candidate K times about a running container
                                      (the full list at most 10 times), interleaved
  dockerq.py SOCK create K            start K containers per candidate and ask that candidate the
                                      moment cgtap (on PATH, cpuset hierarchy) reports the
                                      container's cgroup mkdir; each container is removed after
  dockerq.py SOCK ring                how many events dockerd takes in after a create before an
                                      events replay no longer returns that create

steady and create print one tab-separated line per candidate:
  MODE CANDIDATE SAMPLES NAMED P50 P90 MAX ASK_P50 ASK_P90 ASK_MAX
in milliseconds: P* from the cgroup mkdir (cgtap's kernel timestamp) to the answer read (create),
or the question's own time (steady); ASK_* the question's own time; NAMED how many answers
contained the container's id. ring prints "ring EVENTS". Containers are made from $IMAGE
(ctrwatch-test:1), under the cgroup parent $CGROUP_PARENT if set. Every socket call has a 120 s
deadline, every wait for a mkdir 10 s; a failure is a message on stderr and exit status 1.
"""
import concurrent.futures
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

IMAGE = os.environ.get("IMAGE", "ctrwatch-test:1")
CGROUP_PARENT = os.environ.get("CGROUP_PARENT", "")
TIMEOUT = 120


def die(msg, status=1):
    print("dockerq: %s" % msg, file=sys.stderr)
    sys.exit(status)


class UConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=TIMEOUT)
        self.upath = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(self.upath)
        self.sock = s


def req(method, url, body=None):
    """One request on a new connection (as a client without a pool would): (status, bytes)."""
    c = UConn(SOCK)
    try:
        h = {"Content-Type": "application/json"} if body is not None else {}
        c.request(method, url, body=json.dumps(body) if body is not None else None, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def must(method, url, body=None, ok=(200, 201, 204, 304)):
    st, data = req(method, url, body)
    if st not in ok:
        die("%s %s: HTTP %d: %r" % (method, url, st, data[:300]))
    return data


def q(d):
    return urllib.parse.quote(json.dumps(d, separators=(",", ":")))


def data_root():
    return json.loads(must("GET", "/info"))["DockerRootDir"]


def candidates(cid, t0, root):
    """name -> function returning the answer's bytes. t0: when the container was started."""

    def config_file():
        with open(os.path.join(root, "containers", cid, "config.v2.json"), "rb") as f:
            return f.read()

    def get(url):
        return lambda: req("GET", url)[1]

    return {
        "list_all_id": get("/containers/json?all=1&filters=" + q({"id": [cid]})),
        "list_running_id": get("/containers/json?filters=" + q({"id": [cid]})),
        "inspect": get("/containers/%s/json" % cid),
        # until = now: dockerd answers from its ring of recent events and closes the stream
        "events_replay": lambda: req("GET", "/events?since=%d&until=%.9f&filters=%s" % (
            int(t0) - 5, time.time(), q({"container": [cid], "event": ["create"]})))[1],
        "list_limit1": get("/containers/json?all=1&limit=1"),
        "list_all": get("/containers/json?all=1"),
        "config_file": config_file,
    }


NAMES = list(candidates("x", 0, "/").keys())


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")


def report(mode, name, total, ask, named):
    print("%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f" % (
        mode, name, len(total), named, pct(total, 50), pct(total, 90), max(total or [float("nan")]),
        pct(ask, 50), pct(ask, 90), max(ask or [float("nan")])), flush=True)


def create(name=None, start=False):
    body = {"Image": IMAGE, "HostConfig": {"NetworkMode": "none", "CgroupParent": CGROUP_PARENT},
            "Labels": {"bench": "dockerq"}}
    url = "/containers/create" + ("?name=" + name if name else "")
    cid = json.loads(must("POST", url, body))["Id"]
    if start:
        must("POST", "/containers/%s/start" % cid)
    return cid


def populate(n, running):
    have = json.loads(must("GET", "/containers/json?all=1"))
    run_have = sum(1 for c in have if c["State"] == "running")
    todo = max(0, n - len(have))
    starts = max(0, running - run_have)
    done = [0]
    lock = threading.Lock()

    def one(i):
        create(start=i < starts)
        with lock:
            done[0] += 1
            if done[0] % 500 == 0:
                print("dockerq: %d of %d created" % (done[0], todo), file=sys.stderr)

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(one, range(todo)))
    print("populate\t%d\t%d" % (len(have) + todo, run_have + min(starts, todo)))


def steady(k):
    # (limit=N lists stopped containers too)
    running = json.loads(must("GET", "/containers/json"))
    if not running:
        die("steady: no running container to ask about")
    cid = running[0]["Id"]
    c = candidates(cid, time.time() - 3600, data_root())
    res = {name: [] for name in c}
    named = {name: 0 for name in c}
    # interleaved, so that load changes hit every candidate alike
    for i in range(k):
        for name, f in c.items():
            if name == "list_all" and i >= 10:
                continue
            t = time.perf_counter()
            data = f()
            res[name].append((time.perf_counter() - t) * 1000)
            named[name] += cid.encode() in data
    for name in c:
        report("steady", name, res[name], res[name], named[name])


class Mkdirs:
    """cgtap on the cpuset hierarchy: the kernel timestamp of each container cgroup's mkdir."""

    def __init__(self):
        self.p = subprocess.Popen(["cgtap", "-v", "--hierarchy", "cpuset"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.cv = threading.Condition()
        self.seen = {}
        self.attached = threading.Event()
        threading.Thread(target=self._stderr, daemon=True).start()
        if not self.attached.wait(TIMEOUT):
            self.p.kill()
            die("cgtap did not attach within %d s" % TIMEOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _stderr(self):
        for line in self.p.stderr:
            if b"attached" in line:
                self.attached.set()

    def _read(self):
        for line in self.p.stdout:
            r = json.loads(line)
            last = r.get("path", "").rsplit("/", 1)[-1]
            # only container ids: other cgroups (other users' churn) are not kept
            if r.get("event") == "cgroup_mkdir" and len(last) == 64:
                with self.cv:
                    self.seen[last] = r["ts"]
                    self.cv.notify_all()

    def wait(self, cid, secs=10):
        with self.cv:
            if not self.cv.wait_for(lambda: cid in self.seen, secs):
                return None
            return self.seen.pop(cid)

    def close(self):
        self.p.terminate()
        self.p.wait(TIMEOUT)


def at_create(k):
    root = data_root()
    mk = Mkdirs()
    res = {name: ([], []) for name in NAMES}
    named = {name: 0 for name in NAMES}
    try:
        for i in range(k * len(NAMES)):
            name = NAMES[i % len(NAMES)]
            cid = create()
            t0 = time.time()
            th = threading.Thread(target=must, args=("POST", "/containers/%s/start" % cid))
            th.start()
            ts = mk.wait(cid)
            if ts is None:
                die("no cgroup mkdir seen for %s within 10 s" % cid)
            f = candidates(cid, t0, root)[name]
            t = time.perf_counter()
            data = f()
            done = time.time_ns()
            res[name][1].append((time.perf_counter() - t) * 1000)
            res[name][0].append((done - ts) / 1e6)
            named[name] += cid.encode() in data
            th.join(TIMEOUT)
            must("DELETE", "/containers/%s?force=1" % cid)
    finally:
        mk.close()
    for name in NAMES:
        report("create", name, res[name][0], res[name][1], named[name])


def ring():
    t0 = time.time()
    cid = create(name="dockerq-ring-%d" % os.getpid())
    repo = "dockerq-ring-%d" % os.getpid()
    flt = q({"container": [cid], "event": ["create"]})
    gone = None
    for k in range(1, 2001):
        # a tag is one event in dockerd's one ring, with the containers' events
        must("POST", "/images/%s/tag?repo=%s&tag=%d" % (IMAGE, repo, k))
        data = must("GET", "/events?since=%d&until=%.9f&filters=%s" % (
            int(t0) - 1, time.time(), flt))
        if cid.encode() not in data:
            gone = k
            break
    for j in range(1, (gone or 2000) + 1):
        must("DELETE", "/images/%s:%d" % (repo, j), ok=(200, 404))
    must("DELETE", "/containers/%s?force=1" % cid)
    if gone is None:
        die("ring: the create was still replayed after 2000 more events")
    # gone after `gone` more events: the ring held the create and gone - 1 after it
    print("ring\t%d" % gone)


USAGE = "usage: dockerq.py SOCK populate N RUNNING | steady K | create K | ring"
if len(sys.argv) < 3:
    die(USAGE, 2)
SOCK, MODE = sys.argv[1], sys.argv[2]
try:
    ARGS = [int(a) for a in sys.argv[3:]]
except ValueError:
    die(USAGE, 2)
try:
    if MODE == "populate" and len(ARGS) == 2:
        populate(*ARGS)
    elif MODE == "steady" and len(ARGS) == 1:
        steady(*ARGS)
    elif MODE == "create" and len(ARGS) == 1:
        at_create(*ARGS)
    elif MODE == "ring" and not ARGS:
        ring()
    else:
        die(USAGE, 2)
except (OSError, http.client.HTTPException, ValueError) as e:
    die("%s: %s" % (MODE, e))
