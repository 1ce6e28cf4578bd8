"""Site build speed and memory: ``site_builder.build_site`` over stores of N generated articles, against Hugo.

For each size: a store of N synthetic articles (regions across every province/prefecture/county of the
gazetteer, 12% national, 1–3 topics, dates over 3 years, 5% syndicated copies, 4% off-topic; rows inserted
with one ``executemany``), then, each in its own child process (wall time; peak RSS sampled from /proc: the
child's VmHWM plus its largest child's, e.g. Pagefind):

- a full build into an empty output directory;
- an incremental build after adding 100 articles (same output directory; unchanged files are hard-linked);
- Hugo (``hugo``) over the same articles as Markdown (taxonomies region/topic/month, paginated lists,
  RSS per term) with a minimal theme written here, full and after adding the same 100 articles.

Inside our build child, wrappers time each phase (reading the store and making the context, each page
generator, feeds, the search index, the writer, publishing) without changing the builder. With
``--profile`` a cProfile run of the middle size names the hot spots.

    python bench/build.py [--sizes 1000,10000,100000] [--no-hugo] [--profile]
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
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bench._common import project_env, run_child

logger = logging.getLogger(__name__)

CHINA = timezone(timedelta(hours=8))
START = datetime(2022, 1, 1, tzinfo=CHINA)
SPAN_MINUTES = 3 * 365 * 24 * 60
INCREMENT = 100
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

    def row(self, n: int) -> dict[str, Any]:
        rng = self.rng
        source_id, site = rng.choice(_SOURCES)
        url = f"https://{source_id}.example.gov.cn/art/{n // 1000}/{n}.html"
        aid = hashlib.sha1(url.encode()).hexdigest()[:16]
        published = START + timedelta(minutes=rng.randint(0, SPAN_MINUTES))
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
                {
                    "doc_number": None,
                    "doc_type": None,
                    "issuing_body": None,
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


def insert_articles(db: Path, rows: Sequence[dict[str, Any]]) -> None:
    from yigai.store import Store

    store = Store(db)
    try:
        cols = sorted(rows[0])
        sql = f"INSERT OR REPLACE INTO articles({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        with store.transaction() as conn:
            conn.executemany(sql, [[r[c] for c in cols] for r in rows])
            conn.executemany(
                "INSERT OR IGNORE INTO sources(id, name, home_region, config_json, updated_at) VALUES (?,?,?,?,?)",
                [(sid, name, None, "{}", "2025-01-01T00:00:00+00:00") for sid, name in _SOURCES],
            )
    finally:
        store.close()


# ------------------------------------------------------------------------------------------------ our build
_PHASES: dict[str, float] = {}


def _add(name: str, seconds: float) -> None:
    _PHASES[name] = _PHASES.get(name, 0.0) + seconds


def _timed_call(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _add(name, time.perf_counter() - started)

    return wrapper


def _timed_gen(fn: Callable[..., Iterator[Any]], name: str) -> Callable[..., Iterator[Any]]:
    """Time spent inside the generator only (not in its consumer, the writer)."""

    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        it = iter(fn(*args, **kwargs))
        while True:
            started = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                _add(name, time.perf_counter() - started)
                return
            _add(name, time.perf_counter() - started)
            yield item

    return wrapper


def _instrument() -> None:
    """Wrap the builder's phases with timers (whatever of them exists: the builder evolves)."""
    from site_builder import build, pages

    for module, attr, name in (
        (build, "load_context", "read store + context"),
        (build, "publish_atomically", "publish (rename)"),
        (build, "_all_files", "list files"),
        (pages, "search_index", "search index (JSON)"),
    ):
        if hasattr(module, attr):
            setattr(module, attr, _timed_call(getattr(module, attr), name))
    page_parts = {
        "_home": "pages: home",
        "_regions": "pages: regions",
        "_national": "pages: national",
        "_topics": "pages: topics",
        "_archive": "pages: archive",
        "_articles": "pages: articles",
    }
    for attr, name in page_parts.items():
        if hasattr(pages.PageGenerator, attr):
            setattr(pages.PageGenerator, attr, _timed_gen(getattr(pages.PageGenerator, attr), name))
    if hasattr(build, "search_bundle"):  # Pagefind: runs the binary over the staged pages
        build.search_bundle = _timed_gen(build.search_bundle, "search index (Pagefind)")
    for cls, attr, name in (
        (getattr(build, "FeedsGenerator", None), "generate_output", "feeds"),
        (getattr(build, "MetaGenerator", None), "generate_output", "meta"),
        (getattr(build, "MetaGenerator", None), "sitemap_output", "sitemap"),
    ):
        if cls is not None and hasattr(cls, attr):
            setattr(cls, attr, _timed_gen(getattr(cls, attr), name))
    writer = getattr(build, "SiteWriter", None)
    if writer is not None:
        writer.write = _timed_call(writer.write, "writer (files)")


def child_build(db: Path, out: Path, profile: Path | None = None) -> dict[str, Any]:
    """Build the site of store ``db`` into ``out``; runs in the child process."""
    from site_builder import build_site
    from yigai.config import load_settings
    from yigai.store import Store

    logging.basicConfig(level=logging.WARNING)
    _instrument()
    settings = load_settings(None, overrides={"database": str(db), "output_dir": str(out)})
    store = Store(db)
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
    phases = {k: round(v, 3) for k, v in sorted(_PHASES.items(), key=lambda kv: -kv[1])}
    # The timed parts do not nest (generators are timed inside next(), the writer only inside write()).
    phases["other"] = round(seconds - sum(_PHASES.values()), 3)
    return {
        "seconds": round(seconds, 3),
        "files_total": report.files_total,
        "pages_written": report.pages_written,
        "files_unchanged": report.files_unchanged,
        "feeds": report.feeds,
        "phases": phases,
    }


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
            "max_rss_mb": round(run.max_rss_mb, 1),
            "files_total": None,
        }
    if run.returncode != 0:
        raise RuntimeError(f"hugo failed ({run.returncode}): {run.stderr[-2000:]}")
    files = sum(1 for p in destination.rglob("*") if p.is_file())
    return {"seconds": round(run.seconds, 3), "max_rss_mb": round(run.max_rss_mb, 1), "files_total": files}


# ------------------------------------------------------------------------------------------------ driver
@dataclass
class SizeResult:
    articles: int
    published: int
    generate_seconds: float
    full: dict[str, Any] = field(default_factory=dict)
    incremental: dict[str, Any] = field(default_factory=dict)
    hugo_full: dict[str, Any] = field(default_factory=dict)
    hugo_incremental: dict[str, Any] = field(default_factory=dict)
    file_floor: dict[str, Any] = field(default_factory=dict)  # creating the same files, nothing else
    full_tmpfs: dict[str, Any] = field(default_factory=dict)  # the same full build into tmpfs (no disk)
    full_no_search: dict[str, Any] = field(default_factory=dict)  # the same full build without Pagefind
    hugo_full_tmpfs: dict[str, Any] = field(default_factory=dict)
    incremental_share: float = float("nan")
    hugo_ratio: float = float("nan")  # ours / Hugo, full build


@dataclass
class BuildResult:
    sizes: list[SizeResult] = field(default_factory=list)
    profile_top: list[dict[str, Any]] = field(default_factory=list)
    profile_size: int | None = None
    targets: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _our_build(
    db: Path, out: Path, timeout: float, profile: Path | None = None, *, search: bool = True
) -> dict[str, Any]:
    """One build in a child process. ``search=False``: no Pagefind (the JSON fallback index), which shows what
    the Python side alone costs in time and memory."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-build", "--db", str(db), "--out", str(out)]
    if profile is not None:
        cmd += ["--profile-out", str(profile)]
    run = run_child(cmd, env=project_env(None if search else {"YIGAI_PAGEFIND": "none"}), timeout=timeout)
    if run.returncode != 0:
        raise RuntimeError(f"build child failed ({run.returncode}): {run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(run.seconds, 3)
    result["max_rss_mb"] = round(run.max_rss_mb, 1)
    result["own_rss_mb"] = round(run.own_rss_mb, 1)  # the Python process alone
    result["child_rss_mb"] = round(run.child_rss_mb, 1)  # its largest child (Pagefind)
    return result


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
    hugo_timeout: float = 900,
) -> BuildResult:
    """``tmpfs``: a RAM-backed directory (e.g. /dev/shm) for a second full build without disk costs."""
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
            extra = [factory.row(n) for n in range(size, size + INCREMENT)]
            db = tmp / "store.sqlite3"
            insert_articles(db, rows)
            generated = time.perf_counter() - started
            sr = SizeResult(
                articles=size,
                published=sum(1 for r in rows if r["relevant"] and r["is_original"]),
                generate_seconds=round(generated, 2),
            )
            out = tmp / "output"
            sr.full = _our_build(db, out, timeout)
            sr.file_floor = file_floor(out, tmp / "floor")
            shutil.rmtree(tmp / "floor", ignore_errors=True)
            sr.full_no_search = _our_build(db, tmp / "output-no-search", timeout, search=False)
            shutil.rmtree(tmp / "output-no-search", ignore_errors=True)
            if tmpfs is not None:
                with tempfile.TemporaryDirectory(prefix="yigai-build-bench-", dir=tmpfs) as memdir:
                    sr.full_tmpfs = _our_build(db, Path(memdir) / "output", timeout)
            insert_articles(db, extra)
            sr.incremental = _our_build(db, out, timeout)
            sr.incremental_share = round(sr.incremental["wall_seconds"] / sr.full["wall_seconds"], 3)
            if with_hugo:
                site = tmp / "hugo"
                write_hugo_site(site, rows)
                sr.hugo_full = hugo_build(site, hugo, hugo_timeout)
                if sr.hugo_full["seconds"] is None:  # unfinished: the ratio is an upper bound
                    sr.hugo_ratio = round(
                        sr.full["wall_seconds"] / sr.hugo_full["did_not_finish_after_seconds"], 2
                    )
                else:
                    if tmpfs is not None:
                        with tempfile.TemporaryDirectory(prefix="yigai-hugo-bench-", dir=tmpfs) as memdir:
                            sr.hugo_full_tmpfs = hugo_build(site, hugo, hugo_timeout, Path(memdir) / "public")
                    add_hugo_articles(site, extra)
                    sr.hugo_incremental = hugo_build(site, hugo, hugo_timeout)
                    sr.hugo_ratio = round(sr.full["wall_seconds"] / sr.hugo_full["seconds"], 2)
            if profile and size == sorted(sizes)[len(sizes) // 2 if len(sizes) > 1 else 0]:
                stats = tmp / "build.prof"
                shutil.rmtree(out, ignore_errors=True)
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


def no_search_build(size: int, timeout: float = 3600) -> dict[str, Any]:
    """Only the full build without Pagefind, for a store of ``size`` articles (the Python side alone)."""
    with tempfile.TemporaryDirectory(prefix=f"yigai-build-bench-{size}-") as tmpdir:
        tmp = Path(tmpdir)
        factory = ArticleFactory()
        insert_articles(tmp / "store.sqlite3", [factory.row(n) for n in range(size)])
        return _our_build(tmp / "store.sqlite3", tmp / "output", timeout, search=False)


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
    targets["incremental_under_5_percent"] = {
        "value": largest.incremental_share,
        "target": TARGET_INCREMENTAL_SHARE,
        "met": largest.incremental_share < TARGET_INCREMENTAL_SHARE,
    }
    if largest.hugo_full:
        targets["within_3x_hugo"] = {
            "value": largest.hugo_ratio,
            "target": TARGET_HUGO_RATIO,
            "met": largest.hugo_ratio <= TARGET_HUGO_RATIO,
        }
        if largest.hugo_full.get("seconds") is None:
            targets["within_3x_hugo"]["note"] = "Hugo stopped unfinished; the ratio is an upper bound"
    return targets


def format_result(r: BuildResult) -> str:
    lines = ["build:"]
    for s in r.sizes:
        lines.append(
            f"  {s.articles:>7} articles ({s.published} published; store made in {s.generate_seconds}s): "
            f"full {s.full['wall_seconds']}s / {s.full['max_rss_mb']} MB / {s.full['files_total']} files; "
            f"+{INCREMENT}: {s.incremental['wall_seconds']}s ({s.incremental_share:.0%}, "
            f"{s.incremental['pages_written']} written); creating the same files alone: "
            f"{s.file_floor.get('seconds')}s"
            + (f"; full into tmpfs {s.full_tmpfs['wall_seconds']}s" if s.full_tmpfs else "")
            + (
                f"; without Pagefind {s.full_no_search['wall_seconds']}s / {s.full_no_search['max_rss_mb']} MB"
                if s.full_no_search
                else ""
            )
        )
        lines.append(f"           phases: {s.full['phases']}")
        if s.hugo_full and s.hugo_full.get("seconds") is None:
            lines.append(f"           hugo unfinished after {s.hugo_full['did_not_finish_after_seconds']}s")
        elif s.hugo_full:
            lines.append(
                f"           hugo full {s.hugo_full['seconds']}s / {s.hugo_full['max_rss_mb']} MB / "
                f"{s.hugo_full['files_total']} files; +{INCREMENT}: {s.hugo_incremental['seconds']}s; "
                f"ours/hugo = {s.hugo_ratio}×"
                + (f"; hugo into tmpfs {s.hugo_full_tmpfs['seconds']}s" if s.hugo_full_tmpfs else "")
            )
    for name, t in r.targets.items():
        if isinstance(t, dict):
            lines.append(
                f"  target {name}: {t['value']} (target {t['target']}): {'met' if t['met'] else 'MISSED'}"
            )
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
    parser.add_argument("--profile", action="store_true", help="cProfile a build of the middle size")
    parser.add_argument(
        "--tmpfs", type=Path, default=None, help="also build into this RAM directory (/dev/shm)"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child-build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build:
        print(json.dumps(child_build(args.db, args.out, args.profile_out)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result = run(
        sizes=sizes, with_hugo=not args.no_hugo, hugo=args.hugo, profile=args.profile, tmpfs=args.tmpfs
    )
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else format_result(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
