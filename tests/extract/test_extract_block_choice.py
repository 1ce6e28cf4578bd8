"""Block choice by evidence (issue #16 part 3): trafilatura's reading and the densest block's are weighed by
prose, link share, punctuation, position below the headline and agreement, so a page where trafilatura is
right cannot fall to a sidebar, and a story trafilatura misses is still found."""

from __future__ import annotations

from extract import extract_article
from extract.main_text import Candidate, choose, density_block, parse_html, visible_lines

PARAS = [
    "县医院牵头组建紧密型县域医共体，乡镇卫生院和村卫生室纳入统一管理，人财物实行一体化运营，群众就近看病更方便。",
    "医共体内推行医保基金总额付费，结余留用，合理超支分担，县域内就诊率提高到九成以上，基层首诊逐步形成。",
    "下一步，该县将继续推进检查检验结果互认，让数据多跑路、群众少跑腿，把更多优质医疗资源下沉到基层。",
]


def _candidate(method: str, text: str, **kw) -> Candidate:
    base = dict(prose=len(text), link_share=0.0, punct_share=0.08, after_title=False)
    base.update(kw)
    return Candidate(method, text, **base)


def test_agreeing_readings_keep_trafilatura():
    story = "\n".join(PARAS)
    traf = _candidate("trafilatura", story, prose=100)
    dens = _candidate("density", PARAS[0], prose=900, after_title=True)  # one paragraph of the same story
    assert choose(traf, dens) is traf


def test_a_sidebar_needs_clearly_better_evidence_than_trafilatura():
    traf = _candidate("trafilatura", "\n".join(PARAS), prose=150, after_title=True)
    sidebar = _candidate("density", "另一条新闻的摘要，说的是别的事情。" * 20, prose=340, link_share=0.1)
    assert choose(traf, sidebar) is traf  # more prose, but not below the headline and partly links
    assert choose(traf, None) is traf


def test_the_story_below_the_headline_wins_over_a_link_list():
    links = _candidate("trafilatura", "热门博文一……\n热门博文二！", prose=200, link_share=0.9)
    story = _candidate("density", "\n".join(PARAS), prose=150, after_title=True)
    assert choose(links, story) is story


def _page(story_divs: str) -> str:
    items = "".join(f"<li><a href='/b{i}'>博主日记第{i}篇：今天又去夜市了，好冷啊！！还要变多冷……</a></li>" for i in range(12))
    return (
        "<html><body><div id='head'><a href='/'>首页</a></div><div id='main'>"
        "<h1>某县紧密型县域医共体建设取得新进展</h1><div class='byline'>记者 张三／报道</div>"
        f"<div id='content'>{story_divs}</div></div>"
        f"<div id='side'><h3>热门博文</h3><ul>{items}</ul></div></body></html>"
    )


def test_paragraph_blocks_between_spacers_are_read_as_one_story():
    spacer = "<div></div>" * 4
    tree = parse_html(_page(spacer.join(f"<div>{p}</div>" for p in PARAS)))
    block = density_block(tree)
    assert block is not None and block.get("id") == "content"
    assert visible_lines(block) == PARAS
    text = extract_article(_page(spacer.join(f"<div>{p}</div>" for p in PARAS)), "http://example.cn/a.html").text
    assert text.split("\n") == PARAS  # the byline and the blog list's heading are cleaned away

