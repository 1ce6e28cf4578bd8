"""A fault-injection web server on loopback: every way a real site breaks a crawler.

`/faulty/list.html` links to one article per fault; each fault path misbehaves in its own way. Used by the
crawler and nightly-operation tests together with a healthy site, to show the healthy one is unaffected.
"""

from __future__ import annotations

import gzip
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = [
    "500", "reset", "hang", "drip", "loop", "bomb", "huge", "binary", "malformed", "truncated",
    "wrongcharset", "empty", "404", "wrongtype",
]

_GOOD_TEXT = "紧密型县域医共体建设稳步推进，县域内就诊率持续提升。" * 20


def _bomb() -> bytes:
    # 100 MB of zeros compresses to ~100 KB: harmless on the wire, fatal if decompressed blindly.
    buf = bytearray()
    comp = gzip.compress(b"\0" * (100 * 1024 * 1024), compresslevel=9)
    buf += comp
    return bytes(buf)


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultWeb._Server  # type: ignore[name-defined]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        path = self.path.split("?")[0]
        self.server.owner.record(path)
        hang = self.server.owner.hang_seconds
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow:\n", "text/plain")
        if path == "/faulty/list.html":
            links = "".join(f'<li><a href="/faulty/a/{f}.html">故障{f}</a></li>' for f in FAULTS)
            return self._send(200, f"<html><body><ul>{links}</ul></body></html>".encode())
        name = path.removeprefix("/faulty/a/").removesuffix(".html")
        if name == "500":
            return self._send(500, b"Internal Server Error")
        if name == "404":
            return self._send(404, b"not found")
        if name == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            return None
        if name == "hang":
            time.sleep(hang)
            return self._send(200, b"<html>late</html>")
        if name == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            deadline = time.monotonic() + hang
            try:
                while time.monotonic() < deadline:
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            return None
        if name == "loop":
            self.send_response(302)
            self.send_header("Location", "/faulty/a/loop.html?again")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if name == "bomb":
            return self._send(200, self.server.owner.bomb, Content_Encoding="gzip")
        if name == "huge":
            size = self.server.owner.huge_bytes
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65533
            try:
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return None
        if name == "binary":
            return self._send(200, os.urandom(20000))
        if name == "malformed":
            body = f"<html><body><div><p>{_GOOD_TEXT}<table><tr><td></div></span><p>未闭合".encode()
            return self._send(200, body)
        if name == "truncated":
            body = f"<html><body><h1>截断</h1><p>{_GOOD_TEXT}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) * 3))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if name == "wrongcharset":
            body = f"<html><head><title>医共体</title></head><body><h1>医共体</h1><p>{_GOOD_TEXT}</p></body></html>"
            return self._send(200, body.encode("gb18030"), "text/html; charset=utf-8")
        if name == "empty":
            return self._send(200, b"")
        if name == "wrongtype":  # an API answer where a page was linked
            return self._send(200, '{"code": 0, "data": ["医共体"]}'.encode(), "application/json")
        return self._send(404, b"no such fault")


class FaultWeb:
    """Context manager running the fault server on 127.0.0.1 in a daemon thread."""

    class _Server(ThreadingHTTPServer):
        daemon_threads = True
        owner: FaultWeb

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients hanging up on a misbehaving handler is the point, not an error

    def __init__(self, hang_seconds: float = 30.0, huge_bytes: int = 50 * 1024 * 1024) -> None:
        self.hang_seconds = hang_seconds
        self.huge_bytes = huge_bytes
        self.requested_paths: list[str] = []
        self._lock = threading.Lock()
        self.bomb = _bomb()
        self._server = self._Server(("127.0.0.1", 0), FaultHandler)
        self._server.owner = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def record(self, path: str) -> None:
        with self._lock:
            self.requested_paths.append(path)

    def __enter__(self) -> FaultWeb:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
