"""A loopback web site whose answers are computed by a function (cookie challenges, 429-then-200, slow pages),
logging every request with its arrival time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class Hit:
    path: str
    headers: dict[str, str]  # lower-case names
    status: int
    at: float  # time.monotonic() when the request arrived
    user_agent: str = ""


Responder = Callable[[str, dict[str, str]], Answer]


class ScriptedSite:
    """Serves ``respond(path, headers) -> Answer`` on 127.0.0.1:<free port>; ``hits`` logs every request."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                at = time.monotonic()
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = site.respond(self.path, headers)
                with site._lock:
                    site.hits.append(
                        Hit(self.path, headers, answer.status, at, headers.get("user-agent", ""))
                    )
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for k, v in answer.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        with self._lock:
            return [h.path for h in self.hits]

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]


def cookie_value(headers: dict[str, str], name: str) -> str | None:
    """The value of cookie ``name`` in a request's Cookie header."""
    for part in headers.get("cookie", "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value
    return None
