"""Export and import of the archive (sources and every stored page) as JSON Lines.

Articles are not exported: they are derived data, re-made from the pages by `yigai extract --all`.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

from yigai.store import Store

logger = logging.getLogger(__name__)

FORMAT = "yigai-archive/1"


def export_archive(store: Store, path: Path) -> int:
    """Write a header line, then one line per source and per page, in id order. Returns the record count."""
    count = 0
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": FORMAT}) + "\n")
        for row in store.sources(include_retired=True):  # every source a stored page may name
            fh.write(json.dumps({"type": "source", **dict(row)}, ensure_ascii=False) + "\n")
            count += 1
        for page in store.archived_pages():
            rec: dict[str, Any] = {k: v for k, v in page.items() if k not in ("body", "id")}
            rec["type"] = "page"
            rec["body_b64"] = base64.b64encode(page["body"]).decode("ascii")
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)  # never leave a half-written export under the real name
    return count


def import_archive(store: Store, path: Path) -> dict[str, int]:
    """Import sources and pages; a page already present (same URL and bytes) is skipped; bad lines counted."""
    from yigai.store import FetchedPage

    report = {"sources": 0, "pages": 0, "skipped": 0, "bad": 0}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                kind = rec.get("type")
                if lineno == 1 and rec.get("format"):
                    if rec["format"] != FORMAT:
                        raise ValueError(f"unknown archive format {rec['format']!r}")
                    continue
                if kind == "source":
                    store.add_source_record(rec)
                    report["sources"] += 1
                elif kind == "page":
                    headers = json.loads(rec.get("headers_json") or "{}")
                    page = FetchedPage(
                        requested_url=rec["requested_url"], final_url=rec["final_url"], source_id=rec["source_id"],
                        kind=rec["kind"], status=int(rec["status"]), body=base64.b64decode(rec["body_b64"]),
                        headers=headers, encoding=rec.get("encoding"), content_type=rec.get("content_type"),
                        fetched_at=rec.get("fetched_at"),
                    )
                    if store.save_page(page) is None:
                        report["skipped"] += 1
                    else:
                        report["pages"] += 1
                else:
                    raise ValueError(f"unknown record type {kind!r}")
            except (ValueError, KeyError, TypeError) as exc:
                report["bad"] += 1
                logger.warning("%s:%d: skipped a bad line: %s", path, lineno, exc)
    return report
