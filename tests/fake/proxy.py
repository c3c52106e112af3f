#!/usr/bin/env python3
"""A counting proxy for ctrenrich's tests: listen on a Unix socket, pass every byte both ways to
a real runtime's socket (HTTP/1.1 keep-alive, one request at a time per connection), and log
each request the client makes, to see which questions a real daemon was asked:

    proxy.py LISTEN UPSTREAM --log FILE

One line per request in FILE: "METHOD PATH STATUS MS", MS from the request line to the first
byte of its answer. Ends on SIGTERM or SIGINT, removing LISTEN.
"""
import argparse
import asyncio
import os
import signal
import sys
import time


async def pump(reader, writer, on_chunk=None):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if on_chunk:
                on_chunk(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def serve(args, log, creader, cwriter):
    try:
        ureader, uwriter = await asyncio.open_unix_connection(args.upstream)
    except OSError:
        cwriter.close()
        return
    pending = []  # [method, path, t0] of requests not yet answered, in order
    buf = bytearray()

    def request_bytes(data):
        buf.extend(data)
        while b"\r\n" in buf:
            line, _, rest = bytes(buf).partition(b"\r\n")
            buf[:] = rest
            parts = line.decode("latin-1").split()
            if len(parts) == 3 and parts[2].startswith("HTTP/"):
                pending.append([parts[0], parts[1], time.monotonic()])

    def answer_bytes(data):
        if pending and data.startswith(b"HTTP/"):
            method, path, t0 = pending.pop(0)
            status = data.split(b" ", 2)[1].decode("latin-1") if b" " in data else "?"
            log.write("%s %s %s %.1f\n" % (method, path, status, (time.monotonic() - t0) * 1000))

    await asyncio.gather(pump(creader, uwriter, request_bytes), pump(ureader, cwriter, answer_bytes))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("listen")
    ap.add_argument("upstream")
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    log = open(args.log, "a", buffering=1)

    async def run():
        try:
            os.unlink(args.listen)
        except FileNotFoundError:
            pass
        server = await asyncio.start_unix_server(lambda r, w: serve(args, log, r, w), args.listen,
                                                 backlog=1024)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with server:
            await stop.wait()
        try:
            os.unlink(args.listen)
        except FileNotFoundError:
            pass

    asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
