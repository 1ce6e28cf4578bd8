"""Faults and hostile pages through the whole pipeline (`yigai run`), beside healthy sources."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from tests.support.fault_web import FAULTS, FaultWeb
from yigai.sample_web.server import SampleWeb
from yigai.store import Store

REPO = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((REPO / "yigai" / "sample_web" / "expected.json").read_text(encoding="utf-8"))
SAMPLE_REGISTRY = (REPO / "yigai" / "registry" / "sample.toml").read_text(encoding="utf-8")

pytestmark = pytest.mark.slow


def _run(tmp: Path, registry_text: str, extra_settings: str = "") -> subprocess.CompletedProcess:
    reg = tmp / "registry.toml"
    reg.write_text(registry_text, encoding="utf-8")
    cfg = tmp / "yigai.toml"
    cfg.write_text(f'database = "{tmp / "db.sqlite3"}"\noutput_dir = "{tmp / "output"}"\n'
                   f'[site]\nbase_url = "https://yigai.test/"\n{extra_settings}'
                   "[scrapy]\nYIGAI_RETRY_BACKOFF_BASE = 0.1\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "yigai.cli", "run", "--config", str(cfg), "--registry", str(reg)],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=600)


def test_faulty_source_is_counted_and_healthy_sources_all_published(tmp_path):
    with SampleWeb() as web, FaultWeb(hang_seconds=6, huge_bytes=50 * 1024 * 1024) as faults:
        registry = SAMPLE_REGISTRY.replace("{sample_web}", web.base_url) + f"""
[[source]]
id = "faulty"
name = "故障站"
list_urls = ["{faults.base_url}/faulty/list.html"]
article_allow = ['/faulty/a/[a-z0-9]+\\.html']
confirmed = "test fault server"
"""
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result = _run(tmp_path, registry,
                      "[crawl]\ndownload_timeout = 2\nmax_response_bytes = 5000000\nretry_times = 1\n")
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert result.returncode == 1, result.stdout + result.stderr  # finished, with failures reported
    assert "faulty" in result.stdout
    with Store(tmp_path / "db.sqlite3") as store:
        run_id = store.runs(1)[0]["id"]
        stats = {r["source_id"]: r for r in store.run_sources(run_id)}
        errors = json.loads(stats["faulty"]["errors_json"])
        for kind in ("http_5xx", "timeout", "too_large"):
            assert errors.get(kind), f"{kind} not counted: {errors}"
        assert sum(errors.values()) >= 6, errors
        for sid in ("hbwjw", "nhc", "farm", "portal"):
            real = set(json.loads(stats[sid]["errors_json"])) - {"robots_forbidden"}
            assert not real, f"healthy source {sid} got errors {real}"
        published = store.conn.execute(
            "SELECT url FROM articles WHERE relevant = 1 AND is_original = 1").fetchall()
        assert store.integrity_ok()
    published_paths = {u.split("/", 3)[3] for (u,) in published if "127.0.0.1" in u}
    want = {p["path"].lstrip("/") for p in EXPECTED["articles"] if p["on_topic"] and p.get("original", True)}
    assert want <= published_paths, f"healthy stories missing: {want - published_paths}"
    assert all(f in FAULTS for f in FAULTS)
    # 50 MB page, 100 MB gzip bomb: the run's processes stayed far below them in memory.
    assert max(before, peak_kib) < 700 * 1024, f"peak RSS {peak_kib} KiB"


HOSTILE_TITLE = "医共体建设新进展<script>alert('title')</script>"
HOSTILE_PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{HOSTILE_TITLE}</title>
<script>alert('head')</script></head><body onload="alert('body')">
<h1>{HOSTILE_TITLE}</h1>
<div class="info">发布时间：2024-05-10 10:00 来源：河南日报</div>
<div class="content">
<p>河南省郑州市推进紧密型县域医共体建设，县域内就诊率持续提升。&lt;script&gt;alert('escaped')&lt;/script&gt;</p>
<p onclick="alert('p')">医共体牵头医院向乡镇卫生院下沉专家，分级诊疗格局逐步形成。<img src=x onerror="alert('img')"></p>
<p>详见<a href="javascript:alert('link')">这里</a>。<iframe src="javascript:alert('frame')"></iframe>
<svg onload="alert('svg')"><circle r="1"/></svg> 医保基金打包付费，双向转诊更加顺畅。</p>
<p>附件：<a href="javascript:alert('att')//x.pdf">实施方案.pdf</a> <a href="data:text/html,<script>alert(1)</script>">x.doc</a></p>
<p>郑州市卫健委表示，将持续推进县域医共体和城市医疗集团建设，推动优质医疗资源下沉。</p>
</div></body></html>"""


class _HostileHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nDisallow:\n", "text/plain"
        elif self.path == "/h/list.html":
            body = (b'<html><body><a href="/h/a/1.html">1</a><a href="javascript:alert(1)">x</a>'
                    b'<a href="/h/a/%3Cscript%3E.html">2</a></body></html>')
            ctype = "text/html; charset=utf-8"
        elif self.path.startswith("/h/a/"):
            body, ctype = HOSTILE_PAGE.encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _assert_no_executable_markup(html_text: str, where: str) -> None:
    if not html_text.strip():
        return
    doc = lxml.html.fromstring(html_text)
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("script", "iframe", "object", "embed"):
            src = el.get("src", "")
            assert el.tag == "script" and src and not src.startswith(("javascript:", "data:")) and "alert" not in (
                el.text or ""), f"{where}: <{el.tag}> {lxml.html.tostring(el)[:120]!r}"
        for attr, value in el.attrib.items():
            assert not attr.lower().startswith("on"), f"{where}: event handler {attr}={value!r}"
            if attr.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                v = value.strip().lower()
                assert not v.startswith(("javascript:", "data:", "vbscript:")), f"{where}: {attr}={value!r}"


def test_hostile_pages_never_reach_site_or_feeds_as_markup(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        registry = f"""[[source]]
id = "hostile"
name = "恶意站"
home_region = "河南省"
list_urls = ["{base}/h/list.html"]
article_allow = ['/h/a/']
confirmed = "test"
"""
        result = _run(tmp_path, registry)
    finally:
        server.shutdown()
    assert result.returncode in (0, 1), result.stdout + result.stderr
    out = tmp_path / "output"
    with Store(tmp_path / "db.sqlite3") as store:
        rows = store.conn.execute("SELECT id, title, relevant, is_original FROM articles").fetchall()
    assert rows and any(r["relevant"] for r in rows), "the hostile page should still be published, defanged"
    article_files = [out / "article" / f"{r['id']}.html" for r in rows if r["relevant"] and r["is_original"]]
    assert article_files and all(f.is_file() for f in article_files), article_files
    files = [p for p in out.rglob("*") if p.is_file()]
    outside = [p for p in files if not p.resolve().is_relative_to(out.resolve())]
    assert not outside, outside
    for p in files:
        if p.suffix == ".html":
            _assert_no_executable_markup(p.read_text(encoding="utf-8"), str(p.relative_to(out)))
        elif p.suffix == ".xml":
            tree = lxml.etree.fromstring(p.read_bytes())
            for el in tree.iter():
                if not isinstance(el.tag, str) or not el.text:
                    continue
                local = lxml.etree.QName(el).localname
                where = f"{p.relative_to(out)} <{local}>"
                if local in ("description", "encoded", "content", "summary"):  # elements that carry HTML
                    _assert_no_executable_markup(el.text, where)
                else:  # text elements: many readers render RSS titles as HTML, so no markup at all
                    assert "<script" not in el.text.lower() and "javascript:" not in el.text.lower(), where
        elif p.suffix in (".json", ".js"):
            text = p.read_text(encoding="utf-8", errors="replace")
            assert "<script>alert" not in text, p
    # The page's visible text keeps what the story said (escaped), its markup is gone.
    body = article_files[0].read_text(encoding="utf-8")
    assert "郑州市推进紧密型县域医共体建设" in body
    assert "<script>alert" not in body and "onerror=" not in re.sub(r"&[a-z]+;", "", body).split("<main", 1)[0]
