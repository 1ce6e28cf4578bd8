"""The static site and its feeds, built from the store.

Readers (``models``: store rows → immutable ``Article``) → ``context.generate_context`` → generators
(``pages``, ``feeds``, ``meta``), each yielding (relative path, bytes) → one ``writer.SiteWriter`` →
``publish.publish_atomically``.
"""

from __future__ import annotations

from site_builder.build import BuildReport, build_site
from site_builder.publish import publish_atomically
from site_builder.writer import SiteWriter, WriterError

__all__ = ["BuildReport", "SiteWriter", "WriterError", "build_site", "publish_atomically"]
