"""Self-healing (issue #17 part 3): a source whose configured pattern matches nothing on its list pages is
crawled with the links inference finds there, and flagged; an entry without article_allow is crawled by
inference and not flagged. Against the bundled sample web, with a registry describing a redesign."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_support import crawl_env, write_settings

from yigai.config import load_settings
from yigai.health import REDESIGNED_FLAG, REDESIGNED_FLAG_ZH, source_health
from yigai.store import Store
from yigai.urls import canonical_url

sample_web = pytest.importorskip("yigai.sample_web")
pytestmark = pytest.mark.slow

EXPECTED = json.loads((Path(sample_web.__file__).parent / "expected.json").read_text(encoding="utf-8"))

REGISTRY = r"""
[[source]]
id = "hbwjw"
name = "河北省卫生健康委员会"
home_region = "河北省"
list_urls = ["{sample_web}/hbwjw/index.html"]
# the pattern of the site before its "redesign": it matches none of today's article URLs
article_allow = ['/hbwjw/content/\d+\.shtml$']
max_list_pages = 3

[[source]]
id = "farm"
name = "内容农场"
list_urls = ["{sample_web}/farm/list.html"]
max_list_pages = 2
notes = "Article links inferred"
"""


@pytest.fixture(scope="module")
def healed(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("healing")
    settings = write_settings(tmp)
    registry = tmp / "registry.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    with sample_web.SampleWeb() as web:
        # `yigai crawl` (a run row, so the source's counters are kept for `yigai status`) in a child process
        proc = subprocess.run(
            [sys.executable, "-m", "yigai.cli", "crawl", "--config", str(settings), "--registry", str(registry),
             "--sample-web", web.base_url],
            cwd=tmp, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False,
        )
        yield tmp, settings, web, proc


def test_crawl_succeeds_and_says_why(healed) -> None:
    _, _, _, result = healed
    assert result.returncode == 0, result.stderr[-3000:]
    assert "hbwjw: redesigned — the configured article_allow matches nothing" in result.stderr


def test_every_article_of_both_sources_is_fetched_and_nothing_else(healed) -> None:
    _, _, web, _ = healed
    requested = set(web.requested_paths)
    for site in ("hbwjw", "farm"):
        wanted = {a["path"] for a in EXPECTED["articles"] if a["site"] == site}
        assert wanted <= requested, sorted(wanted - requested)
    lists = {p for s in EXPECTED["listing"].values() for p in s["list_pages"]}
    articles = {a["path"] for a in EXPECTED["articles"]}
    extra = requested - articles - lists - {"/robots.txt"}
    assert not extra, sorted(extra)  # no navigation, footer or attachment link was taken for an article
    assert not set(EXPECTED["disallowed_paths"]) & requested


def test_status_and_about_page_flag_the_redesigned_source_only(healed) -> None:
    tmp, settings, web, _ = healed
    with Store(tmp / "db.sqlite3") as store:
        health = {h.source_id: h for h in source_health(store, load_settings(settings))}
    assert REDESIGNED_FLAG in health["hbwjw"].flags
    assert REDESIGNED_FLAG not in health["farm"].flags
    assert not [f for f in health["hbwjw"].flags if f.startswith(("failing", "errors"))]
    wanted = {canonical_url(web.base_url + a["path"]) for a in EXPECTED["articles"] if a["site"] == "hbwjw"}
    assert health["hbwjw"].pages_new >= len(wanted)
    about = _about_page(tmp, settings)
    row = next(line for line in about.split("<tr") if "河北省卫生健康委员会" in line)
    assert REDESIGNED_FLAG_ZH in row  # the about page speaks Chinese to its readers


def _about_page(tmp: Path, settings: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "yigai.cli", "build", "--config", str(settings), "--output", str(tmp / "out")],
        cwd=tmp, env=crawl_env(), capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return (tmp / "out" / "about.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ every template
@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory):
    """One crawl of the eleven list-page templates, each an entry with no article_allow (links inferred)."""
    tmp = tmp_path_factory.mktemp("templates")
    settings = write_settings(tmp)
    blocks = []
    for key, site in EXPECTED["list_sites"].items():
        lists = [p for p in site["list_pages"] if p not in site["json_api"]][:1]
        blocks.append(
            f'[[source]]\nid = "{key}"\nname = "{site["name"]}"\n'
            f'list_urls = ["{{sample_web}}{lists[0]}"]\nmax_list_pages = 3\n'
        )
    registry = tmp / "registry.toml"
    registry.write_text("\n".join(blocks), encoding="utf-8")
    with sample_web.SampleWeb() as web:
        proc = subprocess.run(
            [sys.executable, "-m", "yigai.cli", "crawl", "--config", str(settings), "--registry", str(registry),
             "--sample-web", web.base_url],
            cwd=tmp, env=crawl_env(), capture_output=True, text=True, timeout=600, check=False,
        )
        yield web, proc


def test_every_template_is_crawled_by_inference_alone(templates) -> None:
    web, proc = templates
    assert proc.returncode == 0, proc.stderr[-3000:]
    requested = set(web.requested_paths)
    articles = {p for s in EXPECTED["list_sites"].values() for ps in s["articles"].values() for p in ps}
    lists = {p for s in EXPECTED["list_sites"].values() for p in s["list_pages"]}
    assert articles <= requested, sorted(articles - requested)[:5]
    extra = requested - articles - lists - {"/robots.txt"}
    assert not extra, sorted(extra)  # no column, account, department or pager link was taken for an article
    assert "redesigned" not in proc.stderr  # no pattern was configured: inference is the plan, not a repair
