"""One test per source family of the real registry, against pages of the family's structure written for the tests.

For every ``family`` in ``yigai/registry/sources.toml`` one representative source is taken from the real
registry (``load_registry("default")``) and rewritten to a loopback server (``family_loopback.loopback_source``:
same paths, host 127.0.0.1:PORT, the registry's own ``article_allow`` path rules). Each family's server
serves the pages in ``pages/<family>/`` at the real site's paths: ``list.html`` at the path of the source's first
list URL, ``article.html`` at the paths its list links as articles (``FamilyCase.articles``; the same
article page answers for every article link of a family) and any further list page in ``extra_lists``.

One ``python -m crawler.process`` crawls all families at once (one registry, one source per family, one server
per family: several real sites have their list at ``/``). Then, per family:

- the crawl asked for the list pages and exactly the article links: no navigation, footer, attachment or
  other-site link was fetched, and every article was stored as an article page;
- ``extract.extract_article`` on the stored story page gives the right title, date, 来源 and primary region,
  keeps the story's last paragraph, and drops the page's navigation and footer strings.

A family whose crawl or extraction does not work yet says why in ``crawl_gap``/``extract_gap``: its test is an
``xfail(strict=True)`` so the gap stays visible and the test turns red once the gap is closed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from family_loopback import PageServer, loopback_source, loopback_url, registry_toml

from crawler.links import ArticleFilter
from extract import SourceHint, extract_article
from yigai.config import Source, load_registry
from yigai.store import Store

REPO = Path(__file__).resolve().parents[2]
PAGES = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class FamilyCase:
    family: str
    source_id: str  # the representative real source
    articles: tuple[str, ...]  # article paths the list pages link; the first is the story checked by extract
    title: str
    published: str  # YYYY-MM-DD
    original_source: str  # the page's 来源
    province: str | None  # primary region; None = national
    must_appear: str  # from the story's last paragraph
    junk: tuple[str, ...]  # navigation/footer strings of the article page
    extra_lists: dict[str, str] = field(default_factory=dict)  # further list pages: path → file
    content_type: str = "text/html; charset=utf-8"
    crawl_gap: str | None = None
    extract_gap: str | None = None


COMMON_JUNK = ("网站地图", "联系我们", "首页")

CASES = [
    FamilyCase(
        "trs",
        "beijing_wjw",
        (
            "/xwzx_20031/xwfb/202403/t20240315_3612345.html",
            "/xwzx_20031/xwfb/202403/t20240312_3609876.html",
            "/xwzx_20031/xwfb/202402/t20240228_3590001.html",
        ),
        "本市紧密型城市医疗集团网格化布局全面铺开",
        "2024-03-15",
        "北京市卫生健康委员会",
        "北京市",
        "让群众在家门口看得上病",
        ("机构职能", "网站标识码", "打印本页", "字号"),
        extra_lists={"/xwzx_20031/xwfb/index_1.html": "list_2.html"},
    ),
    FamilyCase(
        "hanweb",
        "jiangsu_wjw",
        ("/art/2024/3/18/art_7290_4123456.html", "/art/2024/3/14/art_7290_4120001.html"),
        "我省紧密型县域医共体建设取得新进展",
        "2024-03-18",
        "江苏省卫生健康委员会",
        "江苏省",
        "巩固基层首诊和分级诊疗格局",
        ("机构概况", "网站标识码", "打印本页", "浏览次数"),
    ),
    FamilyCase(
        "nhc",
        "nhc_yzygj",
        (
            "/yzygj/c100068/202403/4f2a9c1d7e3b4a5c8d6e0f1a2b3c4d5e.shtml",
            "/yzygj/c100068/202403/9a8b7c6d5e4f40312a1b2c3d4e5f6a7b.shtml",
        ),
        "国家卫生健康委部署城市医疗集团试点工作",
        "2024-03-20",
        "医政司",
        None,
        "防止简单的机构合并",
        ("政策法规", "网站标识码", "版权所有"),
    ),
    FamilyCase(
        "govcn",
        "govcn_zhengce",
        (
            "/zhengce/content/202403/content_6940123.htm",
            "/zhengce/jiedu/202403/content_6940456.htm",
            "/zhengce/zhengceku/202403/content_6940789.htm",
        ),
        "国务院常务会议部署推进分级诊疗和医保支付方式改革",
        "2024-03-22",
        "新华社",
        None,
        "切实减轻群众看病就医负担",
        ("关于本网", "网站标识码", "我要纠错", "相关稿件", "字号"),
    ),
    FamilyCase(
        "jeecms",
        "hebei_wsjkw",
        ("/content/content_3714/412345.jhtml", "/content/content_45/412300.whtml"),
        "我省扩大县域医共体医保打包付费试点",
        "2024-03-25",
        "河北省医疗保障局",
        "河北省",
        "确保参保群众待遇不降低",
        ("机构设置", "网站标识码", "冀ICP备"),
    ),
    FamilyCase(
        "lngov",
        "liaoning_wsjk",
        (
            "/wsjk/index/syxwxx/wsjkkx/2024040209301234567/index.shtml",
            "/wsjk/index/syxwxx/wsjkkx/2024032816451230001/index.shtml",
        ),
        "辽宁推进国家区域医疗中心建设项目落地见效",
        "2024-04-02",
        "辽宁省卫生健康委员会",
        "辽宁省",
        "与省内医联体建设协同发展",
        ("机构职能", "网站标识码", "浏览量"),
    ),
    FamilyCase(
        "hljgov",
        "heilongjiang_wsjkw",
        ("/wsjkw/c109060/202404/c00_31712345.shtml", "/wsjkw/c109060/202404/c00_31712001.shtml"),
        "我省远程医疗服务实现县乡全覆盖",
        "2024-04-08",
        "黑龙江省卫生健康委员会",
        "黑龙江省",
        "让优质医疗资源通过网络下沉到基层",
        ("机构概况", "网站标识码", "字体"),
    ),
    FamilyCase(
        "ahgov",
        "anhui_wjw",
        ("/xwzx/gzdt/56012345.html", "/xwzx/gzdt/56011999.html"),
        "我省推进紧密型县域医共体双向转诊提质扩面",
        "2024-04-10",
        "安徽省卫生健康委员会",
        "安徽省",
        "引导医疗资源向基层流动",
        ("机构设置", "网站标识码", "打印本页"),
    ),
    FamilyCase(
        "jxgov",
        "jiangxi_hc",
        (
            "/jxswsjkwyh/jkyw/content/content_1778123456789012345.html",
            "/jxswsjkwyh/jkyw/content/content_1777900012345678901.html",
        ),
        "我省紧密型城市医疗集团建设试点扩围",
        "2024-04-12",
        "江西省卫生健康委员会",
        "江西省",
        "提高群众的就医获得感",
        ("机构职能", "网站标识码", "字体"),
    ),
    FamilyCase(
        "hngov",
        "henan_wsjkw",
        ("/2024/04-15/2960001.html", "/2024/04-11/2958888.html"),
        "河南国家区域医疗中心建设进入提质阶段",
        "2024-04-15",
        "河南省卫生健康委员会",
        "河南省",
        "在重点学科上形成辐射带动作用",
        ("机构设置", "网站标识码", "豫ICP备"),
    ),
    FamilyCase(
        "gdgov",
        "guangdong_wsjkw",
        ("/zwyw/content/post_4380001.html", "/gkmlpt/content/4/4379/post_4379001.html"),
        "广东推进紧密型县域医共体建设实现全覆盖",
        "2024-04-18",
        "广东省卫生健康委员会",
        "广东省",
        "推动县域医疗服务能力整体提升",
        ("机构职能", "网站标识码", "分享"),
    ),
    FamilyCase(
        "scgov",
        "sichuan_wsjkw",
        (
            "/scwsjkw/gzdt/2024/4/22/3b5d7f9a1c2e4b6d8f0a2c4e6b8d0f1a.shtml",
            "/scwsjkw/gzdt/2024/4/19/7c9e1a3b5d7f4e2a8c0b1d3f5a7c9e0b.shtml",
        ),
        "四川全面推行按病组和病种分值付费",
        "2024-04-22",
        "四川省医疗保障局",
        "四川省",
        "保障参保群众的合理医疗需求",
        ("机构职能", "网站标识码", "打印"),
    ),
    FamilyCase(
        "gsgov",
        "gansu_wsjk",
        ("/wsjk/c113471/202404/173900001.shtml", "/wsjk/c113038/202404/173899870.shtml"),
        "我省推动优质医疗资源下沉到县乡",
        "2024-04-25",
        "甘肃省卫生健康委员会",
        "甘肃省",
        "推动形成分级诊疗的就医格局",
        ("机构概况", "网站标识码", "浏览次数"),
    ),
    FamilyCase(
        "xjgov",
        "xinjiang_wjw",
        (
            "/hfpc/hydt/202405/1c3e5a7b9d0f42468ace13579bdf0246.shtml",
            "/hfpc/hydt/202405/2d4f6b8c0e1a43579bdf02468ace1357.shtml",
        ),
        "自治区县域医共体建设提质增效",
        "2024-05-06",
        "新疆维吾尔自治区卫生健康委员会",
        "新疆维吾尔自治区",
        "确保常见病、多发病在县域内得到有效诊治",
        ("机构职能", "网站标识码", "新ICP备"),
    ),
    FamilyCase(
        "shgov",
        "shanghai_wsjkw",
        (
            "/xwfb/20240509/5e7a9c1b3d5f4e6a8c0b2d4f6a8c0e1b.html",
            "/xwfb/20240506/8f0a2c4e6b8d4f1a3c5e7a9b1d3f5a7c.html",
        ),
        "本市家庭医生签约服务与分级诊疗深度融合",
        "2024-05-09",
        "上海市卫生健康委员会",
        "上海市",
        "让居民首诊在社区成为常态",
        ("机构职能", "网站标识码", "沪ICP备"),
    ),
    FamilyCase(
        "generic",
        "yunnan_wsjkw",
        ("/wjwWebsite/web/doc/UU171556000000000123", "/wjwWebsite/web/doc/UU171530000000000456"),
        "我省县域医共体慢病管理中心建设全面推开",
        "2024-05-13",
        "云南省卫生健康委员会",
        "云南省",
        "提升县域健康管理水平",
        ("机构职能", "网站标识码", "滇ICP备"),
    ),
    FamilyCase(
        "people",
        "people_health",
        ("/n1/2024/0516/c14739-40237654.html", "/n1/2024/0515/c14739-40236999.html"),
        "三明医改经验在福建全省推开 县域医共体实现全覆盖",
        "2024-05-16",
        "人民网-福建频道",
        "福建省",
        "以健康为中心",
        ("人民日报社概况", "热点推荐", "版 权 所 有", "健康资讯"),
        content_type="text/html",  # GBK page; the charset comes from its <meta>
    ),
    FamilyCase(
        "xinhua",
        "xinhua_health",
        (
            "/health/20240520/6d8e0a2c4b6f48a19c3e5d7f9b1a3c5e/c.html",
            "/health/20240518/0a2c4e6b8d0f41a3b5c7d9e1f3a5b7c9/c.html",
        ),
        "浙江：山区海岛县医疗服务能力显著提升",
        "2024-05-20",
        "新华网",
        "浙江省",
        "让山区海岛群众少跑路",
        ("时政", "关于我们", "Copyright", "XINHUANET"),
    ),
    FamilyCase(
        "gmw",
        "gmw_health",
        ("/2024-05/23/content_37340001.htm", "/2024-05/22/content_37338888.htm"),
        "山东城市医疗集团建设按下“快进键”",
        "2024-05-23",
        "大众日报",
        "山东省",
        "推动资源向基层倾斜",
        ("光明网首页", "医生说", "光明网版权所有"),
    ),
    FamilyCase(
        "chinacomcn",
        "china_health",
        ("/2024-05/27/content_42790001.htm", "/2024-05/24/content_42786543.htm"),
        "湖北县域医共体打造“家门口的好医院”",
        "2024-05-27",
        "中国网",
        "湖北省",
        "让群众在县域内看得好病",
        ("中国网首页", "养生", "中国互联网新闻中心"),
    ),
    FamilyCase(
        "cctv",
        "cctv_health",
        (
            "/2024/06/03/ARTIq3Xk8vL2mN5pR7tY9wZ1b240603.shtml",
            "/2024/06/02/ARTIa1B2c3D4e5F6g7H8i9J0k240602.shtml",
        ),
        "青海：远程医疗让牧区群众看病不再难",
        "2024-06-03",
        "央视网",
        "青海省",
        "更方便地享受优质医疗资源",
        ("国内", "电视", "央视网版权所有"),
    ),
    FamilyCase(
        "jkb",
        "jkb",
        ("/news/healthCareReform/2024/0606/590001.html", "/news/healthCareReform/2024/0605/589876.html"),
        "广西：医共体总额付费激发基层活力",
        "2024-06-06",
        "健康报",
        "广西壮族自治区",
        "防止出现推诿患者的现象",
        ("行业新闻", "医院管理", "健康报社版权所有"),
    ),
]
CASE_BY_FAMILY = {c.family: c for c in CASES}
REGISTRY = {s.id: s for s in load_registry("default")}


def _params(gap: str) -> list:
    marks = {
        c.family: [pytest.mark.xfail(strict=True, reason=getattr(c, gap))] if getattr(c, gap) else []
        for c in CASES
    }
    return [pytest.param(c.family, marks=marks[c.family], id=c.family) for c in CASES]


def _list_path(source: Source) -> str:
    parts = urlsplit(source.list_urls[0])
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _routes(case: FamilyCase, source: Source) -> dict[str, tuple[bytes, str]]:
    folder = PAGES / case.family
    routes = {_list_path(source): (folder / "list.html").read_bytes()}
    routes.update({path: (folder / name).read_bytes() for path, name in case.extra_lists.items()})
    article = (folder / "article.html").read_bytes()
    routes.update({path: article for path in case.articles})
    return {path: (body, case.content_type) for path, body in routes.items()}


# ------------------------------------------------------------------------------------------ pure checks
def test_every_registry_family_has_a_case() -> None:
    families = {s.family for s in REGISTRY.values()}
    assert families == set(CASE_BY_FAMILY), "a family without a case (or a case for a family no source has)"
    for case in CASES:
        assert REGISTRY[case.source_id].family == case.family, case.source_id


@pytest.mark.parametrize("family", [c.family for c in CASES])
def test_rewritten_rules_accept_the_real_examples_and_the_test_articles(family: str) -> None:
    """The loopback rewrite keeps the registry's path rules: the real example articles, moved to the loopback
    host, are still articles, the list page is not, and neither is the real host any more."""
    case = CASE_BY_FAMILY[family]
    real = REGISTRY[case.source_id]
    base = "http://127.0.0.1:8765"
    src = loopback_source(real, base, list_urls=1)
    rules = ArticleFilter.build(src.article_allow, src.article_deny, src.start_urls)
    for url in real.extra.get("example_articles", []):
        assert rules.accepts(loopback_url(url, base)), url
        assert not rules.accepts(url), f"real host still accepted: {url}"
    for path in case.articles:
        assert rules.accepts(base + path), path
    for url in real.list_urls:
        assert not rules.accepts(loopback_url(url, base)), url
    assert src.list_urls == (loopback_url(real.list_urls[0], base),)
    assert urlsplit(src.list_urls[0]).path == urlsplit(real.list_urls[0]).path


# ------------------------------------------------------------------------------------------ one crawl
@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("families")
    servers: dict[str, PageServer] = {}
    sources: list[Source] = []
    try:
        for case in CASES:
            real = REGISTRY[case.source_id]
            server = PageServer(_routes(case, real)).start()
            servers[case.family] = server
            sources.append(loopback_source(real, server.base, list_urls=1))
        registry = tmp / "registry.toml"
        registry.write_text(registry_toml(sources), encoding="utf-8")
        settings = tmp / "yigai.toml"
        # No throttling against our own loopback servers; tiny retry backoff.
        settings.write_text(
            f'database = "{tmp / "db.sqlite3"}"\n[crawl]\ndownload_timeout = 10\n'
            "[scrapy]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\nYIGAI_RETRY_BACKOFF_BASE = 0.05\n"
            "YIGAI_RETRY_BACKOFF_MAX = 0.2\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("YIGAI_")}
        env.update(PYTHONPATH=str(REPO))
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.process", "--config", str(settings), "--registry", str(registry)],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        for server in servers.values():
            server.stop()
    store = Store(tmp / "db.sqlite3")
    yield {"proc": proc, "servers": servers, "sources": {s.family: s for s in sources}, "store": store}
    store.close()


def _stored_article(store: Store, url: str):
    state = store.url_state(url)
    if state is None or state["latest_page_id"] is None:
        return None
    return store.page(state["latest_page_id"])


@pytest.mark.slow
def test_crawl_started(crawl) -> None:
    # 1 = some source had errors (the families with a known crawl gap); 2 would mean it never started.
    assert crawl["proc"].returncode in (0, 1), crawl["proc"].stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("family", _params("crawl_gap"))
def test_crawl_fetches_the_articles_and_nothing_else(crawl, family: str) -> None:
    case = CASE_BY_FAMILY[family]
    src = crawl["sources"][family]
    server = crawl["servers"][family]
    requested = [p for p in server.requested if p != "/robots.txt"]
    wanted_lists = {_list_path(src), *case.extra_lists}
    assert sorted(set(requested)) == sorted(wanted_lists | set(case.articles)), (
        f"{family}: requested {requested}"
    )
    for path in case.articles:
        page = _stored_article(crawl["store"], server.base + path)
        assert page is not None, f"{family}: {path} not stored"
        assert (page.kind, page.status, page.source_id) == ("article", 200, src.id)
    errors = [line for line in crawl["proc"].stderr.splitlines() if "ERROR" in line and src.id in line]
    assert not errors, errors


@pytest.mark.slow
@pytest.mark.parametrize("family", _params("extract_gap"))
def test_extract_story_page(crawl, family: str) -> None:
    case = CASE_BY_FAMILY[family]
    src = crawl["sources"][family]
    url = crawl["servers"][family].base + case.articles[0]
    page = _stored_article(crawl["store"], url)
    if page is not None:
        body, content_type = page.body, page.headers.get("Content-Type", "")
    elif case.crawl_gap:  # not crawled (known gap): the bytes the server would have sent
        body, content_type = (PAGES / family / "article.html").read_bytes(), case.content_type
    else:
        pytest.fail(f"{family}: story page {url} was not stored")
    m = re.search(r"charset=([\w-]+)", content_type)
    art = extract_article(
        body,
        url,
        source=SourceHint(name=src.name, home_region=src.home_region),
        http_encoding=m.group(1) if m else None,
    )
    assert art.title == case.title
    assert art.published is not None and art.published.date().isoformat() == case.published
    assert art.original_source == case.original_source
    assert art.regions, f"{family}: no region"
    primary = art.regions[0]
    if case.province is None:
        assert primary.national, primary
    else:
        assert (primary.province, primary.national) == (case.province, False), primary
    assert case.must_appear in art.text
    assert case.title not in art.text.split("\n"), "the title repeated as a text line"
    for junk in COMMON_JUNK + case.junk:
        assert junk not in art.text, f"{family}: navigation/footer string {junk!r} in text"
