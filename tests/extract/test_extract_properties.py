"""Property tests: cleaning never raises and never adds text.

"Never adds text" is checked at two levels:

* cleaning (``clean_lines``): every output line is one of its normalised input lines — it only drops lines;
* whole pipeline (``extract_article``): every line of the extracted text, with whitespace removed, is a
  subsequence of the normalised visible text of the page with whitespace removed (visible text = text
  nodes outside script/style/head, see ``extract.main_text.visible_lines``). Subsequence rather than
  substring because trafilatura may drop an element (e.g. a cell-less ``<table>``) and join the text
  around it on one line; it never invents characters except its txt markup (``- `` list bullets,
  ``|`` table bars), which we remove where we can and which the comparison ignores.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import extract_article, normalize_text
from extract.cleaning import clean_lines
from extract.main_text import parse_html, visible_lines

_WS = re.compile(r"[\s|\-]+")  # whitespace and trafilatura's txt markup characters
WORDS = [
    "医共体",
    "河北省",
    "永年区",
    "来源:人民网",
    "责任编辑:张三",
    "相关推荐",
    "上一篇",
    "扫码关注",
    "版权所有",
    "人妻",
    "醫(yī)療",
    "縣(xiàn)",
    "(市、区)",
    "ＤＲＧ",
    "2022-05-09 09:22:43",
    "，",
    "。",
    "|",
    "a",
    "1",
    " ",
    "\n",
    "<",
    "&amp;",
    "分级诊疗",
    "国家卫生健康委",
    "我省",
    "热门推荐",
]
TAGS = [
    "p",
    "div",
    "span",
    "a",
    "li",
    "td",
    "h1",
    "b",
    "table",
    "tr",
    "ul",
    "section",
    "br",
    "script",
    "style",
]

text_st = st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=8).map("".join)


@st.composite
def html_pages(draw):
    def node(depth: int) -> str:
        tag = draw(st.sampled_from(TAGS))
        inner = draw(text_st)
        if depth < 3:
            inner += "".join(node(depth + 1) for _ in range(draw(st.integers(0, 3))))
        href = ' href="/x.pdf"' if tag == "a" and draw(st.booleans()) else ""
        return f"<{tag}{href}>{inner}</{tag}>" + draw(text_st)

    title = draw(text_st)
    body = "".join(node(0) for _ in range(draw(st.integers(1, 4))))
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def _visible(html: str) -> str:
    tree = parse_html(html)
    return _WS.sub("", normalize_text("\n".join(visible_lines(tree))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_pages())
def test_extract_never_raises_and_never_adds_text(html):
    art = extract_article(html, "https://p.example.cn/1.html")
    visible = _visible(html)
    for line in art.text.split("\n"):
        if line:
            assert _is_subsequence(_WS.sub("", line), visible), line


def _is_subsequence(needle: str, haystack: str) -> bool:
    chars = iter(haystack)
    return all(c in chars for c in needle)


def test_subsequence_helper():
    assert _is_subsequence("医体", "医共体") and not _is_subsequence("体医", "医共体")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data):
    art = extract_article(data, "https://p.example.cn/2.html", http_encoding="utf-8")
    assert isinstance(art.text, str)
    art.to_dict()


@settings(max_examples=200, deadline=None)
@given(st.lists(text_st, max_size=12), text_st)
def test_clean_lines_only_drops_lines(lines, title):
    result = clean_lines([normalize_text(x) for x in lines], title)
    source = [normalize_text(x).strip() for x in lines]
    for line in result.lines:
        # a line is kept whole, or without a closing plug or staff credit: never with text it lacked
        assert line in source or any(src.startswith(line) for src in source)
