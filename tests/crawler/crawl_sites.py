"""Tiny loopback web sites for the crawler tests: a route table served by http.server in a thread, with
ETag/Last-Modified validators (answering 304), and a log of every request the crawler sent."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    hang: float = 0.0  # seconds to wait before answering (timeouts)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int


class Site:
    """A web site on 127.0.0.1:<free port>. ``routes`` maps path+query to a Route; missing paths are 404."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.log: list[Seen] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                route = site.routes.get(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = route.status if route else 404
                if route and route.status == 200 and _not_modified(route, headers):
                    status = 304
                with site._lock:
                    site.log.append(Seen(self.path, headers, status))
                if route and route.hang:
                    time.sleep(route.hang)
                body = b"" if status == 304 else (route.body if route else b"not found")
                try:
                    self.send_response(status)
                    if route:
                        self.send_header("Content-Type", route.content_type)
                        if route.etag:
                            self.send_header("ETag", route.etag)
                        if route.last_modified:
                            self.send_header("Last-Modified", route.last_modified)
                        for k, v in route.headers.items():
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up (timeout, too large)

            def log_message(self, format: str, *args: object) -> None:  # silence stderr
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> Site:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests_for(self, path: str) -> list[Seen]:
        return [s for s in self.log if s.path == path]

    def paths(self) -> list[str]:
        return [s.path for s in self.log]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the crawler hanging up (timeouts, too-large bodies) is expected here


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if route.etag and headers.get("if-none-match") == route.etag:
        return True
    return bool(route.last_modified and headers.get("if-modified-since") == route.last_modified)


def html_page(title: str, links: list[tuple[str, str]], *, charset: str = "utf-8", extra: str = "") -> bytes:
    """An HTML list/article page in ``charset`` with a <meta charset> declaring it."""
    items = "\n".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    html = (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>{title}</title></head><body><h1>{title}</h1>"
        '<div class="nav"><a href="/">首页</a> <a href="/about.html">关于我们</a> '
        '<a href="mailto:office@example.org">信箱</a> <a href="javascript:void(0)">打印</a></div>'
        f"<ul>{items}</ul>{extra}</body></html>"
    )
    return html.encode(charset)
