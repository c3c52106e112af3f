#!/usr/bin/env python3
"""A fake container runtime on a Unix socket, for ctrenrich's tests.

It speaks enough HTTP/1.1 (keep-alive, Content-Length) to answer the Docker Engine API and
Podman libpod requests ctrenrich makes, from a fixture directory:

    ROOT/docker/list.json                 array of /containers/json entries
    ROOT/docker/containers/<id>.json      /containers/<id>/json
    ROOT/docker/images/<sha256:id>.json   /images/<id>/json (and by a name in its RepoTags, or a
                                          prefix of its id), /images/json
    ROOT/podman/containers/<id>.json      /libpod/containers/<id>/json
    ROOT/podman/pods/<id>.json            /libpod/pods/<id>/json
    ROOT/podman/images/<id>.json          /libpod/images/<id>/json

Any other 64-hex id gets a made-up answer (name "fake-<first 12>", image "fake/app:1") unless
--no-synth. Docker's list: GET /containers/json lists list.json's running entries (every one
with all=1) and made-up running containers for the ids in --running FILE (one a line, read at
each request); filters={"id":[...]} lists those ids. Docker's events replay (GET /events with
until and filters={"container":[...],...}) gives a create event for each id the list would know,
made from its list entry, unless --no-events (the create has left dockerd's ring). Docker's events
stream (GET /events without until) is answered 400 at once, unless --stream MODE: up (200, then
nothing, kept open), garbage (200, then a line that is not JSON every 50 ms), close (200, half an
event, then the connection closed), hang (never answered). It is outside ctrenrich's in-flight
limit, so never in /_stats' counts, and logged only with --stream. Faults (--mode): normal, hang (read, never answer), http500, badjson, cut (half a
body, then close), huge (a 100 MB body), close (close at once), notfound (the first --notfound N
asks for each id say "not found", then the truth), random (each answer one of those faults, a
delay of up to 200 ms, or the truth, drawn from --seed). --delay MS or --delay-rand LO-HI delays each
answer, --slow PFX:MS only requests whose path holds PFX; --fail PFX answers those 500. GET /_stats answers {"requests",
"max_inflight", "inflight"} (requests being answered at once); --log FILE gets one line per request
("GET /path"); --also PATH serves on one more socket. Exit codes of made-up containers: last two
hex digits of the id, modulo 8; OOMKilled when the id starts with "dead".
"""
import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import signal
import sys
import urllib.parse

HEX64 = re.compile(r"^[0-9a-f]{64}$")


class State:
    def __init__(self, args):
        self.args = args
        self.requests = 0
        self.inflight = 0
        self.max_inflight = 0
        self.asked = {}
        self.log = open(args.log, "a", buffering=1) if args.log else None


def load(root, *parts):
    if not root:
        return None
    path = os.path.join(root, *parts)
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None


FAKE_IMAGE = "fake/app:1"


def image_id(cid=None):
    """The made-up containers' one image."""
    return "sha256:" + hashlib.sha256(("image" + FAKE_IMAGE).encode()).hexdigest()


def running_ids(st):
    """--running FILE: ids of made-up running containers, as the file says now."""
    if not st.args.running:
        return []
    try:
        with open(st.args.running) as f:
            return [l.strip() for l in f if HEX64.match(l.strip())]
    except OSError:
        return []


def list_entry(st, cid):
    """The /containers/json entry of exactly cid, or None."""
    for e in load(st.args.root, "docker", "list.json") or []:
        if e.get("Id") == cid:
            return e
    if not st.args.no_synth and HEX64.match(cid):
        return synth_list(cid)
    return None


def create_event(e):
    """dockerd's create event of list entry e: labels, then name and image, as attributes."""
    attrs = dict(e.get("Labels") or {})
    attrs["name"] = (e.get("Names") or ["/"])[0][1:]
    attrs["image"] = e.get("Image", "")
    return {"status": "create", "id": e["Id"], "from": e.get("Image", ""), "Type": "container",
            "Action": "create", "Actor": {"ID": e["Id"], "Attributes": attrs},
            "scope": "local", "time": 1796000000, "timeNano": 1796000000000000000}


def image_by_name(st, name):
    """/images/<name>/json: by id, by a repo tag, or by a prefix of the id."""
    a = st.args
    obj = load(a.root, "docker", "images", name + ".json")
    if obj is not None:
        return obj
    d = os.path.join(a.root or "", "docker", "images")
    for f in sorted(os.listdir(d)) if a.root and os.path.isdir(d) else []:
        img = load(a.root, "docker", "images", f)
        if img and (name in (img.get("RepoTags") or []) or
                    (re.match(r"^[0-9a-f]{6,}$", name) and img["Id"][7:].startswith(name))):
            return img
    if a.no_synth:
        return None
    if name == FAKE_IMAGE:
        return synth_image(image_id())
    return synth_image(name)


def synth_list(cid):
    return {
        "Id": cid,
        "Names": ["/fake-" + cid[:12]],
        "Image": FAKE_IMAGE,
        "ImageID": image_id(cid),
        "Labels": {},
        "State": "created",
    }


def synth_inspect(cid, podman=False):
    exit_code = int(cid[-2:], 16) % 8  # any id gets a stable exit code
    state = {
        "Status": "exited",
        "Running": False,
        "OOMKilled": cid.startswith("dead"),
        "ExitCode": exit_code,
        "FinishedAt": "2026-11-23T06:37:26.038914416Z",
    }
    if podman:
        return {
            "Id": cid,
            "Name": "fake-" + cid[:12],
            "ImageName": "localhost/fake/app:1",
            "Image": image_id(cid)[7:],
            "ImageDigest": "",
            "Pod": "",
            "IsInfra": False,
            "Config": {"Labels": {}},
            "State": state,
        }
    return {
        "Id": cid,
        "Name": "/fake-" + cid[:12],
        "Image": image_id(cid),
        "Config": {"Image": "fake/app:1", "Labels": {}},
        "State": state,
    }


def synth_image(iid):
    h = iid[7:] if iid.startswith("sha256:") else iid
    return {
        "Id": "sha256:" + h,
        "Digest": "sha256:" + hashlib.sha256(h.encode()).hexdigest(),
        "RepoTags": ["fake/app:1"],
        "RepoDigests": ["fake/app@sha256:" + hashlib.sha256(h.encode()).hexdigest()],
    }


def route(st, path):
    """(status, object) for a request path."""
    a = st.args
    u = urllib.parse.urlsplit(path)
    p = u.path
    m = re.match(r"^/v[0-9.]+/containers/json$", p)
    if m:
        q = urllib.parse.parse_qs(u.query)
        ids = json.loads(q.get("filters", ["{}"])[0]).get("id", [])
        entries = load(a.root, "docker", "list.json") or []
        if not ids:
            if q.get("all", ["0"])[0] not in ("1", "true"):
                entries = [e for e in entries if e.get("State") in ("running", "paused")]
            return 200, entries + [dict(synth_list(c), State="running") for c in running_ids(st)]
        hits = []
        for cid in ids:
            if notfound(st, cid):
                continue
            got = [e for e in entries if e.get("Id", "").startswith(cid)]
            if not got and not a.no_synth and HEX64.match(cid):
                got = [synth_list(cid)]
            hits += got
        return 200, hits
    if re.match(r"^/v[0-9.]+/events$", p):
        q = urllib.parse.parse_qs(u.query)
        if "until" not in q:
            return 400, {"message": "a replay without until would wait for new events"}
        flt = json.loads(q.get("filters", ["{}"])[0])
        evs = []
        for cid in flt.get("container", []):
            if notfound(st, cid) or a.no_events:
                continue
            e = list_entry(st, cid)
            if e and "create" in flt.get("event", ["create"]):
                evs.append(create_event(e))
        return 200, evs
    if re.match(r"^/v[0-9.]+/images/json$", p):
        imgs = {}
        d = os.path.join(a.root or "", "docker", "images")
        for f in sorted(os.listdir(d)) if a.root and os.path.isdir(d) else []:
            img = load(a.root, "docker", "images", f)
            if img:
                imgs[img["Id"]] = img
        if running_ids(st) and not a.no_synth:
            imgs[image_id()] = synth_image(image_id())
        return 200, list(imgs.values())
    m = re.match(r"^/v[0-9.]+/containers/([^/]+)/json$", p)
    if m:
        cid = m.group(1)
        if notfound(st, cid):
            return 404, {"message": "No such container: " + cid}
        obj = load(a.root, "docker", "containers", cid + ".json")
        if obj is None and not a.no_synth and HEX64.match(cid):
            obj = synth_inspect(cid)
        return (200, obj) if obj is not None else (404, {"message": "No such container: " + cid})
    m = re.match(r"^/v[0-9.]+/images/([^/]+)/json$", p)
    if m:
        obj = image_by_name(st, urllib.parse.unquote(m.group(1)))
        return (200, obj) if obj is not None else (404, {"message": "No such image"})
    m = re.match(r"^/v[0-9.]+/libpod/containers/([^/]+)/json$", p)
    if m:
        cid = m.group(1)
        nf = {"cause": "no such container", "message": "no container with name or ID found",
              "response": 404}
        if notfound(st, cid):
            return 404, nf
        obj = load(a.root, "podman", "containers", cid + ".json")
        if obj is None and not a.no_synth and HEX64.match(cid):
            obj = synth_inspect(cid, podman=True)
        return (200, obj) if obj is not None else (404, nf)
    m = re.match(r"^/v[0-9.]+/libpod/pods/([^/]+)/json$", p)
    if m:
        obj = load(a.root, "podman", "pods", m.group(1) + ".json")
        return (200, obj) if obj is not None else (404, {"message": "no such pod"})
    m = re.match(r"^/v[0-9.]+/libpod/images/([^/]+)/json$", p)
    if m:
        obj = load(a.root, "podman", "images", m.group(1) + ".json")
        if obj is None and not a.no_synth:
            obj = synth_image(m.group(1))
        return (200, obj) if obj is not None else (404, {"message": "no such image"})
    return 404, {"message": "page not found"}


def notfound(st, cid):
    n = st.asked.get(cid, 0)
    st.asked[cid] = n + 1
    return st.args.mode == "notfound" and n < st.args.notfound


def head(status, length, ctype="application/json"):
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}
    return ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            "Api-Version: 1.41\r\n\r\n" % (status, reason.get(status, "X"), ctype, length)).encode()


def chunk(b):
    return b"%x\r\n" % len(b) + b + b"\r\n"


async def stream(st, writer):
    """Docker's events stream, as --stream says: False when the connection is to be closed."""
    mode = st.args.stream
    if mode == "hang":
        await asyncio.sleep(3600)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\nApi-Version: 1.41\r\n\r\n")
    await writer.drain()
    if mode == "close":
        writer.write(chunk(b'{"Type":"image","Action":"ta'))
        return False
    while True:
        if mode == "garbage":
            writer.write(chunk(b"not json \x01\xff{{\n"))
            await writer.drain()
        await asyncio.sleep(0.05 if mode == "garbage" else 3600)


async def answer(st, writer, path):
    a = st.args
    if path == "/_stats":
        body = json.dumps({"requests": st.requests, "max_inflight": st.max_inflight,
                           "inflight": st.inflight}).encode()
        writer.write(head(200, len(body)) + body)
        return True
    for pfx, ms in a.slow:
        if pfx in path:
            await asyncio.sleep(ms / 1000)
    if any(pfx in path for pfx in a.fail):
        body = b'{"message":"server error"}\n'
        writer.write(head(500, len(body)) + body)
        return True
    if a.delay_rand:
        lo, hi = a.delay_rand
        await asyncio.sleep(random.uniform(lo, hi) / 1000)
    elif a.delay:
        await asyncio.sleep(a.delay / 1000)
    mode = a.mode
    if mode == "random":
        # Misbehave at random (seeded by --seed): a fault campaign's runtime.
        mode = st.rng.choice(["normal", "normal", "normal", "delay", "hang", "close", "http500",
                              "badjson", "cut", "notfound"])
        if mode == "delay":
            await asyncio.sleep(st.rng.uniform(0, 200) / 1000)
            mode = "normal"
        elif mode == "notfound":
            body = b'{"message":"No such container"}\n'
            writer.write(head(404, len(body)) + body)
            return True
    if mode == "hang":
        await asyncio.sleep(3600)
    if mode == "close":
        return False
    if mode == "http500":
        body = b'{"message":"server error"}\n'
        writer.write(head(500, len(body)) + body)
        return True
    if mode == "badjson":
        body = b'{"Id": "x", "Names": [\n'
        writer.write(head(200, len(body)) + body)
        return True
    status, obj = route(st, path)
    if path.split("?")[0].endswith("/events") and status == 200:
        body = b"".join(json.dumps(e).encode() + b"\n" for e in obj)  # a stream: one a line
    else:
        body = json.dumps(obj).encode() + b"\n"
    if mode == "cut":
        writer.write(head(status, len(body) + 1000) + body[: len(body) // 2])
        await writer.drain()
        return False
    if mode == "huge":
        size = 100 * 1024 * 1024
        writer.write(head(200, size) + b"[" + b" " * (1024 * 1024 - 1))
        chunk = b" " * (1024 * 1024)
        for _ in range(99):
            writer.write(chunk)
            await writer.drain()
        return True
    writer.write(head(status, len(body)) + body)
    return True


async def serve(st, reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            parts = line.decode("latin-1").split()
            length = 0
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                if k.strip().lower() == "content-length":
                    length = int(v.strip())
            if length:
                await reader.readexactly(length)
            if len(parts) < 2:
                break
            method, path = parts[0], parts[1]
            if re.match(r"^/v[0-9.]+/events\?", path) and "until=" not in path:
                if not st.args.stream:
                    body = b'{"message":"no events stream (--stream)"}\n'
                    writer.write(head(400, len(body)) + body)
                    await writer.drain()
                    continue
                if st.log:
                    st.log.write("%s %s\n" % (method, path))
                if not await stream(st, writer):
                    break
                continue
            if path != "/_stats":
                st.requests += 1
                if st.log:
                    st.log.write("%s %s\n" % (method, path))
            st.inflight += 1
            st.max_inflight = max(st.max_inflight, st.inflight)
            try:
                keep = await answer(st, writer, path)
                await writer.drain()
            finally:
                st.inflight -= 1
            if not keep:
                break
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--root")
    ap.add_argument("--mode", default="normal",
                    choices=["normal", "hang", "http500", "badjson", "cut", "huge", "close",
                             "notfound", "random"])
    ap.add_argument("--seed", type=int, default=1, help="for --mode random")
    ap.add_argument("--notfound", type=int, default=2)
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--delay-rand", type=lambda s: tuple(float(x) for x in s.split("-")))
    ap.add_argument("--no-synth", action="store_true")
    ap.add_argument("--no-events", action="store_true",
                    help="events replays find nothing (the creates left dockerd's ring)")
    ap.add_argument("--stream", choices=["up", "garbage", "close", "hang"],
                    help="Docker's events stream: how it is answered (default: 400)")
    ap.add_argument("--running", help="FILE: ids of made-up running containers, one a line")
    ap.add_argument("--slow", action="append", default=[],
                    type=lambda s: (s.split(":")[0], float(s.split(":")[1])),
                    help="PFX:MS: requests whose path holds PFX wait MS first")
    ap.add_argument("--fail", action="append", default=[],
                    help="PFX: requests whose path holds PFX are answered 500")
    ap.add_argument("--log")
    ap.add_argument("--also", action="append", default=[],
                    help="PATH: serve the same on this socket too (repeatable)")
    args = ap.parse_args()
    st = State(args)
    st.rng = random.Random(args.seed)

    async def run():
        paths = [args.socket] + args.also
        servers = []
        for path in paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            servers.append(await asyncio.start_unix_server(lambda r, w: serve(st, r, w), path,
                                                           backlog=1024))
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        for server, path in zip(servers, paths):
            server.close()
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
