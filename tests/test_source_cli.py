"""``yigai source add`` and ``yigai source check`` against the sample web on 127.0.0.1 and saved pages."""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path

import pytest

from yigai.cli import main
from yigai.config import load_registry
from yigai.sample_web import SampleWeb

REPO = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((REPO / "yigai/sample_web/expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def web():
    with SampleWeb() as running:
        yield running


def _registry_copy(tmp_path: Path) -> Path:
    target = tmp_path / "registry.toml"
    shutil.copy(REPO / "yigai/registry/sample.toml", target)
    return target


def test_add_dry_run_previews_ten_newest_and_prints_an_explained_entry(web, settings_file, tmp_path, capsys):
    registry = _registry_copy(tmp_path)
    before = registry.read_text(encoding="utf-8")
    code = main(["source", "add", f"{web.base_url}/hbwjw/index.html", "--dry-run", "--config", str(settings_file),
                 "--registry", str(registry), "--sample-web", web.base_url])
    out = capsys.readouterr().out
    assert code == 0
    assert registry.read_text(encoding="utf-8") == before
    preview = out.split("The ", 1)[1].split("# Added by", 1)[0]
    dates = re.findall(r"^  (\d{4}-\d{2}-\d{2})  ", preview, flags=re.M)
    assert len(dates) == 10 and dates == sorted(dates, reverse=True)  # from three list pages, newest first
    assert preview.count("              | ") >= 18  # two lines of body per article (from the extractor)
    assert 'home_region = "河北省"  # site name' in out
    assert 'family = "trs"' in out and "max_list_pages = 3" in out
    pattern = re.search(r"article_allow = \['(.+)'\]", out).group(1)
    hbwjw = [a["path"] for a in EXPECTED["articles"] if a["site"] == "hbwjw"]
    assert all(re.search(pattern, web.base_url + p) for p in hbwjw)
    assert not re.search(pattern, f"{web.base_url}/hbwjw/index_1.html")


def test_add_writes_an_entry_that_loads_and_crawls_the_same_articles(web, settings_file, tmp_path, capsys):
    registry = _registry_copy(tmp_path)
    code = main(["source", "add", f"{web.base_url}/portal/health/", "--name", "云帆健康", "--region", "湖北省",
                 "--config", str(settings_file), "--registry", str(registry), "--sample-web", web.base_url])
    assert code == 0, capsys.readouterr().err
    added = {s.id: s for s in load_registry(registry, sample_web=web.base_url)}["portal_2"]
    assert added.name == "云帆健康" and added.home_region == "湖北省"
    portal = [a["path"] for a in EXPECTED["articles"] if a["site"] == "portal"]
    assert all(any(re.search(p, web.base_url + path) for p in added.article_allow) for path in portal)
    assert "# article_allow inferred from" in registry.read_text(encoding="utf-8")


def test_add_offline_from_a_saved_list_page(settings_file, tmp_path, capsys):
    saved = REPO / "tests/families/pages/hanweb/list.html"
    code = main(["source", "add", "https://wjw.jiangsu.gov.cn/col/col7290/index.html", "--html", str(saved),
                 "--dry-run", "--config", str(settings_file)])
    out = capsys.readouterr().out
    assert code == 0
    assert 'family = "hanweb"' in out and 'home_region = "江苏省"' in out
    assert "not saved" in out  # the articles themselves were not saved: listed, without excerpt
    assert 'confirmed = "unconfirmed"' in out


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("ftp://example.org/list", 2, "not an http(s) URL"),
        ("http://127.0.0.1:{closed}/list/", 4, "unreachable"),
        ("{web}/portal/", 2, "no article list"),
        ("{web}/farm/private/2024/0320/vip_8812.html", 4, "robots.txt"),
    ],
)
def test_add_errors_are_one_line_with_the_exit_code(web, settings_file, capsys, url, code, message):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    url = url.format(web=web.base_url, closed=closed)
    assert main(["source", "add", url, "--dry-run", "--config", str(settings_file)]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_check_reports_ok_and_proposes_a_pattern_for_a_redesigned_site(web, settings_file, tmp_path, capsys):
    registry = _registry_copy(tmp_path)
    text = registry.read_text(encoding="utf-8")
    # The site "moved" its articles: the old pattern matches nothing on the list any more.
    registry.write_text(text.replace(r"article_allow = ['/hbwjw/\d{6}/t\d{8}_\d+\.html$']",
                                     r"article_allow = ['/hbwjw/art/\d+\.html$']"), encoding="utf-8")
    code = main(["source", "check", "hbwjw", "portal", "--config", str(settings_file), "--registry", str(registry),
                 "--sample-web", web.base_url])
    out = capsys.readouterr().out
    assert code == 1
    assert re.search(r"^portal: ok — 6 article links match \(newest 2025-03-04, a new article every [\d.]+ days\)", out, re.M)
    assert "hbwjw: redesigned" in out
    proposed = re.search(r"^article_allow = \['(.+)'\]", out, re.M).group(1)
    assert re.search(proposed, f"{web.base_url}/hbwjw/202406/t20240618_124950.html")
    # the whole entry is proposed, the old pattern kept in a comment
    assert "[[source]]" in out and 'id = "hbwjw"' in out and r"# was: article_allow = ['/hbwjw/art/\d+\.html$']" in out


def test_check_unknown_id_exits_2(settings_file, capsys):
    assert main(["source", "check", "nosuch", "--config", str(settings_file), "--registry", "sample",
                 "--sample-web", "http://127.0.0.1:1"]) == 2
    assert "nosuch" in capsys.readouterr().err


@pytest.mark.parametrize("action", ["add", "check"])
def test_source_actions_have_help(action, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["source", action, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f"yigai source {action}" in out and "--html" in out and "Exit 0" in out


def test_add_offline_from_a_saved_copy_of_the_site(settings_file, capsys):
    # A directory laid out by URL path (here the sample web's own files): the list and its articles are read
    # from it, nothing is fetched, and the preview has the extractor's lines.
    saved = REPO / "yigai/sample_web/sites"
    code = main(["source", "add", "http://hbwjw.example.test/hbwjw/index.html", "--html", str(saved), "--dry-run",
                 "--config", str(settings_file)])
    out = capsys.readouterr().out
    assert code == 0
    preview = out.split("The ", 1)[1].split("# Added by", 1)[0]
    assert len(re.findall(r"^  \d{4}-\d{2}-\d{2}  ", preview, flags=re.M)) == 10
    assert preview.count("              | ") >= 18 and "not read" not in preview
    assert 'confirmed = "unconfirmed"' in out and 'home_region = "河北省"' in out


def test_add_from_a_front_page_follows_its_news_column(web, settings_file, capsys):
    # The sample web's front page lists no articles, only its sites; the first link short enough for a column
    # name that names a health commission's pages (国家卫生健康委员会 …) leads to an article list, and the entry
    # says how its list page was found.
    code = main(["source", "add", f"{web.base_url}/", "--dry-run", "--config", str(settings_file)])
    out = capsys.readouterr().out
    assert code == 0
    assert f'list_urls = ["{web.base_url}/nhc/index.html"]  # the column' in out
    assert f"linked from {web.base_url}/" in out
