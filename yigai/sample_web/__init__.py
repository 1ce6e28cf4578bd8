"""The bundled sample web: a mock web of Chinese news sites served on 127.0.0.1 (see README.md here)."""

from __future__ import annotations

from yigai.sample_web.server import SampleWeb, serve_forever

__all__ = ["SampleWeb", "serve_forever"]
