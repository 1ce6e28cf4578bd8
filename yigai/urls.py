"""URL canonicalisation and the stable ids derived from it.

An article's id is derived from its canonical URL, so re-crawls, re-extractions and rebuilds all agree on it,
and feed item ids never change.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; they never select different content.
_TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z]+|spm|from|fromid|share_token|sharer?|isappinstalled|scene|clicktime|enterid|wfr|"
    r"timestamp|_t|ts|fbclid|gclid|mc_cid|mc_eid|ref|refer)$",
    re.IGNORECASE,
)
_INDEX_FILE = re.compile(r"/(index|default)\.(html?|shtml|php|asp|aspx|jsp)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``.

    Lower-cases scheme and host, drops the default port, the fragment and tracking parameters, sorts the
    remaining query, and maps ``/dir/index.html`` to ``/dir/``.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = parts.path or "/"
    path = re.sub(r"/{2,}", "/", path)
    path = _INDEX_FILE.sub("/", path)
    query_pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    query = urlencode(sorted(query_pairs))
    return urlunsplit((scheme, netloc, path, query, ""))


def article_id(url: str) -> str:
    """A stable 16-hex-digit id for the article at ``url`` (from its canonical URL)."""
    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()[:16]
