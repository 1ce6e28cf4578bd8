"""Fixtures for the real-browser tests: a site built from the bundled sample web, served on 127.0.0.1, and
Debian's chromium driven by Playwright (never a downloaded browser: no `playwright install`)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, require_or_skip
from yigai.run import DEMO_WATCHES

CHROMIUM = Path(os.environ.get("YIGAI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Re-raster a changed tile whole. With partial raster, a repaint clipped to the changed rectangle (the
    # search status and results arriving after the first frame) anti-aliases a rounded corner it cuts
    # through 1 level differently, depending on frame timing: the screenshots would not be byte-stable.
    "--disable-partial-raster",
]
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


@dataclass(frozen=True)
class ServedSite:
    root: Path  # the built output directory
    base_url: str  # http://127.0.0.1:<port>/ serving it

    def url(self, path: str) -> str:
        return self.base_url + path


def _build_from_sample_web(tmp: Path) -> Path:
    """`yigai run` (crawl, extract, build) against the bundled sample web, as an operator would run it."""
    from yigai.sample_web.server import SampleWeb

    config = tmp / "yigai.toml"
    config.write_text(
        f'database = "{tmp / "db.sqlite3"}"\noutput_dir = "{tmp / "output"}"\n'
        # as_of: the map counts back from a fixed day after the sample web's newest story, so the screenshots
        # stay the same from one day to the next (and show the map's colours, not 34 quiet provinces).
        '[site]\nbase_url = "https://yigai.test/"\nas_of = "2025-03-05"\n[crawl]\ndownload_timeout = 10\n'
        # the demo's watchlists (a region's, a topic's keywords), as a reader's [[watch]] tables
        + "".join(f"[[watch]]\n{_toml_table(entry)}" for entry in DEMO_WATCHES),
        encoding="utf-8",
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with SampleWeb() as web:
        done = subprocess.run(
            [sys.executable, "-m", "yigai.cli", "run", "--config", str(config), "--registry", "sample",
             "--sample-web", web.base_url],
            cwd=tmp, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    if done.returncode != 0 or not (tmp / "output" / "index.html").is_file():
        pytest.fail(
            f"yigai run failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return tmp / "output"


def _toml_table(entry: dict) -> str:
    return "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in entry.items())


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``root`` on an ephemeral loopback port in a daemon thread; (server, base URL)."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, name="site-server", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A headless Debian chromium, launched once for the session."""
    require_or_skip(CHROMIUM.is_file(), f"chromium ({CHROMIUM})", "apt-get install chromium fonts-noto-cjk")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip(False, "the playwright Python package", ".venv/bin/pip install -e '.[browser]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The site built by `yigai run` from the bundled sample web, served over HTTP."""
    output = _build_from_sample_web(tmp_path_factory.mktemp("sample_site"))
    server, base = serve(output)
    yield ServedSite(output, base)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def synthetic_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The site built from the site builder's synthetic store (it holds a hostile article), served over HTTP."""
    from site_builder import build_site
    from tests.site_builder.site_fixtures import fill_store
    from yigai.config import load_settings

    tmp = tmp_path_factory.mktemp("synthetic_site")
    store = fill_store(tmp / "db.sqlite3")
    try:
        build_site(store, load_settings(overrides={"output_dir": str(tmp / "output")}))
    finally:
        store.close()
    server, base = serve(tmp / "output")
    yield ServedSite(tmp / "output", base)
    server.shutdown()
    server.server_close()


@pytest.fixture
def new_page(chromium):
    """Factory for pages in fresh contexts; every page records console errors and uncaught exceptions."""
    contexts = []

    def make(width: int = 1280, height: int = 800):
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=1,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            color_scheme="light",
            reduced_motion="reduce",
        )
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.errors.append(f"uncaught: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and page.errors.append(f"console: {msg.text}"))
        page.on("dialog", lambda dialog: (page.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        return page

    yield make
    for context in contexts:
        context.close()


def run_axe(page) -> list[dict]:
    """Inject the vendored axe-core and return its violations (id, impact, help, targets) for the page."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            targets: v.nodes.map(n => n.target.join(" "))}));
        }"""
    )
