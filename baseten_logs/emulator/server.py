"""HTTP plumbing: a quiet ThreadingHTTPServer that hands requests to the Api and records them."""

from __future__ import annotations

import itertools
import socket
import sys
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .api import Api
from .replies import Response

# A client that hangs up mid-answer is normal (timeouts, Ctrl-C): never a traceback.
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass(frozen=True)
class RequestRecord:
    """A request as the emulator saw it; the Authorization value is redacted."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int  # 0 when the connection was dropped without an answer
    fault: str | None
    time: float  # the emulator clock when the request arrived


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Tracks open connections so closing the emulator also ends keep-alive clients."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: Api, max_records: int) -> None:
        super().__init__(address, Handler)
        self.api = api
        self.records: deque[RequestRecord] = deque(maxlen=max_records)
        self.records_lock = threading.Lock()
        self.closing = threading.Event()
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self.errors: list[BaseException] = []

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._conns_lock:
                self._conns.discard(request)

    def close_connections(self) -> None:
        self.closing.set()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Anything that escapes the handler is kept for tests to inspect, never printed.
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, _DISCONNECTS + (OSError,)):
            self.errors.append(exc)


class Handler(BaseHTTPRequestHandler):
    """One request: parse, delay, answer (or drop), record."""

    server: EmulatorHTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle plus delayed ACKs add
    # ~40 ms to every request after the first on a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "baseten-emulator"
    sys_version = ""
    # Idle keep-alive connections end eventually instead of pinning threads forever.
    timeout = 120

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        api = self.server.api
        arrived = api.clock()
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        segments = [unquote(s) for s in url.path.strip("/").split("/") if s]
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self._read_body()
        try:
            response = api.handle(method, segments, query, headers, body)
        except Exception as exc:  # an emulator bug: answer like a server would, keep it for tests
            self.server.errors.append(exc)
            response = Response(500, b'{"error": "Internal server error"}')
        self._record(method, url.path, query, response, arrived)
        if response.delay_s > 0 and self.server.closing.wait(response.delay_s):
            self.close_connection = True
            return
        if response.drop:
            self.close_connection = True
            return
        if response.trickle_headers:
            self._trickle_whole(response)
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            if response.chunks is None:
                self.send_header("Content-Length", str(len(response.body)))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if response.chunks is None:
                self.wfile.write(response.body)
            else:
                self._send_chunks(response)
            self.wfile.flush()
        except _DISCONNECTS:
            self.close_connection = True

    def _trickle_whole(self, response: Response) -> None:
        """A status line, then a header that never ends, a byte at a time, until the client
        hangs up or the emulator closes: no per-read timeout ever fires."""
        self.close_connection = True
        head = f"HTTP/1.1 {response.status} OK\r\nX-Padding: ".encode()
        try:
            for byte in itertools.chain(head, itertools.repeat(ord("."))):
                if self.server.closing.wait(response.chunk_delay_s):
                    return
                self.wfile.write(bytes((byte,)))
                self.wfile.flush()
        except _DISCONNECTS:
            pass

    def _send_chunks(self, response: Response) -> None:
        """A chunked body as its pieces come (endless or trickling ones too), until it ends,
        the client hangs up (a _DISCONNECTS error) or the emulator closes."""
        assert response.chunks is not None
        for chunk in response.chunks:
            if response.chunk_delay_s > 0 and self.server.closing.wait(response.chunk_delay_s):
                self.close_connection = True
                return
            if self.server.closing.is_set():
                self.close_connection = True
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _read_body(self) -> bytes:
        """The request body (the token endpoint and the deprecated POST form of the logs endpoints
        read it); never recorded."""
        length = self.headers.get("Content-Length")
        if length and length.isdigit():
            return self.rfile.read(int(length))
        return b""

    def _record(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        response: Response,
        arrived: float,
    ) -> None:
        headers = dict(self.headers.items())
        for name in list(headers):
            if name.lower() == "authorization":
                scheme = headers[name].strip().partition(" ")[0]
                headers[name] = f"{scheme} <redacted>" if scheme else "<redacted>"
        record = RequestRecord(
            method, path, query, headers, response.status, response.fault, arrived
        )
        with self.server.records_lock:
            self.server.records.append(record)

    def handle(self) -> None:
        try:
            super().handle()
        except _DISCONNECTS:
            pass
