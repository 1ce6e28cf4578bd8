"""How an article's paragraphs are set: which lines of an official document are not body text.

A notice's 文号 (国卫医政发〔2023〕12号), its addressee line (各省、自治区、直辖市卫生健康委：) and its signature
(the issuing bodies and the date at the end) are not paragraphs of prose: typeset conventions for 公文 keep
them flush (no two-character indent), and the signature sits on the right. Pure: text in, CSS class names out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DOC_NUMBER = "doc-number"
ADDRESSEE = "addressee"
SIGNATURE = "signature"
FLUSH = "flush"  # a bracketed note such as （此件主动公开）

_DOC_NUMBER_LINE = re.compile(
    r"^[\u4e00-\u9fff]{1,16}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d{1,4}\s*号$"
)
_ISSUER_END = r"(?:委员会|卫生健康委|卫健委|人民政府|政府|办公厅|办公室|医保局|中医药局|疾控局|管理局|局|部|厅|委|院|中心|单位|部门|机构|医院)"
# 各…： / 有关…： / …卫生健康委： — a line that names whom the document is sent to and ends with a colon.
_ADDRESSEE_LINE = re.compile(rf"^(?:(?:各|有关)[^。！？；]{{1,120}}|[^。！？；]{{2,120}}{_ISSUER_END})[：:]$")
_DATE_LINE = re.compile(r"^[（(]?\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[)）]?$")
_ISSUER_LINE = re.compile(rf"^[\u4e00-\u9fff（）()、 ]{{2,40}}{_ISSUER_END}$")
_NOTE_LINE = re.compile(r"^[（(][^（()）]{2,30}[)）]$")

_SIGNATURE_LOOKBACK = 6  # issuing-body lines directly above the closing date (a joint notice has several)


def paragraph_classes(paragraphs: Sequence[str]) -> list[str]:
    """One class name per paragraph ("" for body text)."""
    classes = [""] * len(paragraphs)
    for i, text in enumerate(paragraphs):
        line = text.strip()
        if _DOC_NUMBER_LINE.match(line):
            classes[i] = DOC_NUMBER
        elif _ADDRESSEE_LINE.match(line):
            classes[i] = ADDRESSEE
        elif _DATE_LINE.match(line):
            classes[i] = SIGNATURE
            j = i - 1
            while j >= 0 and i - j <= _SIGNATURE_LOOKBACK and _ISSUER_LINE.match(paragraphs[j].strip()):
                classes[j] = SIGNATURE
                j -= 1
        elif _NOTE_LINE.match(line):
            classes[i] = FLUSH
    return classes


def with_classes(paragraphs: Sequence[str]) -> list[tuple[str, str]]:
    """(paragraph, class name) pairs, for the article template."""
    return list(zip(paragraphs, paragraph_classes(paragraphs), strict=True))
