"""A small hostile API server over real HTTP, apart from the emulator: answers shaped to cost a
client memory (a chainlet name of a MiB, records whose values are lists of big strings, a line
every millisecond of every window asked for, tagged with whatever request id was asked for).

Each answer is legal by the API reference: the window, direction and `limit` are obeyed, so the
client's own bounds, not the server's good manners, must keep it small. The e2e tests and
`make bench` (benchmarks/run.py, section 6) both run the CLI against it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "hostile-key"
MODEL = "mhostile1"
DEPLOYMENT = "dhostile1"
CHAIN = "chostile1"
CHAIN_DEPLOYMENT = "cdhostile1"
CHAINLET = "clhostile1"


@dataclass
class Hostility:
    """What the server does; every field off by default (then it is a plain, sparse server)."""

    chainlet_name_bytes: int = 12  # the name of the chain's one chainlet
    message_bytes: int = 40  # each line's message
    list_bytes: int = 0  # > 0: each line carries `"extra": [<a string of that many bytes>]`
    every_ms: int = 1000  # a line every this many milliseconds (1: a flood)
    up_to_now: bool = True  # no line later than the server's clock (follow asks ahead)


class HostileServer:
    """`with HostileServer(Hostility(...)) as server:` then point the CLI at `server.url`."""

    def __init__(self, hostility: Hostility | None = None) -> None:
        self.hostility = hostility or Hostility()
        self.requests = 0
        handler = _handler_for(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def env(self) -> dict[str, str]:
        return {"BASETEN_API_URL": self.url, "BASETEN_API_KEY": API_KEY}

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        self.requests += 1
        hostility = self.hostility
        if path == f"/v1/chains/{CHAIN}/deployments":
            chainlet = {"id": CHAINLET, "name": "n" * hostility.chainlet_name_bytes}
            deployment = {
                "id": CHAIN_DEPLOYMENT,
                "environment": "production",
                "status": "ACTIVE",
                "chainlets": [chainlet],
            }
            return 200, {"deployments": [deployment]}
        if path.endswith("/logs"):
            return 200, {"logs": self._lines(query)}
        if path in (
            f"/v1/models/{MODEL}/deployments/{DEPLOYMENT}",
            f"/v1/chains/{CHAIN}/deployments/{CHAIN_DEPLOYMENT}",
        ):
            return 200, {"id": path.rsplit("/", 1)[1], "status": "ACTIVE"}
        return 404, {"error": "not found"}

    def _lines(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        hostility = self.hostility
        start = int(query["start_epoch_millis"][0])
        end = int(query["end_epoch_millis"][0])  # exclusive here
        limit = min(1000, int(query["limit"][0]))
        if hostility.up_to_now:
            end = min(end, int(time.time() * 1000) + 1)
        step = hostility.every_ms
        first = -(-start // step) * step  # the first multiple of `step` at or after start
        last = (end - 1) // step * step
        if first > last:
            return []
        if query.get("direction", ["asc"])[0] == "desc":
            times = range(last, max(first - 1, last - step * limit), -step)
        else:
            times = range(first, min(last, first + step * (limit - 1)) + 1, step)
        request_id = query.get("request_id", [None])[0]
        message = "m" * hostility.message_bytes
        lines = []
        for ms in times:
            line: dict[str, Any] = {
                "timestamp": str(ms * 1_000_000),
                "message": f"{ms} {message}",
                "replica": "r1",
                "request_id": request_id,
                "level": "INFO",
            }
            if hostility.list_bytes:
                line["extra"] = [str(ms).ljust(hostility.list_bytes, "x")]
            lines.append(line)
        return lines


def _handler_for(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            status, body = server.answer(parts.path, parse_qs(parts.query))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: tests read the CLI's stderr, not ours

    return Handler


@dataclass
class Measured:
    status: int
    stdout: bytes
    stderr: str
    peak_mb: float  # ru_maxrss of the CLI process alone, from wait4


# Runs as `python -I -S -c _HELPER INFO_PATH PROGRAM ARGS...`: a small process, so the CLI's
# ru_maxrss is its own (a child forked from the test process would count the test's memory
# until it execs), written to INFO_PATH once the program has exited.
_HELPER = """
import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as info:
    info.write("%d %d" % (os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


def run_measured(
    args: list[str], env: dict[str, str], *, timeout: float = 120, stall_s: float = 0
) -> Measured:
    """Run the installed CLI with `args`, and measure its peak RSS. `stall_s`: its stdout is a
    pipe nobody reads for that long (a stalled reader), then read to the end."""
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    cli = Path(sys.executable).with_name("baseten-logs")
    base = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    with tempfile.TemporaryDirectory() as folder:
        info = Path(folder) / "info"
        out_path, err_path = Path(folder) / "out", Path(folder) / "err"
        with out_path.open("w+b") as out, err_path.open("w+b") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _HELPER, str(info), str(cli), *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if stall_s else out,
                stderr=err,
                env=base | env,
            )
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
            try:
                if proc.stdout is not None:
                    time.sleep(stall_s)
                    while chunk := proc.stdout.read(1 << 20):
                        out.write(chunk)
                    proc.stdout.close()
                proc.wait()
            finally:
                timer.cancel()
        status, maxrss_kb = (int(word) for word in info.read_text().split())
        return Measured(
            status,
            out_path.read_bytes(),
            err_path.read_text(errors="replace"),
            maxrss_kb / 1024,
        )
