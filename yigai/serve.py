"""Preview server for the built site: serves only the output directory, on loopback by default."""

from __future__ import annotations

import functools
import logging
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from yigai.config import ConfigError

logger = logging.getLogger(__name__)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        logger.info("%s %s", self.address_string(), format % args)


def make_server(output_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    root = output_dir.resolve()
    if not (root / "index.html").is_file():
        raise ConfigError(f"{output_dir}: no built site here (run `yigai build` or `make demo` first)")
    handler = functools.partial(_QuietHandler, directory=str(root))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def serve_output(output_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    server = make_server(output_dir, host, port)
    print(f"serving {output_dir.resolve()} at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
