"""A small HTTP server for the bundled sample web (used by `make demo`, `yigai sample-web` and the tests).

Serving rules:

- Files come from ``sites/`` (package data) only; paths that leave it, or any path segment starting with
  ``.`` or ``_`` (e.g. ``_headers.json``, the per-file header table), answer 404.
- A path ending in ``/`` serves that directory's ``index.html``; a directory without the slash redirects (301).
- Pagination by query, like commercial portals: ``<dir>/?page=N`` serves ``<dir>/index_pageN.html``
  (``page=1`` is ``index.html``), e.g. ``/portal/health/?page=2`` → ``portal/health/index_page2.html``.
  Other query strings are ignored.
- Content-Type: ``.html`` under ``/hbwjw/`` is ``text/html`` without a charset (real provincial sites
  rely on the meta tag), other HTML is ``text/html; charset=utf-8``; ``.xml`` is
  ``application/xml; charset=utf-8``. ``_headers.json`` can override it per file (the hbwjw page whose
  header wrongly says utf-8 while its bytes are GBK).
- ``.xml`` files contain the token ``__SAMPLE_WEB__``, replaced with the server's base URL, because feeds
  and sitemaps need absolute links.
- ``ETag`` is a hash of the served bytes; ``Last-Modified`` is a fixed date per file from
  ``_headers.json`` (not the file's mtime, so tests are deterministic). ``If-None-Match`` and, without it,
  ``If-Modified-Since`` are answered with 304.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_ROOT = Path(__file__).resolve().parent / "sites"
HEADERS_TABLE = "_headers.json"
XML_BASE_TOKEN = b"__SAMPLE_WEB__"
FALLBACK_LAST_MODIFIED = "2025-01-01T00:00:00+08:00"

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".css": "text/css",
    ".ico": "image/x-icon",
}
# Sites whose HTML is served without a charset parameter (the bytes are GBK, declared in a meta tag).
_HTML_WITHOUT_CHARSET = ("hbwjw",)


class _Resolved:
    """The outcome of mapping a request path to a file."""

    def __init__(self, file: Path | None = None, redirect: str | None = None) -> None:
        self.file = file
        self.redirect = redirect


def resolve_request_path(root: Path, target: str) -> _Resolved:
    """Map a request target (path + query) to a file under ``root``; pure apart from stat calls."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    if not path.startswith("/") or "\x00" in path or "\\" in path:
        return _Resolved()
    segments = [s for s in path.split("/") if s]
    if any(s in (".", "..") or s.startswith((".", "_")) for s in segments):
        return _Resolved()
    root = root.resolve()
    candidate = root.joinpath(*segments) if segments else root
    if candidate.is_dir():
        if not path.endswith("/"):
            return _Resolved(redirect=path + "/")
        page = parse_qs(parts.query).get("page", ["1"])[0]
        if not page.isdigit() or int(page) < 1:
            return _Resolved()
        name = "index.html" if int(page) == 1 else f"index_page{int(page)}.html"
        candidate = candidate / name
    elif parts.query:
        # A dynamic page (show.aspx?id=12, index.php?m=content&id=3) is the file "<name>@<query>", with "&"
        # written ",": one file per query, as the real site has one page per query.
        dynamic = candidate.with_name(f"{candidate.name}@{parts.query.replace('&', ',')}")
        if "/" not in parts.query and dynamic.is_file():
            candidate = dynamic
    try:
        candidate = candidate.resolve()
        candidate.relative_to(root)
    except (ValueError, OSError):
        return _Resolved()
    return _Resolved(file=candidate) if candidate.is_file() else _Resolved()


def _content_type(rel_path: str, override: str | None) -> str:
    if override:
        return override
    suffix = Path(rel_path).suffix.lower()
    site = rel_path.lstrip("/").split("/", 1)[0]
    if suffix in (".html", ".htm") and site in _HTML_WITHOUT_CHARSET:
        return "text/html"
    return _CONTENT_TYPES.get(suffix, "application/octet-stream")


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip() for c in header.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


class SampleWeb:
    """The sample web on a local port, in a daemon thread. Use as a context manager or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, root: Path | None = None) -> None:
        self.host = host
        self.port = port
        self.root = (root or DEFAULT_ROOT).resolve()
        self.base_url = ""
        self.requested_paths: list[str] = []
        self.request_log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._headers_table = self._load_headers_table()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _load_headers_table(self) -> dict[str, dict[str, str]]:
        table = self.root / HEADERS_TABLE
        if not table.is_file():
            return {}
        return json.loads(table.read_text(encoding="utf-8"))

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._server is not None:
            return self
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="sample-web", daemon=True)
        self._thread.start()
        logger.debug("sample web serving %s at %s", self.root, self.base_url)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ used by the handler

    def _record(self, method: str, target: str, headers: dict[str, str], status: int) -> None:
        with self._lock:
            self.requested_paths.append(target)
            self.request_log.append({"method": method, "path": target, "headers": headers, "status": status})

    def _file_headers(self, rel_path: str) -> dict[str, str]:
        return self._headers_table.get(rel_path, {})

    def _body(self, file: Path) -> bytes:
        data = file.read_bytes()
        if file.suffix == ".xml":
            data = data.replace(XML_BASE_TOKEN, self.base_url.encode("ascii"))
        return data


def _make_handler(web: SampleWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "YigaiSampleWeb/1.0"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s " + format, self.address_string(), *args)

        def _serve(self, send_body: bool) -> None:
            conditional = {
                name: self.headers[name]
                for name in ("If-None-Match", "If-Modified-Since", "User-Agent")
                if self.headers.get(name) is not None
            }
            resolved = resolve_request_path(web.root, self.path)
            if resolved.redirect:
                self._send_empty(HTTPStatus.MOVED_PERMANENTLY, conditional, {"Location": resolved.redirect})
                return
            if resolved.file is None:
                self._send_error(conditional, send_body)
                return
            rel_path = "/" + resolved.file.relative_to(web.root).as_posix()
            table = web._file_headers(rel_path)
            body = web._body(resolved.file)
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            last_modified = datetime.fromisoformat(table.get("last_modified", FALLBACK_LAST_MODIFIED))
            headers = {
                "Content-Type": _content_type(rel_path, table.get("content_type")),
                "ETag": etag,
                "Last-Modified": _http_date(last_modified),
            }
            if self._not_modified(etag, last_modified):
                self._send_empty(HTTPStatus.NOT_MODIFIED, conditional, headers)
                return
            web._record(self.command, self.path, conditional, HTTPStatus.OK)
            self.send_response(HTTPStatus.OK)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def _not_modified(self, etag: str, last_modified: datetime) -> bool:
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match is not None:
                return _etag_matches(if_none_match, etag)
            if_modified_since = self.headers.get("If-Modified-Since")
            if if_modified_since:
                try:
                    since = parsedate_to_datetime(if_modified_since)
                except (TypeError, ValueError):
                    return False
                if since.tzinfo is None:
                    return False
                return last_modified.replace(microsecond=0) <= since
            return False

        def _send_empty(self, status: HTTPStatus, logged: dict[str, str], headers: dict[str, str]) -> None:
            web._record(self.command, self.path, logged, status)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _send_error(self, logged: dict[str, str], send_body: bool) -> None:
            web._record(self.command, self.path, logged, HTTPStatus.NOT_FOUND)
            body = b"<!DOCTYPE html><html><head><title>404</title></head><body>404 Not Found</body></html>"
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return Handler


def _http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def serve_forever(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the sample web until interrupted (used by `yigai sample-web`)."""
    web = SampleWeb(host, port).start()
    logger.info("sample web running at %s (Ctrl-C to stop)", web.base_url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the bundled Yigai sample web.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve_forever(args.host, args.port)


if __name__ == "__main__":
    main()
