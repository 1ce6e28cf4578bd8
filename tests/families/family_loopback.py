"""Point a real registry source at a loopback server, and serve a family's test pages there.

No machine that runs the tests reaches the real sites, so the family tests serve pages written in each site's
structure on 127.0.0.1 at the SAME paths as the real site, and rewrite the source to match:

- every list/feed/sitemap URL keeps its path and query; its scheme and host become the loopback base
  (``https://www.gov.cn/zhengce/zuixin/`` → ``http://127.0.0.1:PORT/zhengce/zuixin/``);
- every ``article_allow`` regex (anchored ``^https?://HOST/…$`` by the registry's convention) keeps its path
  part; its host part becomes the escaped loopback host:port
  (``^https?://www\\.gov\\.cn/zhengce/…$`` → ``^https?://127\\.0\\.0\\.1:PORT/zhengce/…$``), so the real
  path rules decide what is an article. An ``article_deny`` regex is rewritten the same way when it names a
  host, else kept (``/files/``).

So a test exercises the registry's own path rules, not test-made ones; only the host changes.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, urlunsplit

from yigai.config import Source

# The registry anchors each pattern as ^https?://HOST/...; HOST is everything up to the first "/".
_ANCHORED = re.compile(r"^(\^https\?://)([^/]+)(/.*)$", re.DOTALL)


def loopback_url(url: str, base: str) -> str:
    """``url`` with the scheme and host of ``base`` (e.g. ``http://127.0.0.1:8765``), path and query kept."""
    parts, target = urlsplit(url), urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path or "/", parts.query, ""))


def loopback_pattern(pattern: str, base: str, *, required: bool = True) -> str:
    """An anchored ``^https?://HOST/…`` regex with HOST replaced by the escaped host:port of ``base``.

    A pattern without that anchor raises ``ValueError`` when ``required`` (an allow rule that names no host
    would accept any site's links), else is returned unchanged (deny rules such as ``/files/``).
    """
    m = _ANCHORED.match(pattern)
    if m is None:
        if required:
            raise ValueError(f"pattern is not anchored as ^https?://HOST/...: {pattern!r}")
        return pattern
    return m.group(1) + re.escape(urlsplit(base).netloc) + m.group(3)


def loopback_source(source: Source, base: str, *, list_urls: int | None = None) -> Source:
    """``source`` rewritten to ``base`` (see the module docstring).

    ``list_urls`` keeps only the first N list URLs (the tests serve pages for those only). The browser is
    switched off: it only gets a real site past a JavaScript challenge, which the loopback pages do not have,
    and these tests are about page structure (the browser path has its own tests in tests/crawler).
    """
    kept = source.list_urls if list_urls is None else source.list_urls[:list_urls]
    return dataclasses.replace(
        source,
        list_urls=tuple(loopback_url(u, base) for u in kept),
        feeds=tuple(loopback_url(u, base) for u in source.feeds),
        sitemaps=tuple(loopback_url(u, base) for u in source.sitemaps),
        article_allow=tuple(loopback_pattern(p, base) for p in source.article_allow),
        article_deny=tuple(loopback_pattern(p, base, required=False) for p in source.article_deny),
        browser=False,
    )


def registry_toml(sources: Iterable[Source]) -> str:
    """A registry file with ``sources`` (the fields ``yigai.config.load_registry`` reads; no ``extra``)."""

    def value(v: object) -> str:
        # JSON strings and arrays of strings are valid TOML basic strings/arrays; booleans and ints too.
        return json.dumps(v, ensure_ascii=False)

    blocks = []
    for src in sources:
        data = {k: v for k, v in src.to_dict().items() if v is not None}
        blocks.append("[[source]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in data.items()))
    return "\n".join(blocks)


class PageServer:
    """A loopback HTTP server for one site: ``routes`` maps a request path (with query) to
    ``(body, content_type)``; anything else is 404. ``requested`` logs every path asked for, in order."""

    def __init__(self, routes: Mapping[str, tuple[bytes, str]]) -> None:
        self.routes = dict(routes)
        self.requested: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server._lock:
                    server.requested.append(self.path)
                body, content_type = server.routes.get(self.path, (b"not found", "text/plain"))
                self.send_response(200 if self.path in server.routes else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet test output

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> PageServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
