"""The policy register (``register/``): every policy document in one table, newest first, paginated like every
list; with the whole register as CSV (UTF-8 with a BOM, which Excel needs to read it as UTF-8) and JSON, and
a feed of new documents (``FeedsGenerator``). The schema of the downloads is in docs/site.md."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from site_builder import paths
from site_builder.models import CHINA_TZ, Article, short_hash

REGISTER_DIR = "register/"
CSV_PATH, JSON_PATH = f"{REGISTER_DIR}documents.csv", f"{REGISTER_DIR}documents.json"
# Not document kinds: the extractor's 文种 of a news story (新闻) and of an interpretation (解读).
NOT_DOCUMENTS = ("新闻", "解读")
# A 文号, or a 文种 of a document, in the stored JSON before it is parsed (a cheap first look: 100,000 stories
# are read each build and a few thousand are documents; the parsed fields decide).
_DOCUMENT = re.compile(r'"doc_number"\s*:\s*"|"doc_type"\s*:\s*"(?!新闻"|解读")')
COLUMNS = ("文号", "标题", "发文机关", "文种", "成文日期", "发布日期", "附件", "地区", "链接")


def json_bytes(data: object) -> bytes:
    """``data`` as JSON, with <, > and & escaped (they only occur in strings): a story's text stays inert data
    even where a file is taken for HTML."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def is_document(art: Article) -> bool:
    """A policy document: it has a 文号, or a 文种 (通知, 实施方案 …) other than a news story's or an explainer's."""
    return bool(art.doc_number) or (art.doc_type or "新闻") not in NOT_DOCUMENTS


def policy_documents(articles: Sequence[Article]) -> list[Article]:
    """The stories that are policy documents (``is_document``), in the order given (newest first)."""
    return [a for a in articles if _DOCUMENT.search(str(a.stored.meta_json or "")) and is_document(a)]


def document_row(art: Article, base: str) -> dict:
    """One document as the register's JSON gives it (the CSV has the same fields, in ``COLUMNS`` order)."""
    return {
        "id": art.feed_id or art.id,
        "doc_number": art.doc_number,
        "title": art.title,
        "issuing_bodies": list(art.issuing_bodies),
        "doc_type": art.doc_type,
        "written_date": art.written_date,
        "published": art.published.astimezone(CHINA_TZ).isoformat() if art.published else None,
        "day": art.day,  # the register's date: published, else the day it was collected
        "attachments": [{"title": a.title, "url": a.link} for a in art.attachments],
        "place": art.place,
        "path": paths.article_path(art.id),  # the story's page, from the site's root
        "url": paths.public_url(base, paths.article_path(art.id)),
        "original_url": art.link,
        "source": art.original_source or art.site,
        "site": art.site,
    }


def register_files(docs: Sequence[Article], site: dict, build_key: str) -> list[tuple[str, str, object]]:
    """(path, key, render) of the CSV and the JSON: both rendered only when a document in them (or the code, or
    a site setting: ``build_key``) changed."""
    base = paths.base_url(site)
    key = short_hash(build_key, CSV_PATH, *(a.list_key for a in docs))

    def as_json() -> bytes:
        rows = [document_row(a, base) for a in docs]
        return json_bytes({"schema": "yigai-register-1", "documents": rows})

    def as_csv() -> bytes:
        out = io.StringIO()
        table = csv.writer(out, lineterminator="\r\n")  # None is written as an empty cell
        table.writerow(COLUMNS)
        for d in (document_row(a, base) for a in docs):
            files = "；".join(f"{f['title']} {f['url'] or ''}".strip() for f in d["attachments"])
            bodies = "、".join(d["issuing_bodies"])
            table.writerow([d["doc_number"], d["title"], bodies, d["doc_type"], d["written_date"], d["day"], files,
                            d["place"], d["url"]])
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    return [(CSV_PATH, key, as_csv), (JSON_PATH, key, as_json)]
