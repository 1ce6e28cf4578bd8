"""Crawl speed: our crawler over a generated web of N articles on 127.0.0.1, against ``scrapy bench``.

The generated web (kept in memory, served by a threaded HTTP/1.1 server with ETag/If-None-Match) has
``sources`` sites, each on its own host name (``sNNN.bench.test``, resolved to 127.0.0.1 by
``LoopbackResolver``), with TRS-style list pages (``index.html``, ``index_1.html`` …, a JavaScript pager
announcing them all plus a 下一页 link) and article pages of realistic size (navigation, header, 10–25
paragraphs, related links, footer; 15–25 KB). Our crawler runs as the pipeline runs it, a child process
``python -m crawler.process`` with a temporary settings file, registry and store; AutoThrottle off, no download
delay, high concurrency (loopback). Measured:

- the first run: wall time of the child (interpreter and Scrapy start-up included) and the server-side
  window from its first to its last request; pages/second over both;
- a second, incremental run over the unchanged web (list pages answer 304, known articles are skipped) as a
  share of the first (target: under 10%); and the same without 304s (a server that ignores validators:
  every list page is parsed again, every article is recognised as known);
- ``scrapy bench`` on the same machine, in the same script: its log's pages/min (median of the per-second
  reports after the first, and the run's average from its final stats).

    python bench/crawl.py [--articles 5000] [--sources 10] [--no-scrapy-bench]

``--hosts N`` times a night of N sources instead (3,000 by default there), each on its own host name
(``sNNN.bench.test``, resolved to 127.0.0.1 by ``LoopbackResolver``), with the crawler's politeness as a user
runs it: ``--per-domain`` requests at once and ``--delay`` seconds between request starts per host (the
per-host gate of ``crawler/gate.py``), ``--parallel`` sources crawled at once (``[crawl] parallel_sources``).
The server counts, per host, the most requests it was answering at once: it must not pass ``--per-domain``.

    python bench/crawl.py --hosts 3000 [--articles-per-host 5] [--delay 0.5] [--per-domain 2] [--parallel 64]
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
import re
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from bench._common import median, project_env, run_child
from yigai.store import Store

logger = logging.getLogger(__name__)

PER_LIST_PAGE = 20
BENCH_DOMAIN = ".bench.test"  # every generated site's host name ends so; LoopbackResolver sends it to 127.0.0.1
TARGET_INCREMENTAL_SHARE = 0.10

# Words for generated text (written for this benchmark).
_PLACES = [
    "河北省",
    "邯郸市",
    "魏县",
    "河南省",
    "洛阳市",
    "湖北省",
    "宜昌市",
    "浙江省",
    "湖州市",
    "德清县",
    "山东省",
    "潍坊市",
    "四川省",
    "绵阳市",
    "广东省",
    "深圳市",
    "福建省",
    "三明市",
    "安徽省",
    "阜阳市",
]
_TOPICS = [
    "紧密型县域医共体",
    "城市医疗集团",
    "分级诊疗",
    "双向转诊",
    "国家区域医疗中心",
    "医保支付方式改革",
    "优质医疗资源下沉",
    "家庭医生签约服务",
    "基层首诊",
    "远程医疗协作网",
]
_SENTENCES = [
    "{p}持续推进{t}建设，县乡村三级医疗卫生机构分工协作机制进一步完善。",
    "今年以来，{p}把{t}作为深化医改的重点任务，逐项明确牵头部门和完成时限。",
    "牵头医院向乡镇卫生院派驻专家，群众在家门口就能看上专家门诊。",
    "医保基金实行总额付费、结余留用，引导医疗机构主动控制不合理费用。",
    "{p}卫生健康委有关负责人介绍，下一步将按季度通报各地{t}进展情况。",
    "通过远程心电、远程影像等平台，基层检查、上级诊断的模式已覆盖全部乡镇。",
    "截至目前，全省已有四成以上县（市、区）达到紧密型标准，县域内就诊率明显提高。",
    "各地要落实人员、财务、药品和信息的统一管理，推动资源共享和服务同质。",
    "{p}还将开展基层医疗卫生机构能力提升行动，补齐急诊急救和慢病管理短板。",
    "据统计，上级医院下转病人数量比去年同期增加三成，基层床位使用率稳步上升。",
]


@dataclass
class GeneratedWeb:
    """Path → (body, content type, ETag) for every page; ``articles`` lists the article paths."""

    files: dict[str, tuple[bytes, str, str]]
    sources: list[str]
    list_pages: dict[str, int]  # source → number of list pages
    articles: list[str]

    @property
    def megabytes(self) -> float:
        return round(sum(len(b) for b, _, _ in self.files.values()) / 1e6, 1)


def _sentence(rng: random.Random) -> str:
    return rng.choice(_SENTENCES).format(p=rng.choice(_PLACES), t=rng.choice(_TOPICS))


def _nav(rng: random.Random, n: int = 30) -> str:
    items = "".join(f'<li><a href="/channel/{i}/index.html">频道栏目{i}</a></li>' for i in range(n))
    return f'<div class="nav"><ul>{items}</ul></div>'


def _article_html(rng: random.Random, source: str, title: str, when: datetime) -> str:
    paragraphs = "".join(
        f"<p>{''.join(_sentence(rng) for _ in range(rng.randint(2, 5)))}</p>"
        for _ in range(rng.randint(10, 25))
    )
    related = "".join(
        f'<li><a href="/{source}/related/{rng.randint(1, 10**6)}.html">{_sentence(rng)[:18]}</a></li>'
        for _ in range(15)
    )
    footer = "主办：某某卫生健康委员会 网站标识码：1300000001 冀ICP备00000000号 版权所有"
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}_{source}</title>'
        f'<meta name="PubDate" content="{when:%Y-%m-%d %H:%M}"><meta name="ContentSource" content="{source}">'
        f"<style>body{{font-family:sans-serif}}.nav li{{display:inline}}</style></head><body>"
        f'<div class="top">{_nav(rng)}</div><div class="crumb"><a href="/">首页</a> &gt; <a href="index.html">工作动态</a></div>'
        f'<div class="article"><h1>{title}</h1><div class="info">发布时间：{when:%Y-%m-%d %H:%M} 来源：{source} '
        f'字号：大 中 小</div><div class="content">{paragraphs}</div></div>'
        f'<div class="related"><h3>相关推荐</h3><ul>{related}</ul></div>'
        f'<div class="footer">{footer}</div></body></html>'
    )


def _list_html(source: str, items: list[tuple[str, str, datetime]], page: int, total: int) -> str:
    lis = "".join(
        f'<li><a href="{href}">{title}</a><span>{when:%Y-%m-%d}</span></li>' for href, title, when in items
    )
    nxt = f'<a href="index_{page + 1}.html">下一页</a>' if page + 1 < total else ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>工作动态 {source}</title></head><body>'
        f'<div class="list"><ul>{lis}</ul></div><div class="pager">{nxt}'
        f'<script>createPageHTML({total}, {page}, "index", "html");</script></div></body></html>'
    )


def generate_web(articles: int, sources: int, *, seed: int = 20240315) -> GeneratedWeb:
    """A deterministic web of ``articles`` article pages spread over ``sources`` sites."""
    rng = random.Random(seed)
    files: dict[str, tuple[bytes, str, str]] = {}
    html = "text/html; charset=utf-8"

    def put(path: str, text: str, ctype: str = html) -> None:
        body = text.encode("utf-8")
        files[path] = (body, ctype, '"' + hashlib.sha1(body).hexdigest()[:20] + '"')

    put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain; charset=utf-8")
    names = [f"s{k:03d}" for k in range(sources)]
    article_paths: list[str] = []
    list_pages: dict[str, int] = {}
    start = datetime(2022, 1, 1, 8, 0)
    for k, source in enumerate(names):
        count = articles // sources + (1 if k < articles % sources else 0)
        entries = []
        for i in range(count):
            when = start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
            number = 100000 + k * 100000 + i
            path = f"/{source}/{when:%Y%m}/t{when:%Y%m%d}_{number}.html"
            title = f"{rng.choice(_PLACES)}{rng.choice(_TOPICS)}工作取得新进展（{number}）"
            put(path, _article_html(rng, source, title, when))
            entries.append((path, title, when))
            article_paths.append(path)
        entries.sort(key=lambda e: e[2], reverse=True)  # newest first, like a real list
        total = max(1, -(-len(entries) // PER_LIST_PAGE))
        list_pages[source] = total
        for page in range(total):
            chunk = entries[page * PER_LIST_PAGE : (page + 1) * PER_LIST_PAGE]
            items = [("." + p[len(f"/{source}") :], t, w) for p, t, w in chunk]
            name = "index.html" if page == 0 else f"index_{page}.html"
            put(f"/{source}/{name}", _list_html(source, items, page, total))
    return GeneratedWeb(files, names, list_pages, article_paths)


class WebServer:
    """A threaded HTTP/1.1 (keep-alive) server for a ``GeneratedWeb``; counts what it answered."""

    def __init__(self, web: GeneratedWeb, *, honour_validators: bool = True) -> None:
        self.web = web
        self.honour_validators = honour_validators
        self.lock = threading.Lock()
        self.reset()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK stall
            # every keep-alive response by ~40 ms and the benchmark would measure that, not the crawler.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                entry = server.web.files.get(path)
                now = time.perf_counter()
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                server.enter(host)
                if entry is None:
                    status, body, headers = 404, b"not found", {"Content-Type": "text/plain"}
                else:
                    body, ctype, etag = entry
                    headers = {"Content-Type": ctype, "ETag": etag}
                    if server.honour_validators and self.headers.get("If-None-Match") == etag:
                        status, body = 304, b""
                    else:
                        status = 200
                # Left before the answer goes out: the client cannot send its next request to this host before
                # reading this one, so the per-host count never exceeds what the crawler has in flight.
                server.leave(host)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)
                server.count(status, now)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            # The default listen backlog (5) overflows when many crawlers connect at once; the kernel then
            # retries the SYN after 1, 3, 7 … 63 s and the benchmark would time that back-off.
            request_queue_size = 1024

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def reset(self) -> None:
        with self.lock:
            self.status: dict[int, int] = {}
            self.first: float | None = None
            self.last: float | None = None
            self.host_active: dict[str, int] = {}
            self.host_peak: dict[str, int] = {}

    def enter(self, host: str) -> None:
        with self.lock:
            n = self.host_active[host] = self.host_active.get(host, 0) + 1
            self.host_peak[host] = max(self.host_peak.get(host, 0), n)

    def leave(self, host: str) -> None:
        with self.lock:
            self.host_active[host] = self.host_active.get(host, 1) - 1

    def count(self, status: int, now: float) -> None:
        with self.lock:
            self.status[status] = self.status.get(status, 0) + 1
            self.first = now if self.first is None else self.first
            self.last = now

    @property
    def window(self) -> float:
        return (self.last - self.first) if self.first is not None and self.last is not None else 0.0

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class CrawlRun:
    seconds: float
    window_seconds: float
    responses: dict[int, int]
    returncode: int
    pages_stored: int
    max_rss_mb: float

    @property
    def fetched(self) -> int:
        return sum(n for s, n in self.responses.items() if s == 200)


@dataclass
class CrawlResult:
    articles: int
    sources: int
    list_pages: int
    web_megabytes: float
    repetitions: int = 1
    first: dict[str, Any] = field(default_factory=dict)
    incremental: dict[str, Any] = field(default_factory=dict)
    incremental_no_304: dict[str, Any] = field(default_factory=dict)
    pages_per_second: float = 0.0  # first run, wall time (start-up included)
    pages_per_second_window: float = 0.0  # first run, first to last request
    incremental_share: float = float("nan")
    target_met: bool = False
    articles_stored: int = 0
    scrapy_bench: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _write_config(tmp: Path, web: GeneratedWeb, concurrency: int, base_url: str) -> tuple[Path, Path]:
    registry = tmp / "registry.toml"
    blocks = []
    port = base_url.rsplit(":", 1)[1]
    for source in web.sources:
        # Each site on its own host name, as real sites are: the crawler's per-host gate (crawler/gate.py)
        # would otherwise hold all of them to one host's concurrency.
        blocks.append(
            "[[source]]\n"
            f'id = "{source}"\nname = "基准站点 {source}"\n'
            f'list_urls = ["http://{source}{BENCH_DOMAIN}:{port}/{source}/index.html"]\n'
            f"article_allow = ['/{source}/\\d{{6}}/t\\d{{8}}_\\d+\\.html$']\n"
            f"max_list_pages = {min(1000, web.list_pages[source] + 1)}\n"
            'confirmed = "generated benchmark web"\n'
        )
    registry.write_text("\n".join(blocks), encoding="utf-8")
    config = tmp / "yigai.toml"
    config.write_text(
        f'database = "{tmp / "store.sqlite3"}"\noutput_dir = "{tmp / "output"}"\nregistry = "{registry}"\n'
        "[crawl]\n"
        f"concurrent_requests_per_domain = {concurrency}\n"
        "source_page_budget = 100000\nsource_time_budget = 3600\nretry_times = 1\ndownload_timeout = 60\n"
        "[scrapy]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = 0\n"
        f"CONCURRENT_REQUESTS = {concurrency}\nLOG_LEVEL = \"WARNING\"\nREACTOR_THREADPOOL_MAXSIZE = 20\n"
        f'DNS_RESOLVER = "bench.crawl.LoopbackResolver"\nTWISTED_DNS_RESOLVER = "bench.crawl.LoopbackResolver"\n',
        encoding="utf-8",
    )
    return config, registry


def _crawl_once(
    server: WebServer, config: Path, registry: Path, concurrency: int, timeout: float
) -> CrawlRun:
    server.reset()
    cmd = [
        sys.executable,
        "-m",
        "crawler.process",
        "--config",
        str(config),
        "--registry",
        str(registry),
        "--sample-web",
        server.base_url,
    ]
    env = project_env({})
    run = run_child(cmd, env=env, cwd=config.parent, timeout=timeout)
    if run.returncode not in (0, 1):
        raise RuntimeError(f"crawler exited {run.returncode}:\n{run.stderr[-3000:]}")
    with Store(config.parent / "store.sqlite3", create=False) as store:
        pages = store.count_pages()
    return CrawlRun(run.seconds, server.window, dict(server.status), run.returncode, pages, run.max_rss_mb)


def _median_run(runs: Sequence[CrawlRun]) -> CrawlRun:
    """The run with the median wall time (a real run, so its numbers agree with each other)."""
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def _run_dict(run: CrawlRun) -> dict[str, Any]:
    return {
        "seconds": round(run.seconds, 2),
        "window_seconds": round(run.window_seconds, 2),
        "responses": {str(k): v for k, v in sorted(run.responses.items())},
        "pages_stored_total": run.pages_stored,
        "max_rss_mb": round(run.max_rss_mb, 1),
        "returncode": run.returncode,
    }


_RATE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


def parse_scrapy_bench_log(log: str) -> dict[str, Any]:
    """pages/min from ``scrapy bench``'s log: median of its periodic reports (the first, still at 0, left
    out) and the run's average from the final stats (responses / elapsed seconds)."""
    rates = [int(m.group(2)) for m in _RATE.finditer(log)]
    steady = [r for r in rates[1:] if r > 0] or rates
    out: dict[str, Any] = {"reports": len(rates), "median_pages_per_min": median(steady) if steady else None}
    received = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if received and elapsed and float(elapsed.group(1)) > 0:
        out["responses"] = int(received.group(1))
        out["elapsed_seconds"] = float(elapsed.group(1))
        out["average_pages_per_min"] = round(60 * int(received.group(1)) / float(elapsed.group(1)))
    if out["median_pages_per_min"] is not None:
        out["median_pages_per_second"] = round(out["median_pages_per_min"] / 60, 1)
    return out


def scrapy_bench(seconds: int = 10) -> dict[str, Any]:
    """Run ``scrapy bench`` outside any project (a temp dir: no scrapy.cfg) and parse its log."""
    with tempfile.TemporaryDirectory(prefix="yigai-scrapy-bench-") as tmp:
        env = project_env()
        for var in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT"):
            env.pop(var, None)
        cmd = [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"]
        run = run_child(cmd, env=env, cwd=tmp, timeout=seconds + 60)
    result = parse_scrapy_bench_log(run.stderr + run.stdout)
    result["returncode"] = run.returncode
    return result


def run(
    *,
    articles: int = 5000,
    sources: int | None = None,
    concurrency: int = 32,
    with_scrapy_bench: bool = True,
    scrapy_bench_seconds: int = 10,
    timeout: float = 1800,
    repetitions: int = 3,
) -> CrawlResult:
    sources = sources or max(1, min(10, articles // 100))
    web = generate_web(articles, sources)
    result = CrawlResult(
        articles=articles,
        sources=sources,
        list_pages=sum(web.list_pages.values()),
        web_megabytes=web.megabytes,
    )
    firsts: list[CrawlRun] = []
    seconds: list[CrawlRun] = []
    with WebServer(web) as server:
        for rep in range(max(1, repetitions)):
            # A fresh store each repetition: every first run crawls everything.
            with tempfile.TemporaryDirectory(prefix="yigai-crawl-bench-") as tmpdir:
                tmp = Path(tmpdir)
                config, registry = _write_config(tmp, web, concurrency, server.base_url)
                server.honour_validators = True
                firsts.append(_crawl_once(server, config, registry, concurrency, timeout))
                seconds.append(_crawl_once(server, config, registry, concurrency, timeout))
                if rep == 0:
                    server.honour_validators = False
                    third = _crawl_once(server, config, registry, concurrency, timeout)
                    with Store(tmp / "store.sqlite3", create=False) as store:
                        result.articles_stored = store.count_fetched("article")
    first = _median_run(firsts)
    second = _median_run(seconds)
    result.repetitions = len(firsts)
    result.first = _run_dict(first)
    result.first["all_seconds"] = [round(r.seconds, 2) for r in firsts]
    result.incremental = _run_dict(second)
    result.incremental["all_seconds"] = [round(r.seconds, 2) for r in seconds]
    result.incremental_no_304 = _run_dict(third)
    result.pages_per_second = round(first.fetched / first.seconds, 1) if first.seconds else 0.0
    result.pages_per_second_window = (
        round(first.fetched / first.window_seconds, 1) if first.window_seconds else 0.0
    )
    result.incremental_share = round(second.seconds / first.seconds, 3) if first.seconds else float("nan")
    result.incremental_no_304["share"] = round(third.seconds / first.seconds, 3) if first.seconds else None
    result.target_met = result.incremental_share < TARGET_INCREMENTAL_SHARE
    if with_scrapy_bench:
        result.scrapy_bench = scrapy_bench(scrapy_bench_seconds)
    return result


# ------------------------------------------------------------------------------------------ many hosts
def _loopback_resolver_class() -> type:
    from scrapy.resolver import CachingThreadedResolver
    from twisted.internet import defer

    class LoopbackResolver(CachingThreadedResolver):
        """Resolves every ``*.bench.test`` name to 127.0.0.1 (the benchmark's hosts); others as Scrapy does."""

        def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Any:  # noqa: N802 - Twisted's name
            if name.endswith(BENCH_DOMAIN):
                return defer.succeed("127.0.0.1")
            return super().getHostByName(name, timeout)

    return LoopbackResolver


def __getattr__(name: str) -> Any:
    # ``bench.crawl.LoopbackResolver`` for Scrapy's DNS_RESOLVER setting, made on first use (Scrapy imported late).
    if name == "LoopbackResolver":
        return _loopback_resolver_class()
    raise AttributeError(name)


@dataclass
class HostsResult:
    hosts: int
    articles: int
    requests: int
    seconds: float
    window_seconds: float
    pages_stored: int
    max_rss_mb: float
    per_domain: int
    delay: float
    parallel: int
    peak_per_host: int  # the most requests any one host was answering at once
    responses: dict[str, int] = field(default_factory=dict)
    returncode: int = 0
    load_average: float | None = None  # the machine's 1-minute load average when the crawl ended

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_hosts(
    *, hosts: int = 3000, articles_per_host: int = 5, delay: float = 0.5, per_domain: int = 2, parallel: int = 64,
    timeout: float = 7200,
) -> HostsResult:
    """One night's crawl of ``hosts`` sources, each on its own host name, with per-host politeness."""
    web = generate_web(hosts * articles_per_host, hosts)
    with WebServer(web) as server, tempfile.TemporaryDirectory(prefix="yigai-crawl-hosts-") as tmpdir:
        tmp = Path(tmpdir)
        port = server.base_url.rsplit(":", 1)[1]
        registry = tmp / "registry.toml"
        registry.write_text(
            "\n".join(
                "[[source]]\n"
                f'id = "{source}"\nname = "基准站点 {source}"\n'
                f'list_urls = ["http://{source}{BENCH_DOMAIN}:{port}/{source}/index.html"]\n'
                f"article_allow = ['/{source}/\\d{{6}}/t\\d{{8}}_\\d+\\.html$']\n"
                f"max_list_pages = {min(1000, web.list_pages[source] + 1)}\n"
                for source in web.sources
            ),
            encoding="utf-8",
        )
        config = tmp / "yigai.toml"
        config.write_text(
            f'database = "{tmp / "store.sqlite3"}"\noutput_dir = "{tmp / "output"}"\nregistry = "{registry}"\n'
            f"[crawl]\nconcurrent_requests_per_domain = {per_domain}\nparallel_sources = {parallel}\n"
            "retry_times = 1\ndownload_timeout = 60\n"
            f"[scrapy]\nAUTOTHROTTLE_ENABLED = false\nDOWNLOAD_DELAY = {delay}\n"
            'LOG_LEVEL = "WARNING"\nDNS_RESOLVER = "bench.crawl.LoopbackResolver"\n'
            'TWISTED_DNS_RESOLVER = "bench.crawl.LoopbackResolver"\n',
            encoding="utf-8",
        )
        server.reset()
        cmd = [sys.executable, "-m", "crawler.process", "--config", str(config), "--registry", str(registry)]
        run = run_child(cmd, env=project_env({}), cwd=tmp, timeout=timeout)
        if run.returncode not in (0, 1):
            raise RuntimeError(f"crawler exited {run.returncode}:\n{run.stderr[-3000:]}")
        with Store(tmp / "store.sqlite3", create=False) as store:
            pages = store.count_pages()
        return HostsResult(
            hosts=hosts, articles=hosts * articles_per_host, requests=sum(server.status.values()),
            seconds=round(run.seconds, 1), window_seconds=round(server.window, 1), pages_stored=pages,
            max_rss_mb=round(run.max_rss_mb, 1), per_domain=per_domain, delay=delay, parallel=parallel,
            peak_per_host=max(server.host_peak.values(), default=0),
            responses={str(k): v for k, v in sorted(server.status.items())}, returncode=run.returncode,
            load_average=round(os.getloadavg()[0], 1),
        )


def format_hosts(r: HostsResult) -> str:
    return (
        f"crawl of {r.hosts} sources on {r.hosts} hosts ({r.articles} articles): {r.seconds:.1f} s wall, "
        f"{r.window_seconds:.1f} s first→last request, {r.requests} requests ({r.requests / max(r.seconds, 1e-9):.1f}/s), "
        f"{r.pages_stored} pages stored, peak RSS {r.max_rss_mb} MB; politeness: {r.per_domain} per host, "
        f"{r.delay} s between starts, {r.parallel} sources at once; most requests at once on one host: "
        f"{r.peak_per_host}; responses {r.responses}; exit {r.returncode}"
    )


def format_result(r: CrawlResult) -> str:
    lines = [
        (
            f"crawl: {r.articles} articles on {r.sources} sites ({r.list_pages} list pages, {r.web_megabytes} MB); "
            f"{r.articles_stored} articles stored; median of {r.repetitions} runs"
        ),
        (
            f"  first run     {r.first['seconds']:7.2f} s wall ({r.pages_per_second} pages/s), "
            f"{r.first['window_seconds']:.2f} s first→last request ({r.pages_per_second_window} pages/s), "
            f"peak RSS {r.first['max_rss_mb']} MB"
        ),
        (
            f"  incremental   {r.incremental['seconds']:7.2f} s = {r.incremental_share:.1%} of the first "
            f"(target < {TARGET_INCREMENTAL_SHARE:.0%}: {'met' if r.target_met else 'MISSED'}); "
            f"responses {r.incremental['responses']}"
        ),
        (
            f"  incremental, no 304s {r.incremental_no_304['seconds']:7.2f} s = {r.incremental_no_304['share']:.1%}; "
            f"responses {r.incremental_no_304['responses']}"
        ),
    ]
    if r.scrapy_bench:
        sb = r.scrapy_bench
        lines.append(
            f"  scrapy bench  median {sb.get('median_pages_per_min')} pages/min "
            f"({sb.get('median_pages_per_second')} pages/s), average {sb.get('average_pages_per_min')} pages/min"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--sources", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--reps", type=int, default=3, help="first+incremental runs, each on a fresh store")
    parser.add_argument("--no-scrapy-bench", action="store_true")
    parser.add_argument("--scrapy-bench-seconds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--hosts", type=int, default=None, metavar="N",
                        help="time a night of N sources on N host names instead (e.g. 3000)")
    parser.add_argument("--articles-per-host", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.5, help="DOWNLOAD_DELAY per host (--hosts)")
    parser.add_argument("--per-domain", type=int, default=2, help="requests at once per host (--hosts)")
    parser.add_argument("--parallel", type=int, default=64, help="sources crawled at once (--hosts)")
    args = parser.parse_args(argv)
    if args.hosts:
        hosts = run_hosts(hosts=args.hosts, articles_per_host=args.articles_per_host, delay=args.delay,
                          per_domain=args.per_domain, parallel=args.parallel)
        print(json.dumps(hosts.to_dict(), ensure_ascii=False, indent=2) if args.json else format_hosts(hosts))
        return 0 if hosts.peak_per_host <= args.per_domain else 1
    result = run(
        articles=args.articles,
        sources=args.sources,
        concurrency=args.concurrency,
        with_scrapy_bench=not args.no_scrapy_bench,
        scrapy_bench_seconds=args.scrapy_bench_seconds,
        repetitions=args.reps,
    )
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else format_result(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
