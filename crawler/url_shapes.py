"""URL shapes: a URL with its digit runs and opaque ids made abstract, so the article links of one list (and of
next month's) share one shape: ``/art/2024/3/18/art_7290_1.html`` and ``/art/2023/12/1/art_7290_99.html`` are
both ``/art/D/D/D/art_D_D.html``; a WeChat id or a 32-hex id is ``X``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

import tldextract

# The public-suffix list bundled with tldextract; never fetched (the crawler's machine may have no internet).
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

_HEX_ID = re.compile(r"^(?=.*[a-fA-F])[0-9a-fA-F]{16,}$")
_CASE_SWITCH = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[a-z])")
_LETTER_DIGIT_SWITCH = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
# A slug: three or more lower-case words joined by hyphens (``trump-says-he-knows-2977546``). Its words are the
# title's, different in every article, so they are no part of the shape; a trailing id stays a number.
_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+){2,}$")


def _is_opaque_id(stem: str) -> bool:
    """A hash or random id (32 hex digits, WeChat's ``Xh3kF9aQz…``), whose letters are no literal text: long,
    and letters and digits alternate often (``t20240315_1`` and ``art_12_34`` are literal words and numbers)."""
    if _HEX_ID.match(stem):
        return True
    if len(stem) >= 12 and len(_LETTER_DIGIT_SWITCH.findall(stem)) >= 4:
        return True
    # base64-style ids (WeChat's rwpjRgDGCTeyza-YDGKSZW): long, upper and lower case mixed without a pattern
    return len(stem) >= 16 and len(_CASE_SWITCH.findall(stem)) >= 4


def segment_shape(segment: str) -> str:
    stem, dot, ext = segment.rpartition(".")
    if not dot:
        stem, ext = segment, ""
    if _is_opaque_id(stem):
        return "X" + (f".{ext}" if ext else "")
    if _SLUG.match(stem) and sum(1 for word in stem.split("-") if word.isalpha()) >= 3:
        return "S" + ("-D" if stem.rsplit("-", 1)[1].isdigit() else "") + (f".{ext}" if ext else "")
    return re.sub(r"\d+", "D", segment)


def url_shape(url: str) -> str:
    """Host and path with digit runs → D and long ids → X; query keys kept, values abstracted."""
    parts = urlsplit(url)
    path = "/".join(segment_shape(s) for s in parts.path.split("/"))
    query = "&".join(
        f"{k}={'D' if v.isdigit() else 'V'}" for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    return f"{parts.netloc.lower()}{path}" + (f"?{query}" if query else "")


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable domain of a host (``wjw.hz.gov.cn`` → ``hz.gov.cn``, ``money.163.com`` → ``163.com``;
    ``www.gov.cn`` is its own, gov.cn being a public suffix); an IP address or a bare name is its own site."""
    host = host.lower()
    parts = _SUFFIXES(host.split(":", 1)[0])
    return f"{parts.domain}.{parts.suffix}" if parts.domain and parts.suffix else host
