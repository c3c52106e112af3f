#!/usr/bin/env python3
"""Check lines of JSON as a consumer of Tracee's events would: the shape of Tracee v0.24.1's
trace.Event as json.Marshal writes it (types/trace/trace.go), and the arguments of its container
and cgroup events (pkg/events/core.go). Written from the facts of issue 14, not from ctrfmt.

    tracee_schema.py [--exact] [--v0.23] FILE...

Every line of every FILE must be one event. --exact: also only Tracee's events, exactly its
arguments, and only its runtime names (ctrfmt --format tracee). --v0.23: Tracee v0.23's argument
type names. Prints "N events checked" and exits 0, or each problem as FILE:LINE: problem and
exits 1.
"""
import json
import sys

INT64 = (-(1 << 63), (1 << 63) - 1)
UINT64 = (0, (1 << 64) - 1)
UINT32 = (0, (1 << 32) - 1)
INT32 = (-(1 << 31), (1 << 31) - 1)

# Every key json.Marshal(trace.Event) writes, in order, with its JSON type. matchedPolicies and
# metadata are omitempty: they may be missing.
KEYS = [
    ("timestamp", INT64), ("threadStartTime", INT64), ("processorId", INT64),
    ("processId", INT64), ("cgroupId", UINT64), ("threadId", INT64),
    ("parentProcessId", INT64), ("hostProcessId", INT64), ("hostThreadId", INT64),
    ("hostParentProcessId", INT64), ("userId", INT64), ("mountNamespace", INT64),
    ("pidNamespace", INT64), ("processName", str), ("executable", "executable"),
    ("hostName", str), ("containerId", str), ("container", "container"),
    ("kubernetes", "kubernetes"), ("eventId", "eventId"), ("eventName", str),
    ("matchedPolicies", "policies"), ("argsNum", INT64), ("returnValue", INT64),
    ("syscall", str), ("stackAddresses", "stack"), ("contextFlags", "flags"),
    ("threadEntityId", UINT32), ("processEntityId", UINT32), ("parentEntityId", UINT32),
    ("args", "args"), ("metadata", "metadata"),
]
OPTIONAL = {"matchedPolicies", "metadata"}

# Tracee's ids (events.ID, v0.24.1) and arguments: (name, v0.24 type, v0.23 type).
S = ("string", "const char*")
CREATE = [("runtime", S), ("container_id", S), ("ctime", ("uint64", "unsigned long")),
          ("container_image", S), ("container_image_digest", S), ("container_name", S),
          ("pod_name", S), ("pod_namespace", S), ("pod_uid", S), ("pod_sandbox", ("bool", "bool"))]
CGROUP = [("cgroup_id", ("uint64", "u64")), ("cgroup_path", S), ("hierarchy_id", ("uint32", "u32"))]
EVENTS = {
    "container_create": ("2018", CREATE),
    "container_remove": ("2019", CREATE[:2]),
    "existing_container": ("2020", CREATE),
    "cgroup_mkdir": ("729", CGROUP),
    "cgroup_rmdir": ("730", CGROUP),
}
RUNTIMES = {"docker", "containerd", "crio", "podman", "garden", "unknown"}

# What a value of each type name must be (both versions' names).
TYPES = {
    "string": str, "const char*": str, "bool": bool,
    "uint64": UINT64, "unsigned long": UINT64, "u64": UINT64,
    "uint32": UINT32, "u32": UINT32, "int32": INT32, "int": INT32,
    "int64": INT64, "long": INT64, "float64": float, "unknown": None,
}
V023_ONLY = {"const char*", "unsigned long", "u64", "u32", "int", "long"}
V024_ONLY = {"string", "uint64", "uint32", "int32", "int64"}


def is_int(v, rng):
    return isinstance(v, int) and not isinstance(v, bool) and rng[0] <= v <= rng[1]


def fits(v, want):
    if want is None:
        return v is None
    if want is str:
        return isinstance(v, str)
    if want is bool:
        return isinstance(v, bool)
    if want is float:
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return is_int(v, want)


class Obj(list):
    """A JSON object as its (key, value) pairs, so that order and repeated keys can be checked."""


def obj(v):
    return isinstance(v, Obj)


def no_constant(name):
    raise ValueError("%s is not JSON" % name)


def check_omitempty(v, keys, problems, what):
    """container{} and kubernetes{}: known keys in order, each with a non-empty value."""
    if not obj(v):
        problems.append("%s is not an object" % what)
        return
    names = [k for k, _ in v]
    if names != [k for k in keys if k in names] or len(set(names)) != len(names):
        problems.append("%s: keys %s, not in %s's order or unknown" % (what, names, keys))
    for k, x in v:
        want = bool if k == "podSandbox" else str
        if not fits(x, want) or x in ("", False):
            problems.append("%s.%s: %r is not a non-empty %s" % (what, k, x, want.__name__))


def check_event(ev, exact, v023):
    problems = []
    if not obj(ev):
        return ["not a JSON object"]
    names = [k for k, _ in ev]
    want_names = [k for k, _ in KEYS if k in names or k not in OPTIONAL]
    if names != want_names:
        return ["keys %s, want %s" % (names, want_names)]
    e = dict(ev)
    for key, want in KEYS:
        if key not in e:
            continue
        v = e[key]
        if want == "executable":
            if not (obj(v) and [k for k, _ in v] == ["path"] and isinstance(v[0][1], str)):
                problems.append("executable is not {\"path\": string}")
        elif want == "container":
            check_omitempty(v, ["id", "name", "image", "imageDigest"], problems, key)
        elif want == "kubernetes":
            check_omitempty(v, ["podName", "podNamespace", "podUID", "podSandbox"], problems, key)
        elif want == "eventId":
            if not (isinstance(v, str) and v.lstrip("-").isdigit() and is_int(int(v), INT64)):
                problems.append("eventId %r is not an integer in a string" % (v,))
        elif want == "policies":
            if not (isinstance(v, list) and v and all(isinstance(p, str) for p in v)):
                problems.append("matchedPolicies is not a list of strings")
        elif want == "stack":
            if v is not None and not (isinstance(v, list) and all(is_int(a, UINT64) for a in v)):
                problems.append("stackAddresses is neither null nor a list of uint64")
        elif want == "flags":
            if not (obj(v) and [k for k, _ in v] == ["containerStarted", "isCompat"]
                    and all(isinstance(x, bool) for _, x in v)):
                problems.append("contextFlags is not {containerStarted, isCompat} booleans")
        elif want == "args" or want == "metadata":
            pass
        elif not fits(v, want):
            problems.append("%s: %r is not a %s" % (key, v, "string" if want is str else
                                                    "integer in %d..%d" % want))
    args = e["args"]
    if not isinstance(args, list):
        return problems + ["args is not an array"]
    if e["argsNum"] != len(args):
        problems.append("argsNum %r, but %d args" % (e["argsNum"], len(args)))
    for i, a in enumerate(args):
        if not (obj(a) and [k for k, _ in a] == ["name", "type", "value"]):
            problems.append("args[%d] is not {name, type, value}" % i)
            continue
        a = dict(a)
        if not isinstance(a["name"], str) or a["type"] not in TYPES:
            problems.append("args[%d]: type %r is none Tracee reads" % (i, a["type"]))
        elif not fits(a["value"], TYPES[a["type"]]):
            problems.append("args[%d] %s: %r is not a %s" % (i, a["name"], a["value"], a["type"]))
        elif a["type"] in (V024_ONLY if v023 else V023_ONLY):
            problems.append("args[%d] %s: type %s is not v0.%s's" % (i, a["name"], a["type"],
                                                                   "23" if v023 else "24"))
    name = e["eventName"]
    if name in EVENTS:
        eid, targs = EVENTS[name]
        if e["eventId"] != eid:
            problems.append("eventId %r, Tracee's %s is %s" % (e["eventId"], name, eid))
        got = [(dict(a).get("name"), dict(a).get("type")) for a in args[:len(targs)] if obj(a)]
        want = [(n, t[1 if v023 else 0]) for n, t in targs]
        if got != want:
            problems.append("Tracee's args of %s: %s, want %s" % (name, got, want))
        if exact and len(args) != len(targs):
            problems.append("%d args, Tracee's %s has %d" % (len(args), name, len(targs)))
        if exact and targs[0][0] == "runtime" and args and dict(args[0])["value"] not in RUNTIMES:
            problems.append("runtime %r is none of Tracee's" % (dict(args[0])["value"],))
    elif exact:
        problems.append("%r is not one of Tracee's events" % (name,))
    return problems


def main(argv):
    exact = "--exact" in argv
    v023 = "--v0.23" in argv
    files = [a for a in argv if not a.startswith("--")]
    checked = bad = 0
    for path in files:
        with open(path, "rb") as f:
            for no, line in enumerate(f, 1):
                try:
                    ev = json.loads(line.decode("utf-8"), object_pairs_hook=Obj,
                                    parse_constant=no_constant)
                    problems = check_event(ev, exact, v023)
                except (UnicodeDecodeError, ValueError) as err:
                    problems = ["not JSON: %s" % err]
                checked += 1
                for p in problems:
                    print("%s:%d: %s" % (path, no, p))
                    bad += 1
    print("%d events checked" % checked)
    return 1 if bad or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
