from __future__ import annotations

from pathlib import Path

import pytest

from yigai.config import ConfigError, load_registry, load_settings


def write(tmp_path: Path, text: str, name: str = "reg.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """
[[source]]
id = "hb"
name = "河北省卫生健康委员会"
home_region = "河北省"
list_urls = ["{sample_web}/hbwjw/index.html"]
article_allow = ['/t\\d{8}_\\d+\\.html$']
"""


def test_registry_substitutes_sample_web(tmp_path):
    sources = load_registry(write(tmp_path, GOOD), sample_web="http://127.0.0.1:9999/")
    assert sources[0].list_urls == ("http://127.0.0.1:9999/hbwjw/index.html",)
    assert sources[0].home_region == "河北省"


def test_registry_placeholder_without_sample_web_names_entry_and_field(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_registry(write(tmp_path, GOOD))
    msg = str(err.value)
    assert "reg.toml" in msg and "'hb'" in msg and "list_urls" in msg


@pytest.mark.parametrize(
    "entry, field",
    [
        ('id = "Bad Id"\nname = "x"\nlist_urls = ["http://a/"]', "id"),
        ('id = "ok"\nlist_urls = ["http://a/"]', "name"),
        ('id = "ok"\nname = "x"\nlist_urls = ["ftp://a/"]', "list_urls"),
        ('id = "ok"\nname = "x"', "list_urls"),
        ('id = "ok"\nname = "x"\nlist_urls = ["http://a/"]\narticle_allow = ["(unclosed"]', "article_allow"),
        ('id = "ok"\nname = "x"\nlist_urls = ["http://a/"]\nmax_list_pages = 0', "max_list_pages"),
        ('id = "ok"\nname = "x"\nlist_urls = ["http://a/"]\nbrowser = "yes"', "browser"),
        ('id = "ok"\nname = "x"\nlist_urls = ["http://a/"]\nlist_url = ["http://a/"]', "list_url"),
    ],
)
def test_bad_registry_entry_names_file_entry_and_field(tmp_path, entry, field):
    path = write(tmp_path, f"[[source]]\n{entry}\n")
    with pytest.raises(ConfigError) as err:
        load_registry(path)
    msg = str(err.value)
    assert str(path) in msg and "source #1" in msg and f"'{field}'" in msg


def test_duplicate_ids_rejected(tmp_path):
    text = '[[source]]\nid="a"\nname="x"\nlist_urls=["http://a/"]\n' * 2
    with pytest.raises(ConfigError, match="duplicate id"):
        load_registry(write(tmp_path, text))


def test_not_toml_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_registry(write(tmp_path, "[[source]\nid="))


def test_settings_merge_and_validation(tmp_path):
    s = load_settings(write(tmp_path, 'database = "db/x.sqlite3"\n[site]\ntitle = "T"\n', "yigai.toml"))
    assert s.database == tmp_path / "db" / "x.sqlite3"
    assert s.section("site")["title"] == "T"
    assert s.section("site")["page_size"] == 30  # default kept
    with pytest.raises(ConfigError, match="unknown setting 'site.titel'"):
        load_settings(write(tmp_path, '[site]\ntitel = "T"\n', "bad.toml"))
    with pytest.raises(ConfigError, match="'crawl.retry_times' must be int"):
        load_settings(write(tmp_path, '[crawl]\nretry_times = "3"\n', "bad2.toml"))


def test_sample_registry_loads():
    sources = load_registry("sample", sample_web="http://127.0.0.1:1")
    assert len(sources) >= 4


@pytest.mark.parametrize("key", ["page_size", "feed_items", "search_shard_size"])
def test_site_counts_below_one_are_refused(tmp_path, key):
    cfg = tmp_path / "yigai.toml"
    cfg.write_text(f"[site]\n{key} = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"site\.{key}' must be at least 1, got 0"):
        load_settings(cfg)
