from __future__ import annotations

from pathlib import Path

import pytest

from yigai.config import BOUNDS, ConfigError, _defaults, load_registry, load_settings


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


def _numbers(table: dict, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_numbers(value, f"{prefix}{key}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = value
    return out


DEFAULT_NUMBERS = _numbers(_defaults())


def test_every_numeric_setting_has_bounds_that_hold_its_default():
    assert set(DEFAULT_NUMBERS) == set(BOUNDS), "a numeric setting without bounds (or bounds of no setting)"
    for key, value in DEFAULT_NUMBERS.items():
        low, high = BOUNDS[key]
        assert low <= value <= high, key


def _settings_with(tmp_path: Path, key: str, value: float) -> Path:
    section, _, name = key.rpartition(".")
    return write(tmp_path, f"[{section}]\n{name} = {value!r}\n", "yigai.toml")


@pytest.mark.parametrize("key", sorted(k for k, (low, _high) in BOUNDS.items() if low > 0))
def test_zero_is_refused_where_it_makes_no_sense_naming_file_and_key(tmp_path, key):
    zero = 0.0 if isinstance(DEFAULT_NUMBERS[key], float) else 0
    cfg = _settings_with(tmp_path, key, zero)
    with pytest.raises(ConfigError, match=rf"setting '{key}' must be from .* got 0") as err:
        load_settings(cfg)
    assert str(cfg) in str(err.value)


@pytest.mark.parametrize("key", sorted(BOUNDS))
def test_numbers_past_their_ceiling_or_below_their_floor_are_refused(tmp_path, key):
    low, high = BOUNDS[key]
    kind = type(DEFAULT_NUMBERS[key])
    for bad in (kind(high * 2 + 1), kind(low - 1)):
        with pytest.raises(ConfigError, match=rf"'{key}' must be from"):
            load_settings(_settings_with(tmp_path, key, bad))
    for good in (kind(low), kind(high)):
        assert _numbers(load_settings(_settings_with(tmp_path, key, good)).data)[key] == good


def test_the_faults_of_the_issue_are_refused(tmp_path):
    # Accepted before: the crawl hung with no request made; the size limit was switched off.
    for text in ("[crawl]\nconcurrent_requests_per_domain = 0\n", "[crawl]\nmax_response_bytes = 0\n"):
        with pytest.raises(ConfigError, match="must be from"):
            load_settings(write(tmp_path, text, "yigai.toml"))


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://a.cn:99999/", "Port out of range"),
        ("http://[::1/", "Invalid IPv6 URL"),
        ("http://[zz]/", "not a valid URL"),
        ("http://a.cn:x/", "not a valid URL"),
        ("http://127.0.0.1:0/", "port 0"),
        ("ftp://a.cn/", "not an http(s) URL"),
        ("http:///list.html", "no host"),
        ("http://a..cn/", "not a valid host name"),
        ("http://a b.cn/", "spaces"),
        ("http://a.cn/x\ty", "spaces or control characters"),
    ],
)
def test_bad_urls_are_refused_at_load_time_naming_file_entry_and_field(tmp_path, url, why):
    path = write(tmp_path, f'[[source]]\nid = "ok"\nname = "x"\nfeeds = ["{url}"]\n')
    with pytest.raises(ConfigError) as err:
        load_registry(path)
    msg = str(err.value)
    assert str(path) in msg and "source #1 'ok'" in msg and "field 'feeds'" in msg and why in msg


@pytest.mark.parametrize(
    "url", ["http://[::1]:8080/list.html", "https://卫健委.中国/", "http://127.0.0.1:65535/a?b=1#c", "http://x_y.gov.cn/"]
)
def test_good_urls_pass(tmp_path, url):
    path = write(tmp_path, f'[[source]]\nid = "ok"\nname = "x"\nlist_urls = ["{url}"]\n')
    assert load_registry(path)[0].list_urls == (url,)
