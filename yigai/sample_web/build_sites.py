"""Generate the bundled sample web (`sites/`) and its truth file (`expected.json`).

The generated files are committed as package data; run this again after editing stories or templates:

    .venv/bin/python -m yigai.sample_web.build_sites

Output is deterministic (fixed dates, sorted keys, fixed zip timestamps), which a test checks.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from yigai.sample_web import list_sites, render
from yigai.sample_web.render import Attachment, PageSpec
from yigai.sample_web.stories import STORIES, Story

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
SITES_DIR = PACKAGE_DIR / "sites"
EXPECTED_PATH = PACKAGE_DIR / "expected.json"

CHINA = timezone(timedelta(hours=8))
XML_BASE_TOKEN = "__SAMPLE_WEB__"  # replaced by the server with its base URL (feeds need absolute links)
DEFAULT_LAST_MODIFIED = "2025-01-01T00:00:00+08:00"

SITE_ENCODING = {"hbwjw": "gbk", "nhc": "utf-8", "farm": "utf-8", "portal": "utf-8"}

DISALLOWED_PAGE = PageSpec(
    "farm", "farm_private_vip", "/farm/private/2024/0320/vip_8812.html", "2024-03-20 08:00:00"
)


def _dummy_pdf(label: str) -> bytes:
    text = label.encode("ascii", "replace")
    stream = b"BT /F1 12 Tf 20 50 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _dummy_docx(text: str) -> bytes:
    """A minimal Word document with a fixed zip timestamp, so the bytes never change."""
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="'
            '/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>'
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 28, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode("utf-8"))
    return out.getvalue()


# --------------------------------------------------------------------------- the page table

HBWJW_PAGES: tuple[PageSpec, ...] = (
    PageSpec("hbwjw", "hb_yongnian_group", "/hbwjw/202403/t20240315_123456.html", "2024-03-15 09:30"),
    PageSpec(
        "hbwjw",
        "hb_policy_assessment",
        "/hbwjw/202404/t20240402_123871.html",
        "2024-04-02 10:00",
        doc_number="冀卫基层〔2024〕3号",
        written_date="2024-03-28",
        attachments=(
            Attachment("P020240402512345678901.pdf", "河北省紧密型县域医疗卫生共同体建设评估实施方案.pdf"),
            Attachment("P020240402512345678902.docx", "评估指标及评分标准.docx"),
        ),
    ),
    PageSpec("hbwjw", "hb_sjz_city_group", "/hbwjw/202405/t20240521_124302.html", "2024-05-21 16:45"),
    PageSpec(
        "hbwjw", "hb_baoding_referral", "/hbwjw/202401/t20240110_121007.html", "2024-01-10", date_style="cn"
    ),
    PageSpec("hbwjw", "hb_tangshan_payment", "/hbwjw/202311/t20231108_118854.html", "2023-11-08 15:20"),
    PageSpec("hbwjw", "hb_chengde_village", "/hbwjw/202309/t20230914_117230.html", "2023-09-14 11:05"),
    PageSpec("hbwjw", "hb_regional_centers", "/hbwjw/202406/t20240618_124950.html", "2024-06-18 08:50"),
    PageSpec(
        "hbwjw",
        "hb_zjk_telemed",
        "/hbwjw/202407/t20240709_125533.html",
        "2024-07-09 14:10",
        wrong_header=True,
    ),
    PageSpec(
        "hbwjw",
        "hb_cangzhou_pharmacy",
        "/hbwjw/202408/t20240827_126418.html",
        "2024-08-27 10:30",
        charset="none",
    ),
    PageSpec(
        "hbwjw",
        "hb_policy_referral",
        "/hbwjw/202312/t20231205_119642.html",
        "2023-12-05 17:00",
        doc_number="冀卫医政〔2023〕18号",
        written_date="2023-11-30",
        attachments=(Attachment("P020231205398765432101.pdf", "上转和下转病种目录（参考）.pdf"),),
    ),
    PageSpec("hbwjw", "hb_langfang_beisan", "/hbwjw/202502/t20250220_131876.html", "2025-02-20 09:15"),
)

NHC_PAGES: tuple[PageSpec, ...] = (
    PageSpec("nhc", "nat_presser_county", "/nhc/xinwen/2024-04/12/content_6945123.htm", "2024-04-12 15:30"),
    PageSpec(
        "nhc",
        "nat_gov_opinion",
        "/nhc/zhengce/2024-09/06/content_6972408.htm",
        "2024-09-06 18:00",
        date_style="cn0",
    ),
    PageSpec("nhc", "nat_nhsa_payment", "/nhc/xinwen/2024-07/23/content_6964017.htm", "2024-07-23 11:20"),
    PageSpec(
        "nhc", "nat_regional_center_batch", "/nhc/xinwen/2023-10/17/content_6909835.htm", "2023-10-17 09:40"
    ),
    PageSpec(
        "nhc",
        "nat_counterpart_support",
        "/nhc/xinwen/2025-01/15/content_6998120.htm",
        "2025-01-15 16:05",
        date_style="cn",
    ),
    PageSpec("nhc", "nat_city_group_pilot", "/nhc/xinwen/2023-07/28/content_6895342.htm", "2023-07-28 10:10"),
    PageSpec("nhc", "zj_deqing", "/nhc/xinwen/2024-05/09/content_6950071.htm", "2024-05-09 10:00"),
    PageSpec("nhc", "fj_sanming", "/nhc/xinwen/2024-03/26/content_6941880.htm", "2024-03-26 09:00"),
    PageSpec("nhc", "sc_chengdu", "/nhc/xinwen/2024-10/11/content_6979455.htm", "2024-10-11 14:30"),
    PageSpec("nhc", "ah_tianchang", "/nhc/xinwen/2023-08/22/content_6899761.htm", "2023-08-22 08:30"),
    PageSpec(
        "nhc",
        "hb_regional_centers",
        "/nhc/xinwen/2024-06/19/content_6958233.htm",
        "2024-06-19 10:15",
        original=False,
        title="河北省国家区域医疗中心建设取得新进展",
    ),
)

PORTAL_PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "portal",
        "hn_zhengzhou",
        "/portal/24/0520/08/J1ZZ4RKJ00019B3E.html",
        "2024-05-20 08:15:32",
        reporter="刘静",
    ),
    PageSpec(
        "portal",
        "nat_presser_county",
        "/portal/24/0413/08/IV8QK2DA0001899O.html",
        "2024-04-13 08:40:11",
        original=False,
        title="国家卫健委：紧密型县域医共体建设全面推开",
        original_title="国家卫生健康委：紧密型县域医共体建设在全国全面推开",
    ),
    PageSpec(
        "portal",
        "fj_sanming",
        "/portal/24/0327/07/IU3M8F7B0001875P.html",
        "2024-03-27 07:55:46",
        original=False,
        title="三明医改再出发，县域医疗卫生服务能力持续提升",
    ),
    PageSpec(
        "portal",
        "hub_yichang",
        "/portal/23/0615/10/I6F2L8QH00019K5T.html",
        "2023-06-15 10:32:05",
        date_trap=True,
    ),
    PageSpec("portal", "sd_rizhao", "/portal/24/1119/09/JH2P7S9C0001899O.html", "2024-11-19 09:03:27"),
    PageSpec("portal", "gd_luohu", "/portal/24/1203/15/JI6R3M1E00018AS3.html", "2024-12-03 15:48:10"),
    PageSpec("portal", "bj_chaoyang", "/portal/25/0304/11/JP4K8T2U0001899O.html", "2025-03-04 11:26:39"),
    PageSpec("portal", "off_marathon", "/portal/24/1020/13/JEKD2V6B00058780.html", "2024-10-20 13:05:00"),
    PageSpec("portal", "off_movie", "/portal/24/1008/20/JDL93N0P00038FO9.html", "2024-10-08 20:12:44"),
    PageSpec(
        "portal", "off_pharma_stocks", "/portal/24/0930/15/JCV8E3QS00259DLP.html", "2024-09-30 15:32:18"
    ),
    PageSpec("portal", "off_phone", "/portal/24/0925/21/JCH1T5A000097U7R.html", "2024-09-25 21:47:03"),
)

FARM_PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "farm", "hb_yongnian_group", "/farm/html/2024/0318/28871.html", "2024-03-18 10:22:43", original=False
    ),
    PageSpec("farm", "zj_deqing", "/farm/html/2024/0511/30215.html", "2024-05-11 14:06:20", original=False),
    PageSpec(
        "farm",
        "fj_sanming",
        "/farm/html/2024/0329/29340.html",
        "2024-03-29 16:40:00",
        original=False,
        title="三明医改再出发 县域医疗卫生服务能力持续提升",
        date_style="cn0",
    ),
    PageSpec("farm", "hb_xingtai_nanhe", "/farm/html/2023/1220/25102.html", "2023-12-20 09:18:35"),
    PageSpec(
        "farm", "hub_zaoyang", "/farm/html/2024/0227/27766.html", "2024-02-27 11:02:00", date_style="cn"
    ),
    PageSpec("farm", "off_tourism", "/farm/html/2024/1228/33017.html", "2024-12-28 18:30:00"),
    PageSpec("farm", "off_car", "/farm/html/2024/0630/31459.html", "2024-06-30 08:45:12"),
)

ALL_PAGES: tuple[PageSpec, ...] = HBWJW_PAGES + NHC_PAGES + PORTAL_PAGES + FARM_PAGES

# Article URL patterns, shared with yigai/registry/sample.toml (a test checks they agree).
ARTICLE_PATTERNS = {
    "hbwjw": r"/hbwjw/\d{6}/t\d{8}_\d+\.html$",
    "nhc": r"/nhc/(?:xinwen|zhengce)/\d{4}-\d{2}/\d{2}/content_\d+\.htm$",
    "portal": r"/portal/\d{2}/\d{4}/\d{2}/[0-9A-Z]{16}\.html$",
    "farm": r"/farm/[a-z]+/\d{4}/\d{4}/[a-z_]*\d+\.html$",
}

# Site-wide strings that are on every article page of a site but must never reach the clean text.
SITE_MUST_NOT = {
    "hbwjw": ("版权所有", "网站标识码", "冀ICP备05004521号", "当前位置", "字号", "打印本页"),
    "nhc": ("主办单位", "京ICP备18052910号", "当前位置", "我要纠错", "最新文章"),
    "portal": (
        "分享至",
        "相关推荐",
        "热点推荐",
        "头条要闻",
        "责任编辑",
        "Copyright © 2008-2025",
        render.PORTAL_HOT_HEADLINES[0][0],
        render.PORTAL_HOT_HEADLINES[1][0],
        render.PORTAL_TOP_NEWS[1][1],
    ),
    "farm": ("国产 欧美", "丛台区|复兴区|峰峰矿区", "版权声明", "数字报刊", "天津毫纠建材有限公司"),
}


# --------------------------------------------------------------------------- helpers


def _published_dt(published: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(published, fmt).replace(tzinfo=CHINA)
        except ValueError:
            continue
    raise ValueError(f"bad published value {published!r}")


def _first_sentence(paragraph: str) -> str | None:
    end = paragraph.find("。")
    return paragraph[: end + 1] if end > 0 else None


def _must_appear(story: Story) -> list[str]:
    sentences = []
    for index in story.must_appear_from:
        sentence = _first_sentence(story.paragraphs[index])
        if sentence and sentence not in sentences:
            sentences.append(sentence)
    return sentences[:3]


def _title(spec: PageSpec) -> str:
    return spec.title or STORIES[spec.story_id].title


def _relative(from_path: str, to_path: str) -> str:
    """Relative link from one page to another (like `./202403/t2024....html` on gov list pages)."""
    from_dir = from_path.rsplit("/", 1)[0]
    if to_path.startswith(from_dir + "/"):
        return "./" + to_path[len(from_dir) + 1 :]
    return to_path


def _gloss_strings(text: str) -> list[str]:
    """The glosses actually present on a farm page, e.g. ['yī', 'xiàn'] (distinct, in order)."""
    seen: list[str] = []
    for gloss in re.findall(r"\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+)\)", text):
        if gloss not in seen and not gloss.isascii():
            seen.append(gloss)
    return seen


class _Writer:
    """Collects files in memory; `write_tree` puts them on disk (keeps the generator testable)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}  # site-root-relative path -> bytes
        self.headers: dict[str, dict[str, str]] = {}

    def add(self, url_path: str, data: bytes, last_modified: str | None = None, **header: str) -> None:
        rel = url_path.lstrip("/")
        if rel in self.files:
            raise ValueError(f"{url_path} written twice")
        self.files[rel] = data
        entry = {"last_modified": last_modified or DEFAULT_LAST_MODIFIED, **header}
        self.headers["/" + rel] = entry


# --------------------------------------------------------------------------- site builders


def _build_hbwjw(writer: _Writer) -> list[str]:
    for spec in HBWJW_PAGES:
        html = render.render_hbwjw_article(spec, STORIES[spec.story_id])
        extra = {"content_type": "text/html; charset=utf-8"} if spec.wrong_header else {}
        writer.add(spec.path, html.encode("gbk"), _published_dt(spec.published).isoformat(), **extra)
        for attachment in spec.attachments:
            directory = spec.path.rsplit("/", 1)[0]
            data = (
                _dummy_pdf(attachment.name)
                if attachment.name.endswith(".pdf")
                else _dummy_docx(attachment.label)
            )
            writer.add(f"{directory}/{attachment.name}", data, _published_dt(spec.published).isoformat())
    ordered = sorted(HBWJW_PAGES, key=lambda s: _published_dt(s.published), reverse=True)
    per_page = 4
    chunks = [ordered[i : i + per_page] for i in range(0, len(ordered), per_page)]
    list_paths = []
    for number, chunk in enumerate(chunks):
        list_path = "/hbwjw/index.html" if number == 0 else f"/hbwjw/index_{number}.html"
        items = [(_relative(list_path, s.path), _title(s), s.published[:10]) for s in chunk]
        html = render.render_hbwjw_list(items, number, len(chunks))
        writer.add(list_path, html.encode("gbk"), _published_dt(chunk[0].published).isoformat())
        list_paths.append(list_path)
    return list_paths


def _rss(pages: list[PageSpec]) -> str:
    items = []
    for spec in pages:
        story = STORIES[spec.story_id]
        when = _published_dt(spec.published).strftime("%a, %d %b %Y %H:%M:%S +0800")
        items.append(
            f"""    <item>
      <title>{render.escape(_title(spec))}</title>
      <link>{XML_BASE_TOKEN}{spec.path}</link>
      <guid isPermaLink="true">{XML_BASE_TOKEN}{spec.path}</guid>
      <description>{render.escape(story.paragraphs[0][:80])}</description>
      <pubDate>{when}</pubDate>
      <source url="{XML_BASE_TOKEN}/nhc/rss.xml">{render.escape(story.source)}</source>
    </item>"""
        )
    newest = _published_dt(pages[0].published).strftime("%a, %d %b %Y %H:%M:%S +0800")
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>国家卫生健康委员会 - 新闻</title>
    <link>{XML_BASE_TOKEN}/nhc/index.html</link>
    <description>国家卫生健康委员会最新新闻（样例站）</description>
    <language>zh-cn</language>
    <lastBuildDate>{newest}</lastBuildDate>
{body}
  </channel>
</rss>
"""


def _build_nhc(writer: _Writer) -> tuple[list[str], list[str]]:
    ordered = sorted(NHC_PAGES, key=lambda s: _published_dt(s.published), reverse=True)
    for spec in NHC_PAGES:
        latest = [(s.path, _title(s)) for s in ordered if s.path != spec.path][:5]
        html = render.render_nhc_article(spec, STORIES[spec.story_id], latest)
        writer.add(spec.path, html.encode("utf-8"), _published_dt(spec.published).isoformat())
    newest = _published_dt(ordered[0].published).isoformat()
    # Real feeds carry only the latest items; the sitemap has them all.
    writer.add("/nhc/rss.xml", _rss(ordered[:8]).encode("utf-8"), newest)
    urls = "\n".join(
        f"  <url><loc>{XML_BASE_TOKEN}{s.path}</loc><lastmod>{_published_dt(s.published).date().isoformat()}"
        f"</lastmod><changefreq>never</changefreq></url>"
        for s in ordered
    )
    articles_sitemap = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}
</urlset>
"""
    writer.add("/nhc/sitemap-articles.xml", articles_sitemap.encode("utf-8"), newest)
    index = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{XML_BASE_TOKEN}/nhc/sitemap-articles.xml</loc><lastmod>{ordered[0].published[:10]}</lastmod></sitemap>
</sitemapindex>
"""
    writer.add("/nhc/sitemap.xml", index.encode("utf-8"), newest)
    home_items = "\n".join(f'  <li><a href="{s.path}">{render.escape(_title(s))}</a></li>' for s in ordered)
    home = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>国家卫生健康委员会</title></head>
<body><h1>国家卫生健康委员会</h1><ul>
{home_items}
</ul>
<p><a href="/nhc/rss.xml">RSS</a> <a href="/nhc/sitemap.xml">网站地图</a></p></body></html>
"""
    writer.add("/nhc/index.html", home.encode("utf-8"), newest)
    return ["/nhc/rss.xml"], ["/nhc/sitemap.xml", "/nhc/sitemap-articles.xml"]


def _build_portal(writer: _Writer) -> list[str]:
    ordered = sorted(PORTAL_PAGES, key=lambda s: _published_dt(s.published), reverse=True)
    for spec in PORTAL_PAGES:
        related = [
            (s.path, _title(s)) for s in ordered if s.path != spec.path and not STORIES[s.story_id].on_topic
        ][:3]
        html = render.render_portal_article(spec, STORIES[spec.story_id], related)
        writer.add(spec.path, html.encode("utf-8"), _published_dt(spec.published).isoformat())
    per_page = 6
    chunks = [ordered[i : i + per_page] for i in range(0, len(ordered), per_page)]
    list_urls = []
    for number, chunk in enumerate(chunks, start=1):
        items = [(s.path, _title(s), s.published[:16]) for s in chunk]
        html = render.render_portal_list(items, number, len(chunks))
        file_path = "/portal/health/index.html" if number == 1 else f"/portal/health/index_page{number}.html"
        writer.add(file_path, html.encode("utf-8"), _published_dt(chunk[0].published).isoformat())
        list_urls.append("/portal/health/" if number == 1 else f"/portal/health/?page={number}")
    home = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>云帆新闻</title></head>
<body><h1>云帆新闻</h1><p><a href="/portal/health/">健康频道</a></p></body></html>
"""
    writer.add("/portal/index.html", home.encode("utf-8"))
    return list_urls


def _build_farm(writer: _Writer) -> list[str]:
    for spec in FARM_PAGES + (DISALLOWED_PAGE,):
        html = render.render_farm_article(spec, STORIES[spec.story_id])
        writer.add(spec.path, html.encode("utf-8"), _published_dt(spec.published).isoformat())
    ordered = sorted(FARM_PAGES, key=lambda s: _published_dt(s.published), reverse=True)
    first = [(s.path, _title(s), s.published[:10]) for s in ordered[:4]]
    # The members-only page sits in the middle of the first list page, where a crawler will see it.
    first.insert(2, (DISALLOWED_PAGE.path, _title(DISALLOWED_PAGE), DISALLOWED_PAGE.published[:10]))
    second = [(s.path, _title(s), s.published[:10]) for s in ordered[4:]]
    writer.add(
        "/farm/list.html",
        render.render_farm_list(first, 1, 2).encode("utf-8"),
        _published_dt(ordered[0].published).isoformat(),
    )
    writer.add(
        "/farm/list_2.html",
        render.render_farm_list(second, 2, 2).encode("utf-8"),
        _published_dt(ordered[4].published).isoformat(),
    )
    return ["/farm/list.html", "/farm/list_2.html"]


def _root_files(writer: _Writer) -> None:
    writer.add("/robots.txt", b"User-agent: *\nDisallow: /farm/private/\n")
    home = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Yigai sample web</title></head>
<body><h1>Yigai Watch sample web</h1><ul>
<li><a href="/hbwjw/index.html">河北省卫生健康委员会 (GBK government site)</a></li>
<li><a href="/nhc/index.html">国家卫生健康委员会 (RSS + sitemap)</a></li>
<li><a href="/farm/list.html">content farm (Traditional + pinyin glosses)</a></li>
<li><a href="/portal/health/">云帆新闻 health channel (commercial portal)</a></li>
</ul></body></html>
"""
    writer.add("/index.html", home.encode("utf-8"))


# --------------------------------------------------------------------------- truth file


def _expected_entry(spec: PageSpec) -> dict[str, Any]:
    story = STORIES[spec.story_id]
    published = _published_dt(spec.published)
    must_not = list(SITE_MUST_NOT[spec.site])
    html = ""
    if spec.site == "farm":
        html = render.render_farm_article(spec, story)
        must_not += _gloss_strings(html)[:2]
        if "醫" in html:
            must_not.append("醫")  # the clean text is Simplified
    entry: dict[str, Any] = {
        "path": spec.path,
        "site": spec.site,
        "story": spec.story_id,
        "original": spec.original,
        "on_topic": story.on_topic,
        "title": _title(spec),
        "published": published.isoformat(),
        "published_precision": "minute" if len(spec.published) > 10 else "date",
        "source": story.source,
        "primary_region": story.region.as_dict(),
        "must_appear": _must_appear(story),
        "must_not_appear": must_not,
        "encoding": SITE_ENCODING[spec.site],
    }
    if len(spec.published) == 19:
        entry["published_precision"] = "second"
    if spec.doc_number:
        entry["doc_number"] = spec.doc_number
    if spec.attachments:
        directory = spec.path.rsplit("/", 1)[0]
        entry["attachments"] = [f"{directory}/{a.name}" for a in spec.attachments]
    if spec.wrong_header:
        entry["http_charset"] = "utf-8"  # the header lies: the bytes are GBK
    if spec.site == "hbwjw":
        entry["declared_charset"] = "gb2312" if spec.charset == "meta" else None
    return entry


def _check_originals() -> None:
    """The original copy of a story is its earliest copy; every story has exactly one."""
    by_story: dict[str, list[PageSpec]] = {}
    for spec in ALL_PAGES:
        by_story.setdefault(spec.story_id, []).append(spec)
    for story_id, copies in by_story.items():
        originals = [c for c in copies if c.original]
        if len(originals) != 1:
            raise ValueError(f"story {story_id} has {len(originals)} originals")
        earliest = min(copies, key=lambda c: _published_dt(c.published))
        if earliest is not originals[0]:
            raise ValueError(f"story {story_id}: the original is not the earliest copy")
    for spec in ALL_PAGES:
        if not re.search(ARTICLE_PATTERNS[spec.site], spec.path):
            raise ValueError(f"{spec.path} does not match the article pattern of {spec.site}")


def _check_farm_round_trip() -> None:
    """Farm copies go Simplified → Traditional; the extractor's t2s must give the Simplified text back."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    for spec in FARM_PAGES:
        story = STORIES[spec.story_id]
        for text in (_title(spec), story.source, *story.paragraphs):
            if t2s.convert(render.to_traditional(text)) != text:
                raise ValueError(f"{spec.path}: {text[:20]}… does not survive s2t → t2s; reword it")


def build() -> tuple[dict[str, bytes], dict[str, Any]]:
    """Everything the sample web consists of: files (relative path -> bytes) and the expected.json data."""
    _check_originals()
    _check_farm_round_trip()
    writer = _Writer()
    hbwjw_lists = _build_hbwjw(writer)
    nhc_feeds, nhc_sitemaps = _build_nhc(writer)
    portal_lists = _build_portal(writer)
    farm_lists = _build_farm(writer)
    list_sites_truth = list_sites.build(writer.add)
    _root_files(writer)
    if not re.search(ARTICLE_PATTERNS["farm"], DISALLOWED_PAGE.path):
        raise ValueError("the disallowed page must look like an article to the crawler")
    writer.add(
        "/_headers.json",
        json.dumps(writer.headers, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"),
    )
    expected = {
        "articles": [_expected_entry(spec) for spec in ALL_PAGES],
        "disallowed_paths": [DISALLOWED_PAGE.path],
        "robots_disallow": ["/farm/private/"],
        "listing": {
            "hbwjw": {"list_pages": hbwjw_lists, "feeds": [], "sitemaps": []},
            "nhc": {"list_pages": ["/nhc/index.html"], "feeds": nhc_feeds, "sitemaps": nhc_sitemaps},
            "portal": {"list_pages": portal_lists, "feeds": [], "sitemaps": []},
            "farm": {"list_pages": farm_lists, "feeds": [], "sitemaps": []},
        },
        "article_patterns": ARTICLE_PATTERNS,
        "home_regions": {"hbwjw": "河北省"},
        "list_sites": list_sites_truth,
    }
    return writer.files, expected


def expected_json_text(expected: dict[str, Any]) -> str:
    return json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


def write_tree(sites_dir: Path = SITES_DIR, expected_path: Path = EXPECTED_PATH) -> int:
    """Regenerate the sample web on disk; returns the number of files written."""
    files, expected = build()
    for rel, data in sorted(files.items()):
        target = sites_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    expected_path.write_text(expected_json_text(expected), encoding="utf-8")
    logger.info("wrote %d files under %s and %s", len(files), sites_dir, expected_path)
    return len(files)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_tree()


if __name__ == "__main__":
    main()
