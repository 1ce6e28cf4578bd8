"""Site build speed and memory: ``site_builder.build_site`` over stores of N generated articles, against Hugo.

For each size: a store of N synthetic articles (regions across every province/prefecture/county of the
gazetteer, 12% national, 1–3 topics, dates over 3 years, 5% syndicated copies, 4% off-topic; rows inserted
with one ``executemany``), then, each in its own child process (wall time; peak memory = the largest sum of
RSS over the child and all its descendants sampled together every 10 ms, e.g. the Python build plus the
search index worker running beside it; the largest single process's VmHWM is kept too):

- ``full``: a build into an empty output directory;
- ``incremental``: a build after adding 100 articles dated the day after the newest one (a nightly
  increment), the first build after the full one: there is no previous generation kept yet, so the
  unchanged files are hard-linked from the published tree ("cold");
- ``incremental_steady``: 100 more articles of the following day, built again: the previous generation of
  the site is now kept next to the output (``.<output>.spare``), as on every night after the first;
- ``no_change``: the same store built once more;
- Hugo (``hugo``) over the same articles as Markdown (taxonomies region/topic/month, paginated lists,
  RSS per term) with a minimal theme written here, full and after adding the same 100 (then the next 100)
  articles — Hugo has no state between runs, so these are full builds again.

Inside our build child, wrappers time each phase (reading the store and making the context, each page
generator, rendering, feeds, the search index, the writer, publishing) without changing the builder; the
wrappers count each moment once (a phase called inside another pauses the outer one) and wrap only what the
builder has. With ``--profile`` a cProfile run of the middle size names the hot spots.

    python bench/build.py [--sizes 1000,10000,100000] [--no-hugo] [--profile] [--hugo-timeout S]
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/ must not shadow the project's extract/ package
    _ROOT = Path(__file__).resolve().parent.parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]
    sys.path.insert(0, str(_ROOT))

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bench._common import ROOT, project_env, run_child

logger = logging.getLogger(__name__)

CHINA = timezone(timedelta(hours=8))
START = datetime(2022, 1, 1, tzinfo=CHINA)
SPAN_MINUTES = 3 * 365 * 24 * 60
INCREMENT = 100  # articles added per night
NIGHTS = 3  # increments: the first rebuild after a full build ("cold"), the steady nightly one, one timed by phase
HUGO_TIMEOUT = 900.0  # seconds, per Hugo build
# Hugo's extra builds (+100 twice, into tmpfs) run only when its full build took at most this share of its limit.
HUGO_EXTRAS_SHARE = 0.5
HUGO_TIMEOUT_100K = 600.0  # Hugo did not finish 100,000 articles in 20 minutes here: do not wait that long
TARGET_SECONDS_100K = 120.0
TARGET_RSS_MB_100K = 1024.0
TARGET_INCREMENTAL_SHARE = 0.05
TARGET_HUGO_RATIO = 3.0

_SOURCES = [(f"src{k:02d}", f"基准来源站点{k:02d}") for k in range(20)]
_PHRASES = [
    "紧密型县域医共体建设",
    "城市医疗集团网格化布局",
    "分级诊疗制度",
    "双向转诊绿色通道",
    "国家区域医疗中心",
    "医保支付方式改革",
    "优质医疗资源扩容下沉",
    "家庭医生签约服务",
    "基层首诊",
    "远程医疗协作网",
    "县乡村一体化管理",
    "医保基金总额付费",
    "结余留用",
    "检查检验结果互认",
    "慢病管理中心",
]
_CLAUSES = [
    "今年以来，各地持续推进{0}，分工协作机制进一步完善",
    "牵头医院向乡镇卫生院派驻专家，群众在家门口就能看上病",
    "有关负责人介绍，下一步将按季度通报{0}进展情况",
    "通过远程心电和远程影像平台，基层检查、上级诊断的模式覆盖全部乡镇",
    "截至目前，县域内就诊率明显提高，{1}取得阶段性成效",
    "各地要落实人员、财务、药品和信息的统一管理，推动{0}提质增效",
    "据统计，上级医院下转病人数量比去年同期增加三成",
    "会议要求，把{1}作为深化医改的重点任务，逐项明确牵头部门和完成时限",
]


# ------------------------------------------------------------------------------------------------ the store
def _paragraph_pool(rng: random.Random, n: int = 4000) -> list[str]:
    pool = []
    for _ in range(n):
        clauses = [
            rng.choice(_CLAUSES).format(rng.choice(_PHRASES), rng.choice(_PHRASES))
            for _ in range(rng.randint(3, 6))
        ]
        pool.append("，".join(clauses) + "。")
    return pool


def _divisions() -> tuple[list[Any], dict[str, Any], list[dict[str, str]]]:
    from extract.regions import gazetteer

    by_code = gazetteer().by_code
    return list(by_code.values()), by_code, []


def _region_dict(d: Any, by_code: dict[str, Any], weight: float) -> dict[str, Any]:
    province = by_code[d.province].name
    city = county = None
    if d.level == "prefecture":
        city = d.name
    elif d.level == "county":
        county = d.name
        if d.parent != d.province:
            city = by_code[d.parent].name
    return {
        "code": d.code,
        "province": province,
        "city": city,
        "county": county,
        "national": False,
        "weight": weight,
    }


class ArticleFactory:
    """Deterministic synthetic article rows (keyed like the ``articles`` table)."""

    def __init__(self, seed: int = 7) -> None:
        from extract.regions import NATIONAL_CODE
        from extract.topics import load_taxonomy

        self.rng = random.Random(seed)
        self.pool = _paragraph_pool(self.rng)
        divisions, self.by_code, _ = _divisions()
        self.provinces = [d for d in divisions if d.level == "province"]
        self.prefectures = [d for d in divisions if d.level == "prefecture"]
        self.counties = [d for d in divisions if d.level == "county"]
        self.topics = [(t.id, t.label) for t in load_taxonomy().topics]
        self.national_code = NATIONAL_CODE
        self.made: list[str] = []

    def _regions(self) -> tuple[list[dict[str, Any]], str | None, int]:
        rng = self.rng
        if rng.random() < 0.12:
            nat = {
                "code": self.national_code,
                "province": None,
                "city": None,
                "county": None,
                "national": True,
                "weight": 1.0,
            }
            return [nat], self.national_code, 1
        roll = rng.random()
        pool = self.provinces if roll < 0.2 else self.prefectures if roll < 0.55 else self.counties
        primary = rng.choice(pool)
        regions = [_region_dict(primary, self.by_code, 0.7)]
        for extra in rng.sample(self.provinces, rng.randint(0, 2)):
            if extra.code != primary.province:
                regions.append(_region_dict(extra, self.by_code, 0.15))
        return regions, primary.code, 0

    def row(self, n: int, *, day: date | None = None) -> dict[str, Any]:
        """Row ``n``, dated uniformly over the 3 years from ``START``; with ``day``, at a time of that day
        (China time) instead. The random stream is the same either way (the date is drawn and then mapped
        into the day), so everything else about the row is as generated and rows made later are unchanged."""
        rng = self.rng
        source_id, site = rng.choice(_SOURCES)
        url = f"https://{source_id}.example.gov.cn/art/{n // 1000}/{n}.html"
        aid = hashlib.sha1(url.encode()).hexdigest()[:16]
        minute = rng.randint(0, SPAN_MINUTES)
        if day is None:
            published = START + timedelta(minutes=minute)
        else:
            published = datetime(day.year, day.month, day.day, tzinfo=CHINA) + timedelta(
                minutes=minute % 1440
            )
        paragraphs = rng.sample(self.pool, rng.randint(6, 12))
        regions, primary_code, national = self._regions()
        topics = [{"id": t, "label": label} for t, label in rng.sample(self.topics, rng.randint(1, 3))]
        copy_of = rng.choice(self.made) if self.made and rng.random() < 0.05 else None
        place = regions[0]["county"] or regions[0]["city"] or regions[0]["province"] or "全国"
        self.made.append(aid)
        return {
            "id": aid,
            "url": url,
            "page_id": n + 1,
            "source_id": source_id,
            "site": site,
            "title": f"{place}{rng.choice(_PHRASES)}工作取得新进展（{n}）",
            "text": "\n".join(paragraphs),
            "published": published.isoformat(),
            "original_source": rng.choice([None, "健康报", "人民日报", site]),
            "author": None,
            "editor": rng.choice([None, "张明"]),
            "regions_json": json.dumps(regions, ensure_ascii=False, sort_keys=True),
            "primary_code": primary_code,
            "national": national,
            "topics_json": json.dumps(topics, ensure_ascii=False, sort_keys=True),
            "relevance": round(rng.uniform(4, 30), 4),
            "relevant": 0 if rng.random() < 0.04 else 1,
            "fingerprint": f"{rng.getrandbits(64):016x}",
            "meta_json": json.dumps(
                {  # every tenth story a policy document (the register); no random draw: the others stay the same
                    "doc_number": f"国卫医政发〔{published.year}〕{n}号" if n % 10 == 0 else None,
                    "doc_type": "通知" if n % 10 == 0 else None,
                    "issuing_body": "国家卫生健康委、国家医保局" if n % 10 == 0 else None,
                    "attachments": [],
                    "encoding": "utf-8",
                },
                sort_keys=True,
            ),
            "group_id": copy_of or aid,
            "is_original": 0 if copy_of else 1,
            "extracted_at": "2025-01-01T00:00:00+00:00",
            "extractor_version": "1",
        }

    def nights(
        self, rows: Sequence[dict[str, Any]], start: int, *, nights: int = NIGHTS, per_night: int = INCREMENT
    ) -> list[tuple[str, list[dict[str, Any]]]]:
        """Nightly increments after ``rows`` (numbered from ``start``): ``per_night`` new rows for each of the
        ``nights`` days following the day of the newest row, spread over that day. Call after making ``rows``
        (the factory is one random stream: same seed, same rows)."""
        newest = max(datetime.fromisoformat(r["published"]) for r in rows).astimezone(CHINA).date()
        out = []
        n = start
        for night in range(1, nights + 1):
            day = newest + timedelta(days=night)
            out.append((day.isoformat(), [self.row(k, day=day) for k in range(n, n + per_night)]))
            n += per_night
        return out


def insert_articles(db: Path, rows: Sequence[dict[str, Any]]) -> None:
    from yigai.store import Store

    store = Store(db)
    try:
        store.insert_articles(rows)  # with their listing (regions, topics, story time): the store's business
        with store.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO sources(id, name, home_region, config_json, updated_at) VALUES (?,?,?,?,?)",
                [(sid, name, None, "{}", "2025-01-01T00:00:00+00:00") for sid, name in _SOURCES],
            )
    finally:
        store.close()


# ------------------------------------------------------------------------------------------------ our build
_PHASES: dict[str, float] = {}
_STACK: list[list[Any]] = []  # [phase, started] of the timed calls under way, innermost last
_MAIN_THREAD: list[int] = []  # the thread whose calls are timed (the builder's helper threads are not)
_WRAPPED = "_yigai_bench_phase"


def _add(name: str, seconds: float) -> None:
    _PHASES[name] = _PHASES.get(name, 0.0) + seconds


def _timing() -> bool:
    return bool(_MAIN_THREAD) and threading.get_ident() == _MAIN_THREAD[0]


def _enter(name: str) -> None:
    """Start timing ``name``; the phase under way (if any) is paused, so each moment counts once."""
    now = time.perf_counter()
    if _STACK:
        outer = _STACK[-1]
        _add(outer[0], now - outer[1])
    _STACK.append([name, now])


def _leave() -> None:
    now = time.perf_counter()
    name, started = _STACK.pop()
    _add(name, now - started)
    if _STACK:
        _STACK[-1][1] = now  # the outer phase resumes


def _timed_call(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _timing():
            return fn(*args, **kwargs)
        _enter(name)
        try:
            return fn(*args, **kwargs)
        finally:
            _leave()

    setattr(wrapper, _WRAPPED, name)
    return wrapper


def _timed_gen(fn: Callable[..., Any], name: str) -> Callable[..., Iterator[Any]]:
    """Time spent inside the generator only (not in its consumer, e.g. the writer)."""

    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        if not _timing():
            yield from fn(*args, **kwargs)
            return
        _enter(name)
        try:
            it = iter(fn(*args, **kwargs))
        finally:
            _leave()
        while True:
            _enter(name)
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                _leave()
            yield item

    setattr(wrapper, _WRAPPED, name)
    return wrapper


def _render_phase(rel: str) -> str:
    if rel.startswith("article/"):
        return "render: article pages"
    if rel.startswith("feeds/"):
        return "render: feeds"
    return "render: other pages"


def _emit_wrapper(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``SiteWriter.emit(rel, key, render)`` renders lazily: time the ``render`` callable as rendering, by
    kind of page, so that the writer's phase is only the writer's own work."""

    def emit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _timing():
            if len(args) >= 3 and callable(args[2]) and isinstance(args[0], str):
                args = (args[0], args[1], _timed_call(args[2], _render_phase(args[0])), *args[3:])
            elif callable(kwargs.get("render")) and isinstance(args[0] if args else kwargs.get("rel"), str):
                rel = args[0] if args else kwargs["rel"]
                kwargs["render"] = _timed_call(kwargs["render"], _render_phase(rel))
        return fn(self, *args, **kwargs)

    return emit


# (module, class or None, attribute, phase). Whatever is missing is skipped: the builder evolves. Phases of
# calls made inside another timed call pause that one, so the phases add up to (at most) the build's time.
_PHASE_TABLE: tuple[tuple[str, str | None, str, str], ...] = (
    ("site_builder.build", None, "load_context", "read store + context"),
    ("site_builder.build", None, "store_extras", "sources, runs, health flags"),
    ("site_builder.build", None, "build_key", "build key (templates + code digest)"),
    ("site_builder.build", None, "_remove_leftover_staging", "staging tree"),
    ("site_builder.build", None, "_staging_dir", "staging tree"),
    ("site_builder.build", None, "publish_atomically", "publish (swap)"),
    ("site_builder.build", None, "_keep_as_spare", "publish (keep previous generation)"),
    ("site_builder.build", None, "_all_files", "list files"),
    ("site_builder.pages", "PageGenerator", "generate_output", "pages: other (about, search)"),
    ("site_builder.pages", "PageGenerator", "_home", "pages: home"),
    ("site_builder.pages", "PageGenerator", "_regions", "pages: regions"),
    ("site_builder.pages", "PageGenerator", "_national", "pages: national"),
    ("site_builder.pages", "PageGenerator", "_topics", "pages: topics"),
    ("site_builder.pages", "PageGenerator", "_archive", "pages: archive"),
    ("site_builder.pages", "PageGenerator", "_articles", "pages: articles"),
    ("site_builder.pages", "PageGenerator", "article_jobs", "pages: articles"),
    ("site_builder.feeds", "FeedsGenerator", "generate_output", "feeds"),
    ("site_builder.build", None, "_site_files", "robots, OPML, static files"),
    ("site_builder.build", None, "sitemap_files", "sitemap"),
    ("site_builder.build", None, "build_search_index", "search index (n-gram)"),
    ("site_builder.writer", "SiteWriter", "emit", "writer"),
    ("site_builder.writer", "SiteWriter", "write", "writer"),
    ("site_builder.writer", "SiteWriter", "carry_over", "writer"),
    ("site_builder.writer", "SiteWriter", "__init__", "writer: manifests, removals"),
    ("site_builder.writer", "SiteWriter", "finish", "writer: manifests, removals"),
    ("site_builder.writer", "SiteWriter", "changed_from_published", "writer: manifests, removals"),
)


def _instrument(table: Sequence[tuple[str, str | None, str, str]] = _PHASE_TABLE) -> list[str]:
    """Wrap the builder's phases with timers (whatever of them exists: the builder evolves). Returns what was
    wrapped, as ``module[.Class].attr``."""
    import importlib
    import inspect

    _MAIN_THREAD[:] = [threading.get_ident()]
    wrapped: list[str] = []
    for module_name, class_name, attr, name in table:
        try:
            owner: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        if class_name is not None:
            owner = getattr(owner, class_name, None)
            if not inspect.isclass(owner):
                continue
        fn = owner.__dict__.get(attr) if inspect.isclass(owner) else getattr(owner, attr, None)
        if isinstance(fn, staticmethod | classmethod) or not callable(fn) or hasattr(fn, _WRAPPED):
            continue
        if inspect.isgeneratorfunction(fn):
            timed = _timed_gen(fn, name)
        else:
            inner = fn
            if class_name == "SiteWriter" and attr == "emit":
                inner = _emit_wrapper(fn)
            timed = _timed_call(inner, name)
        setattr(owner, attr, timed)
        wrapped.append(f"{module_name}{'.' + class_name if class_name else ''}.{attr}")
    return wrapped


def child_build(db: Path, out: Path, profile: Path | None = None, *, phases: bool = False) -> dict[str, Any]:
    """Build the site of store ``db`` into ``out``; runs in the child process.
    With ``phases``, the builder's functions are wrapped with timers (``_PHASE_TABLE``): that costs a few
    microseconds per page (the writer and the search index are called once per page), about a second of a
    nightly build at 100,000 articles, so the builds whose times are compared run without them."""
    from site_builder import build_site
    from yigai.config import load_settings
    from yigai.store import Store

    logging.basicConfig(level=logging.WARNING)
    wrapped = _instrument() if phases else []
    settings = load_settings(
        None, overrides={"database": str(db), "output_dir": str(out)}
    )
    store = Store(db)
    code = code_digest()  # as the build reads it (build_site's own key is made at its start)
    started = time.perf_counter()
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(build_site, store, settings, output_dir=out)
        profiler.dump_stats(str(profile))
    else:
        report = build_site(store, settings, output_dir=out)
    seconds = time.perf_counter() - started
    store.close()
    timed: dict[str, float] = {}
    if phases:
        timed = {k: round(v, 3) for k, v in sorted(_PHASES.items(), key=lambda kv: -kv[1])}
        # Each moment is counted in one phase at most (see _enter), so the rest is untimed work of build_site.
        timed["other"] = round(seconds - sum(_PHASES.values()), 3)
    return {
        "seconds": round(seconds, 3),
        "files_total": report.files_total,
        "pages_written": report.pages_written,
        "files_unchanged": report.files_unchanged,
        "feeds": report.feeds,
        "rendered": getattr(report, "rendered", None),  # pages and feeds rendered (newer builders only)
        "published": getattr(report, "published", None),  # False: nothing changed, the site left as it was
        "search_shards": getattr(report, "search_segments", None),  # search index tiers …
        "search_shards_indexed": getattr(report, "search_indexed", None),  # … and how many were indexed
        **({"phases": timed} if phases else {}),
        "wrapped": len(wrapped),
        "code": code,
    }


def code_digest() -> str:
    """A digest of the site builder's code and templates: builds compared with each other (full against
    incremental) must run the same code, or the incremental one re-renders pages because the code changed."""
    digest = hashlib.blake2b(digest_size=8)
    for directory, pattern in ((ROOT / "site_builder", "*.py"), (ROOT / "templates", "**/*")):
        for file in sorted(directory.glob(pattern)):
            if file.is_file():
                digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------------ Hugo
HUGO_CONFIG = """baseURL = "https://bench.example.org/"
languageCode = "zh-cn"
title = "bench"
paginate = 30
disableKinds = []
[taxonomies]
region = "regions"
topic = "topics"
month = "months"
[services.rss]
limit = 50
[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
taxonomy = ["HTML"]
term = ["HTML", "RSS"]
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ .Title }} · {{ .Site.Title }}</title><link rel="stylesheet" href="/style.css"></head>
<body><nav><a href="/">首页</a> <a href="/regions/">地区</a> <a href="/topics/">专题</a> <a href="/months/">归档</a></nav>
<main>{{ block "main" . }}{{ end }}</main><footer>{{ .Site.Title }}</footer></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p class="meta">{{ .Date.Format "2006-01-02 15:04" }} · {{ .Params.site }}{{ with .Params.source }} · 来源：{{ . }}{{ end }}</p>
<p>{{ range .GetTerms "regions" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}
{{ range .GetTerms "topics" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
{{ .Content }}{{ with .Params.link }}<p><a href="{{ . }}">原文</a></p>{{ end }}</article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>{{ $p := .Paginate .Pages }}
<ul>{{ range $p.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time>
<p>{{ .Params.summary }}</p></li>{{ end }}</ul>
{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}
""",
    "index.html": """{{ define "main" }}<h1>{{ .Site.Title }}</h1>{{ $p := .Paginate (where .Site.RegularPages "Type" "posts") }}
<ul>{{ range $p.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time>
<p>{{ .Params.summary }}</p></li>{{ end }}</ul>
{{ template "_internal/pagination.html" . }}{{ end }}
""",
}


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _hugo_terms(row: dict[str, Any]) -> list[str]:
    """Region terms: every tagged code and its ancestors (as our site lists a county story on its prefecture
    and province pages)."""
    codes: set[str] = set()
    for r in json.loads(row["regions_json"]):
        if r.get("national"):
            codes.add("national")
            continue
        code = r["code"]
        codes.add(code[:2] + "0000")
        if r.get("city"):
            codes.add(code[:4] + "00")
        codes.add(code)
    return sorted(codes)


def hugo_markdown(row: dict[str, Any]) -> str:
    topics = [t["id"] for t in json.loads(row["topics_json"])]
    text = row["text"]
    summary = " ".join(text.split())[:120]
    front = [
        "+++",
        f"title = {_toml_str(row['title'])}",
        f"date = {row['published']}",
        f"site = {_toml_str(row['site'])}",
        f"link = {_toml_str(row['url'])}",
        f"summary = {_toml_str(summary)}",
        f"regions = {json.dumps(_hugo_terms(row))}",
        f"topics = {json.dumps(topics)}",
        f'months = ["{row["published"][:7]}"]',
    ]
    if row.get("original_source"):
        front.append(f"source = {_toml_str(row['original_source'])}")
    front.append("+++")
    return "\n".join(front) + "\n\n" + "\n\n".join(text.split("\n")) + "\n"


def write_hugo_site(root: Path, rows: Sequence[dict[str, Any]]) -> None:
    (root / "content" / "posts").mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        path = root / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    add_hugo_articles(root, rows)


def add_hugo_articles(root: Path, rows: Sequence[dict[str, Any]]) -> None:
    posts = root / "content" / "posts"
    for row in rows:
        if row["relevant"] and row["is_original"]:  # the same set our site publishes
            (posts / f"{row['id']}.md").write_text(hugo_markdown(row), encoding="utf-8")


def _memory(run: Any) -> dict[str, Any]:
    """The memory figures of a child run (see ``bench._common.run_child``)."""
    return {
        "max_rss_mb": round(run.max_rss_mb, 1),  # peak of the summed RSS of the whole process tree
        "peak_process_mb": round(run.peak_process_mb, 1),  # the largest single process's VmHWM
        "max_processes": run.max_processes,  # processes of the tree alive at once (most seen)
    }


def default_hugo_timeout(size: int) -> float:
    return HUGO_TIMEOUT_100K if size >= 100_000 else HUGO_TIMEOUT


def hugo_build(root: Path, hugo: str, timeout: float, destination: Path | None = None) -> dict[str, Any]:
    """One Hugo build. Hugo's taxonomy pages scale worse than linearly (at 100,000 articles it ran for more
    than 20 minutes here), so a build that exceeds ``timeout`` is stopped and recorded as unfinished."""
    destination = destination or root / "public"
    run = run_child(
        [hugo, "--quiet", "--source", str(root), "--destination", str(destination)], timeout=timeout
    )
    if run.seconds >= timeout:
        return {
            "seconds": None,
            "did_not_finish_after_seconds": round(run.seconds),
            "timeout": timeout,
            **_memory(run),
            "files_total": None,
        }
    if run.returncode != 0:
        raise RuntimeError(f"hugo failed ({run.returncode}): {run.stderr[-2000:]}")
    files = sum(1 for p in destination.rglob("*") if p.is_file())
    return {"seconds": round(run.seconds, 3), **_memory(run), "files_total": files}


# ------------------------------------------------------------------------------------------------ driver
@dataclass
class SizeResult:
    articles: int
    published: int
    generate_seconds: float
    full: dict[str, Any] = field(default_factory=dict)
    # +100 articles of the next day, the first build after the full one (no previous generation kept yet)
    incremental: dict[str, Any] = field(default_factory=dict)
    # +100 articles of the day after, built again: the nightly steady state (previous generation kept)
    incremental_steady: dict[str, Any] = field(default_factory=dict)
    no_change: dict[str, Any] = field(default_factory=dict)  # the same store built once more
    # The timed builds above run without the phase timers; these two are the same kind of build with them:
    full_phases: dict[str, Any] = field(default_factory=dict)  # a full build into a fresh directory
    nightly_phases: dict[str, Any] = field(default_factory=dict)  # +100 of a third day, steady state
    increment_days: list[str] = field(default_factory=list)  # the dates of the added articles, per night
    hugo_full: dict[str, Any] = field(default_factory=dict)
    hugo_incremental: dict[str, Any] = field(default_factory=dict)
    hugo_incremental_steady: dict[str, Any] = field(default_factory=dict)
    file_floor: dict[str, Any] = field(default_factory=dict)  # creating the same files, nothing else
    full_tmpfs: dict[str, Any] = field(default_factory=dict)  # the same full build into tmpfs (no disk)
    full_pagefind: dict[str, Any] = field(default_factory=dict)  # the same full build with Pagefind's index
    hugo_full_tmpfs: dict[str, Any] = field(default_factory=dict)
    incremental_share: float = float("nan")  # wall time / the full build's, each below likewise
    incremental_steady_share: float = float("nan")
    no_change_share: float = float("nan")
    hugo_ratio: float = float("nan")  # ours / Hugo, full build
    hugo_timeout: float | None = None
    notes: list[str] = field(default_factory=list)  # anything that makes these numbers doubtful


@dataclass
class BuildResult:
    sizes: list[SizeResult] = field(default_factory=list)
    profile_top: list[dict[str, Any]] = field(default_factory=list)
    profile_size: int | None = None
    targets: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _our_build(
    db: Path,
    out: Path,
    timeout: float,
    profile: Path | None = None,
    *,
    phases: bool = False,
) -> dict[str, Any]:
    """One build in a child process; with ``phases``, timed by phase (slower: see ``child_build``)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-build", "--db", str(db), "--out", str(out)]
    if phases:
        cmd.append("--phases")
    if profile is not None:
        cmd += ["--profile-out", str(profile)]
    run = run_child(cmd, env=project_env(), timeout=timeout)
    if run.returncode != 0:
        raise RuntimeError(f"build child failed ({run.returncode}): {run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(run.seconds, 3)
    result.update(_memory(run))
    result["own_rss_mb"] = round(run.own_rss_mb, 1)  # the Python process alone (VmHWM)
    result["child_rss_mb"] = round(run.child_rss_mb, 1)  # its largest child (the index worker, Pagefind; VmHWM)
    return result


def _share(part: dict[str, Any], full: dict[str, Any]) -> float:
    try:
        return round(part["wall_seconds"] / full["wall_seconds"], 3)
    except (KeyError, TypeError, ZeroDivisionError):
        return float("nan")


def _remove_tree(out: Path) -> None:
    """Remove an output directory and what the builder keeps next to it (previous generation, staging, the
    row cache and its journal: files, which ``rmtree`` leaves)."""
    shutil.rmtree(out, ignore_errors=True)
    for sibling in out.parent.glob(f".{out.name}.*"):
        if sibling.is_dir() and not sibling.is_symlink():
            shutil.rmtree(sibling, ignore_errors=True)
        else:
            sibling.unlink(missing_ok=True)


def full_runs(size: int) -> int:
    """How many times a full build (ours and Hugo's) is timed: the median is reported. A 1,000-article build
    takes about two seconds, where a disk hiccup can add one; at 100,000 articles one run (and Hugo's
    10-minute timeout) is what the benchmark's time allows."""
    return 3 if size < 100_000 else 1


def median_run(runs: Sequence[dict[str, Any]], key: str = "wall_seconds") -> dict[str, Any]:
    """The run with the median time (of an odd number; the upper middle of an even one), with every run's
    time listed in ``runs``. Unfinished runs (``None``) count as the slowest."""
    ordered = sorted(runs, key=lambda r: (r.get(key) is None, r.get(key) or 0.0))
    chosen = dict(ordered[len(ordered) // 2])
    chosen["runs"] = [r.get(key) for r in runs]
    return chosen


def file_floor(src: Path, dest: Path) -> dict[str, Any]:
    """The disk's floor for a build: copy the built tree file by file (read from the page cache, create,
    write), as the writer must do at the least. Slow file creation here slows every generator alike."""
    files = 0
    started = time.perf_counter()
    for dirpath, _dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            data = (Path(dirpath) / name).read_bytes()
            with open(dest / rel / name, "xb") as fh:
                fh.write(data)
            files += 1
    return {"seconds": round(time.perf_counter() - started, 3), "files": files}


def profile_top(stats_file: Path, limit: int = 15) -> list[dict[str, Any]]:
    """The functions with the most own time (tottime) in a cProfile dump, with their cumulative time."""
    import pstats

    stats = pstats.Stats(str(stats_file))
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({func})",
                "calls": ncalls,
                "tottime": round(tottime, 3),
                "cumtime": round(cumtime, 3),
            }
        )
    rows.sort(key=lambda r: -r["tottime"])
    return rows[:limit]


def run(
    *,
    sizes: Sequence[int] = (1000, 10000, 100000),
    with_hugo: bool = True,
    hugo: str = "hugo",
    profile: bool = False,
    timeout: float = 3600,
    keep: Path | None = None,
    tmpfs: Path | None = None,
    on_progress: Callable[[BuildResult], None] | None = None,
    hugo_timeout: float | None = None,
) -> BuildResult:
    """``tmpfs``: a RAM-backed directory (e.g. /dev/shm) for a second full build without disk costs.
    ``hugo_timeout``: seconds per Hugo build (default: ``default_hugo_timeout(size)``)."""
    result = BuildResult()
    if with_hugo and shutil.which(hugo) is None:
        logger.warning("hugo not found: skipping the Hugo comparison")
        with_hugo = False
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"yigai-build-bench-{size}-", dir=keep) as tmpdir:
            tmp = Path(tmpdir)
            started = time.perf_counter()
            factory = ArticleFactory()
            rows = [factory.row(n) for n in range(size)]
            nights = factory.nights(rows, size)
            db = tmp / "store.sqlite3"
            insert_articles(db, rows)
            generated = time.perf_counter() - started
            sr = SizeResult(
                articles=size,
                published=sum(1 for r in rows if r["relevant"] and r["is_original"]),
                generate_seconds=round(generated, 2),
                increment_days=[day for day, _rows in nights],
            )
            out = tmp / "output"
            hugo_site: Path | None = None
            hugo_limit = hugo_timeout if hugo_timeout is not None else default_hugo_timeout(size)
            if with_hugo:
                sr.hugo_timeout = hugo_limit
                hugo_site = tmp / "hugo"
                write_hugo_site(hugo_site, rows)
            os.sync()  # both tools start on a disk with nothing of the set-up left to write back
            # Each run into a directory of its own, removed only after the last: deleting a tree just before a
            # timed build slows it (the file system is still busy with the deletion). Where both tools are
            # timed several times, our runs and Hugo's alternate, so a slow spell of the (virtual) disk falls
            # on both rather than on one tool's runs. With one run each (the largest size), Hugo's comes after
            # our incremental builds, as its run (minutes, gigabytes) empties the page cache they would use.
            alternate = hugo_site is not None and full_runs(size) > 1
            logger.info("build bench: %d articles: full builds%s …", size, " (ours and Hugo's)" if alternate else "")
            others = [tmp / f"output-run{n}" for n in range(2, full_runs(size) + 1)]
            fulls: list[dict[str, Any]] = []
            hugo_fulls: list[dict[str, Any]] = []
            for n, target in enumerate((out, *others)):
                fulls.append(_our_build(db, target, timeout))
                if alternate and hugo_site is not None and (not hugo_fulls or hugo_fulls[-1]["seconds"] is not None):
                    destination = hugo_site / f"public-run{n + 1}" if n else None
                    hugo_fulls.append(hugo_build(hugo_site, hugo, hugo_limit, destination))
            sr.full = median_run(fulls)
            for other in others:
                _remove_tree(other)
            if hugo_site is not None:
                for extra in hugo_site.glob("public-run*"):
                    shutil.rmtree(extra, ignore_errors=True)
            os.sync()
            sr.file_floor = file_floor(out, tmp / "floor")
            shutil.rmtree(tmp / "floor", ignore_errors=True)
            sr.full_phases = _our_build(db, tmp / "output-phases", timeout, phases=True)
            _remove_tree(tmp / "output-phases")
            if tmpfs is not None:
                with tempfile.TemporaryDirectory(prefix="yigai-build-bench-", dir=tmpfs) as memdir:
                    sr.full_tmpfs = _our_build(db, Path(memdir) / "output", timeout)
            logger.info("build bench: %d articles: incremental builds …", size)
            insert_articles(db, nights[0][1])
            sr.incremental = _our_build(db, out, timeout)
            insert_articles(db, nights[1][1])
            sr.incremental_steady = _our_build(db, out, timeout)
            sr.no_change = _our_build(db, out, timeout)
            insert_articles(db, nights[2][1])
            sr.nightly_phases = _our_build(db, out, timeout, phases=True)
            codes = {b.get("code") for b in (sr.full, sr.incremental, sr.incremental_steady, sr.no_change)}
            if len(codes) > 1:
                sr.notes.append(
                    "the site builder's code or templates changed between these builds, so the incremental "
                    "builds may have rendered pages again because of that: measure again on unchanged code"
                )
                logger.warning("build bench: %d articles: %s", size, sr.notes[-1])
            sr.incremental_share = _share(sr.incremental, sr.full)
            sr.incremental_steady_share = _share(sr.incremental_steady, sr.full)
            sr.no_change_share = _share(sr.no_change, sr.full)
            if hugo_site is not None:
                logger.info("build bench: %d articles: Hugo …", size)
                site = hugo_site
                if not hugo_fulls:
                    hugo_fulls.append(hugo_build(site, hugo, hugo_limit))
                sr.hugo_full = median_run(hugo_fulls, "seconds")
                if sr.hugo_full["seconds"] is None:  # unfinished: the ratio is an upper bound
                    sr.hugo_ratio = round(
                        sr.full["wall_seconds"] / sr.hugo_full["did_not_finish_after_seconds"], 2
                    )
                elif sr.hugo_full["seconds"] > hugo_limit * HUGO_EXTRAS_SHARE:
                    # Hugo keeps nothing between runs: its +100 builds (and a build into tmpfs) would take as
                    # long as its full one and most likely pass the limit, for no new information.
                    sr.notes.append(
                        f"Hugo's full build took {sr.hugo_full['seconds']:.0f} s of its {hugo_limit:.0f}-s limit: "
                        "its +100 builds and its build into tmpfs (full builds again) were not run"
                    )
                    sr.hugo_ratio = round(sr.full["wall_seconds"] / sr.hugo_full["seconds"], 2)
                else:
                    if tmpfs is not None:
                        with tempfile.TemporaryDirectory(prefix="yigai-hugo-bench-", dir=tmpfs) as memdir:
                            sr.hugo_full_tmpfs = hugo_build(
                                site, hugo, hugo_limit, Path(memdir) / "public"
                            )
                    add_hugo_articles(site, nights[0][1])
                    sr.hugo_incremental = hugo_build(site, hugo, hugo_limit)
                    add_hugo_articles(site, nights[1][1])
                    sr.hugo_incremental_steady = hugo_build(site, hugo, hugo_limit)
                    sr.hugo_ratio = round(sr.full["wall_seconds"] / sr.hugo_full["seconds"], 2)
                shutil.rmtree(site, ignore_errors=True)
            if profile and size == sorted(sizes)[len(sizes) // 2 if len(sizes) > 1 else 0]:
                logger.info("build bench: %d articles: profiled full build …", size)
                stats = tmp / "build.prof"
                _remove_tree(out)  # a full build again: no previous tree, no previous generation
                _our_build(db, out, timeout, profile=stats)
                result.profile_top = profile_top(stats)
                result.profile_size = size
            result.sizes.append(sr)
            result.targets = evaluate_targets(result)
            logger.info("build bench: %d articles done", size)
            if on_progress is not None:  # lets a long run save what it has measured so far
                on_progress(result)
    result.targets = evaluate_targets(result)
    return result


def _nightly(size: SizeResult | dict[str, Any]) -> tuple[float, float]:
    """(steady-state share, cold share) of a size's incremental builds; the steady one falls back to the cold
    one for results saved before it was measured."""
    get = size.get if isinstance(size, dict) else lambda k, d=None: getattr(size, k, d)
    cold = get("incremental_share", float("nan"))
    steady = get("incremental_steady_share", float("nan"))
    if steady is None or (isinstance(steady, float) and steady != steady):  # NaN: not measured
        steady = cold
    return steady, cold


def evaluate_targets(result: BuildResult) -> dict[str, Any]:
    largest = max(result.sizes, key=lambda s: s.articles) if result.sizes else None
    if largest is None:
        return {}
    full_s = largest.full["wall_seconds"]
    targets: dict[str, Any] = {"size": largest.articles}
    if largest.articles >= 100_000:
        targets["full_under_2_min"] = {
            "value": full_s,
            "target": TARGET_SECONDS_100K,
            "met": full_s < TARGET_SECONDS_100K,
        }
        targets["peak_under_1_gb"] = {
            "value": largest.full["max_rss_mb"],
            "target": TARGET_RSS_MB_100K,
            "met": largest.full["max_rss_mb"] < TARGET_RSS_MB_100K,
        }
    steady, cold = _nightly(largest)
    targets["incremental_under_5_percent"] = {
        "value": steady,  # the nightly build once the previous generation is kept
        "target": TARGET_INCREMENTAL_SHARE,
        "met": steady < TARGET_INCREMENTAL_SHARE,
        "cold_value": cold,  # the first build after a full one
        "cold_met": cold < TARGET_INCREMENTAL_SHARE,
    }
    compared = [s for s in result.sizes if s.hugo_full]
    if compared:
        # "Within 3× of Hugo's" holds only if it holds at every size compared, not just the largest.
        by_size = {str(s.articles): s.hugo_ratio for s in sorted(compared, key=lambda s: s.articles)}
        targets["within_3x_hugo"] = {
            "value": max(by_size.values()),
            "target": TARGET_HUGO_RATIO,
            "met": all(ratio <= TARGET_HUGO_RATIO for ratio in by_size.values()),
            "by_size": by_size,
        }
        unfinished = [s.articles for s in compared if s.hugo_full.get("seconds") is None]
        if unfinished:
            targets["within_3x_hugo"]["note"] = (
                f"Hugo stopped unfinished at {', '.join(f'{n:,}' for n in unfinished)} articles: "
                "the ratio there is an upper bound"
            )
    return targets


def _build_line(name: str, b: dict[str, Any], share: float | None = None) -> str:
    if not b:
        return f"{name} –"
    text = f"{name} {b['wall_seconds']}s"
    if share is not None:
        text += f" ({share:.1%})"
    text += f" / {b['max_rss_mb']} MB tree peak (largest process {b.get('peak_process_mb', '?')} MB)"
    text += f" / {b['files_total']} files, {b['pages_written']} written"
    if b.get("rendered") is not None:
        text += f", {b['rendered']} rendered"
    if b.get("search_shards") is not None:
        text += f", {b.get('search_shards_indexed')}/{b['search_shards']} search shards indexed"
    if b.get("published") is False:
        text += ", nothing published"
    return text


def format_result(r: BuildResult) -> str:
    lines = ["build:"]
    for s in r.sizes:
        lines.append(
            f"  {s.articles:>7} articles ({s.published} published; store made in {s.generate_seconds}s; "
            f"nights {', '.join(s.increment_days)}):"
        )
        lines.append("    " + _build_line("full", s.full))
        lines.append("    " + _build_line(f"+{INCREMENT} (cold)", s.incremental, s.incremental_share))
        lines.append(
            "    " + _build_line(f"+{INCREMENT} (steady)", s.incremental_steady, s.incremental_steady_share)
        )
        lines.append("    " + _build_line("no change", s.no_change, s.no_change_share))
        lines.append(
            f"    creating the same files alone: {s.file_floor.get('seconds')}s"
            + (f"; full into tmpfs {s.full_tmpfs['wall_seconds']}s" if s.full_tmpfs else "")
            + (
                f"; with Pagefind {s.full_pagefind['wall_seconds']}s / {s.full_pagefind['max_rss_mb']} MB"
                if s.full_pagefind
                else ""
            )
        )
        lines.extend(f"    NOTE: {note}" for note in s.notes)
        full_phases = (s.full_phases or s.full).get("phases")
        if full_phases:
            lines.append(f"    phases (full): {full_phases}")
        nightly_phases = (s.nightly_phases or s.incremental_steady).get("phases")
        if nightly_phases:
            lines.append(f"    phases (+{INCREMENT} steady): {nightly_phases}")
        if s.hugo_full and s.hugo_full.get("seconds") is None:
            lines.append(
                f"    hugo did not finish in {s.hugo_full['did_not_finish_after_seconds']}s "
                f"({s.hugo_full['max_rss_mb']} MB when stopped)"
            )
        elif s.hugo_full:
            lines.append(
                f"    hugo full {s.hugo_full['seconds']}s / {s.hugo_full['max_rss_mb']} MB / "
                f"{s.hugo_full['files_total']} files; +{INCREMENT}: {s.hugo_incremental.get('seconds')}s, "
                f"+{INCREMENT} more: {s.hugo_incremental_steady.get('seconds')}s; ours/hugo = {s.hugo_ratio}×"
                + (f"; hugo into tmpfs {s.hugo_full_tmpfs['seconds']}s" if s.hugo_full_tmpfs else "")
            )
    for name, t in r.targets.items():
        if isinstance(t, dict):
            text = f"  target {name}: {t['value']} (target {t['target']}): {'met' if t['met'] else 'MISSED'}"
            if "cold_value" in t:
                text += f"; first rebuild after a full build: {t['cold_value']}"
            lines.append(text)
    for row in r.profile_top[:10]:
        lines.append(
            f"  hot: {row['tottime']:8.2f}s own {row['cumtime']:8.2f}s cum {row['calls']:>9} {row['function']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--hugo", default="hugo")
    parser.add_argument(
        "--hugo-timeout",
        type=float,
        default=None,
        help=f"seconds per Hugo build (default {HUGO_TIMEOUT:.0f}; {HUGO_TIMEOUT_100K:.0f} from 100,000 articles)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile a build of the middle size")
    parser.add_argument(
        "--tmpfs", type=Path, default=None, help="also build into this RAM directory (/dev/shm)"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child-build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--phases", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build:
        print(json.dumps(child_build(args.db, args.out, args.profile_out, phases=args.phases)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result = run(
        sizes=sizes,
        with_hugo=not args.no_hugo,
        hugo=args.hugo,
        profile=args.profile,
        tmpfs=args.tmpfs,
        hugo_timeout=args.hugo_timeout,
    )
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else format_result(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
