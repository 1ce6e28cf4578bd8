"""Policy-document fields: document number (发文字号), type, issuing body, attachments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

_DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,14})\s*[〔\[［(（【]\s*((?:19|20)\d{2})\s*[〕\]］)）】]\s*(\d{1,4})\s*号"
)
# Most specific first: 实施方案 is a 方案, 政策解读 a 解读.
_DOC_TYPES = (
    "解读",
    "通知",
    "意见",
    "方案",
    "办法",
    "规划",
    "决定",
    "通告",
    "公告",
    "批复",
    "条例",
    "规定",
    "细则",
    "纲要",
    "指南",
    "报告",
    "函",
)
_ISSUER_END = re.compile(
    r"(委员会|人民政府|政府|办公厅|办公室|卫生健康委|卫健委|医保局|管理局|局|部|厅|委|院|中心)$"
)
ATTACHMENT_KINDS = ("pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "zip")


@dataclass(frozen=True)
class Attachment:
    url: str
    title: str
    kind: str  # pdf/doc/docx/wps/ofd/xls/xlsx/zip

    def to_dict(self) -> dict:
        return {"url": self.url, "title": self.title, "kind": self.kind}


def find_doc_number(text: str) -> str | None:
    """First 发文字号 such as 国卫基层发〔2023〕12号, normalised to 〔〕 brackets."""
    m = _DOC_NUMBER.search(text)
    if not m:
        return None
    return f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"


def find_doc_type(title: str, text: str = "") -> str:
    """Type from the title's ending (…的通知, 实施方案); 解读 wins anywhere in the title; else 新闻."""
    t = title.strip().rstrip("》」”\"'")
    if "解读" in t:
        return "解读"
    for kind in _DOC_TYPES:
        if t.endswith(kind):
            return kind
    m = re.search(r"关于.{2,60}的(通知|意见|方案|办法|规划|决定|通告|公告|批复)", t)
    if m:
        return m.group(1)
    return "新闻"


def find_issuing_body(title: str, text: str = "") -> str | None:
    """'河北省卫生健康委员会关于…的通知' → '河北省卫生健康委员会'."""
    for candidate in (title, text[:300]):
        m = re.match(r"\s*([\u4e00-\u9fff、]{2,40}?)\s*关于", candidate)
        if m and _ISSUER_END.search(m.group(1)):
            return m.group(1)
    return None


def find_attachments(tree, base_url: str) -> list[Attachment]:
    if tree is None:
        return []
    found: dict[str, Attachment] = {}
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or "." not in href[-12:] or href.startswith(("javascript:", "mailto:", "#")):
            continue
        path = urlsplit(href).path.lower()
        kind = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
        if kind not in ATTACHMENT_KINDS:
            continue
        url = urljoin(base_url, href)
        title = " ".join("".join(a.itertext()).split()) or a.get("title") or url.rsplit("/", 1)[-1]
        found.setdefault(url, Attachment(url=url, title=title, kind=kind))
    return list(found.values())
