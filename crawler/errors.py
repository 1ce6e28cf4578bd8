"""Failure → error kind, for the per-source health counters."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as txerror
from twisted.python.failure import Failure

from yigai.store import BENIGN_ERROR_KINDS

ERROR_KINDS = (
    "http_5xx",
    "http_4xx",
    "timeout",
    "dns",
    "connection",
    "too_large",
    "truncated",
    "empty_body",
    "binary",
    "wrong_type",
    "robots_forbidden",
    "list_no_links",
    "pattern_inferred",
    "parse_error",
    "budget_exhausted",
    "other",
)
# Kinds that describe a site's rules rather than a failure (they do not make the crawl's exit code 1).
BENIGN_KINDS = BENIGN_ERROR_KINDS  # one definition, shared with the run report and `yigai status`


class NotModified(IgnoreRequest):
    """A conditional request answered 304: recorded, nothing to parse."""


def classify_failure(failure: Failure | BaseException) -> str | None:
    """The error kind of a request failure, or None when it is not an error (304 Not Modified)."""
    exc = failure.value if isinstance(failure, Failure) else failure
    if isinstance(exc, NotModified):
        return None
    if isinstance(exc, HttpError):
        status = exc.response.status
        if status >= 500:
            return "http_5xx"
        if status >= 400:
            return "http_4xx"
        return "other"
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "robots.txt" in message:
            return "robots_forbidden"
        # HttpCompressionMiddleware refuses a body that inflates past DOWNLOAD_MAXSIZE (a gzip bomb).
        return "too_large" if "DOWNLOAD_MAXSIZE" in message else "other"
    if isinstance(exc, (DownloadTimeoutError, txerror.TimeoutError, txerror.TCPTimedOutError)):
        return "timeout"
    if isinstance(exc, (CannotResolveHostError, txerror.DNSLookupError)):
        return "dns"
    if isinstance(exc, DownloadCancelledError):
        # Scrapy cancels a download that exceeds DOWNLOAD_MAXSIZE with this error and a "max size" message.
        return "too_large" if "max size" in str(exc) else "other"
    if isinstance(exc, ResponseDataLossError):
        return "truncated"  # fewer bytes than the Content-Length (or chunks) announced: a cut transfer
    if isinstance(
        exc,
        (
            DownloadConnectionRefusedError,
            DownloadFailedError,
            txerror.ConnectError,
            txerror.ConnectionLost,
            txerror.ConnectionDone,
            ConnectionError,
        ),
    ):
        return "connection"
    return "other"
