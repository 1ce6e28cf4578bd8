"""Policy-document fields: document number (发文字号), type, issuing bodies (every 发文机关 of a joint
document), 成文日期, attachments."""

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


# One issuing body: Chinese characters ending as an issuing body does (no sentence punctuation).
_BODY = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}$")
_BODY_SPLIT = re.compile(r"[\s、，,；;　/|]+")
# "国家卫生健康委等10部门关于…": the title names the first body and how many there are.
_AND_OTHERS = re.compile(r"^\s*([\u4e00-\u9fff]{2,30}?)等\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:个)?(?:部门|单位|部委)")
_WRITTEN_DATE = re.compile(
    r"^[（(]?\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*[)）]?$"
)
_FIELD_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})")
_SIGNATURE_LINES = 8  # closing lines searched for the signature: bodies, then the date
_CLOSING_LINES = 12  # lines from the end that may hold the signature (notes such as （此件主动公开） may follow)


def split_bodies(value: str, *, named: bool = False) -> list[str]:
    """'国家卫生健康委 国家医保局、财政部' → each body that looks like one (order kept, duplicates dropped).
    ``named``: the value is a 发文机关 field, so every name in it is a body (中共中央 ends like none)."""
    out: list[str] = []
    for part in _BODY_SPLIT.split(value.strip()):
        if part and _BODY.match(part) and (named or _ISSUER_END.search(part)) and part not in out:
            out.append(part)
    return out


def _title_bodies(title: str) -> list[str]:
    m = re.match(r"\s*(.{2,200}?)\s*关于", title)
    if not m:
        return []
    prefix = m.group(1)
    others = _AND_OTHERS.match(prefix)
    if others:
        return split_bodies(others.group(1))
    bodies = split_bodies(prefix)
    # Every part must be a body: "某市召开会议…关于" is not a list of issuers.
    return bodies if bodies and len(bodies) == len([p for p in _BODY_SPLIT.split(prefix.strip()) if p]) else []


def _signature(lines: list[str]) -> tuple[list[str], str | None]:
    """The bodies and the date that close a document: a date line near the end, and the lines of issuing
    bodies directly above it (one per line, or several on a line separated by spaces)."""
    tail = [line.strip() for line in lines[-_CLOSING_LINES:]]
    for i in range(len(tail) - 1, -1, -1):
        m = _WRITTEN_DATE.match(tail[i])
        if not m:
            continue
        bodies: list[str] = []
        j = i - 1
        while j >= 0 and i - j <= _SIGNATURE_LINES:
            found = split_bodies(tail[j])
            if not found or len(found) != len([p for p in _BODY_SPLIT.split(tail[j]) if p]):
                break
            bodies = found + [b for b in bodies if b not in found]
            j -= 1
        return bodies, _iso_day(*m.groups())
    return [], None


def _iso_day(year: str, month: str, day: str) -> str | None:
    y, mo, d = int(year), int(month), int(day)
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def find_issuing_bodies(title: str, text: str = "", field: str | None = None) -> list[str]:
    """Every 发文机关 of the document, in the order it names them.

    From the page's 发文机关 field when it has one; else from the title (国家卫生健康委 国家医保局关于…) or, when
    the title names fewer than the signature (…等5部门关于…), from the signature at the end of the text. A
    single body's document gives a list of one."""
    if field:
        bodies = split_bodies(field, named=True)
        if bodies:
            return bodies
    from_title = _title_bodies(title)
    signed, _date = _signature(text.split("\n"))
    if len(signed) > len(from_title) and (not from_title or from_title[0] in signed):
        return signed
    if from_title:
        return from_title
    single = find_issuing_body(title, text)
    return [single] if single else signed


def find_written_date(text: str, field: str | None = None) -> str | None:
    """成文日期 as YYYY-MM-DD: the page's 成文日期 field, else the date line that closes the document."""
    if field:
        m = _FIELD_DATE.search(field)
        if m:
            return _iso_day(*m.groups())
    return _signature(text.split("\n"))[1]


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
