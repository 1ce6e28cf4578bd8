"""The sharded Pagefind index: shard planning (stable keys), ``ShardIndexer`` (Pagefind's service mode, fed page
by page) against the real binary and against fake ones that fail in every way, the shard list, and a query in
a real browser that finds pages of every shard from a site served under a prefix."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.search import (
    PAGEFIND_ENV,
    SHARD_SIZE,
    SearchIndexError,
    Shard,
    ShardIndexer,
    find_pagefind,
    pagefind_version,
    plan_shards,
    write_shard_list,
)
from tests.conftest import REPO, require_or_skip

V = "pagefind 1.5.2"
UI_FILES = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")


def _pages(n: int, start: int = 0) -> list[tuple[str, str]]:
    return [(f"{i:016x}", f"digest-{i}") for i in range(start, start + n)]


# --- plan_shards ----------------------------------------------------------------------------------------------


def test_shards_are_consecutive_chunks_from_the_oldest_named_by_ordinal():
    shards = plan_shards(_pages(5), 2, V)
    assert [s.name for s in shards] == ["s0001", "s0002", "s0003"]
    assert [s.article_ids for s in shards] == [
        (f"{0:016x}", f"{1:016x}"),
        (f"{2:016x}", f"{3:016x}"),
        (f"{4:016x}",),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", s.key) for s in shards)
    assert len({s.key for s in shards}) == 3
    assert plan_shards(_pages(5), 2, version=V) == shards  # keyword or positional
    assert plan_shards([], 2, V) == []
    assert SHARD_SIZE == 2000 and len(plan_shards(_pages(4001), version=V)) == 3


def test_newer_pages_change_only_the_last_shard_or_append_shards():
    before = plan_shards(_pages(5), 2, V)
    one_more = plan_shards(_pages(6), 2, V)
    assert one_more[:2] == before[:2]  # names, ids and keys of the full shards are unchanged
    assert one_more[2].name == "s0003" and one_more[2].key != before[2].key
    assert len(one_more[2].article_ids) == 2
    three_more = plan_shards(_pages(9), 2, V)
    assert three_more[:3] == one_more
    assert [s.name for s in three_more[3:]] == ["s0004", "s0005"]


def test_a_changed_page_changes_only_its_shards_key():
    pages = _pages(7)
    before = plan_shards(pages, 3, V)
    pages[4] = (pages[4][0], "digest-4-edited")
    after = plan_shards(pages, 3, V)
    assert [a.key == b.key for a, b in zip(before, after, strict=True)] == [True, False, True]
    assert [a.article_ids for a in after] == [b.article_ids for b in before]


def test_the_pagefind_version_is_part_of_every_key():
    old = plan_shards(_pages(4), 2, V)
    new = plan_shards(_pages(4), 2, "pagefind 1.6.0")
    assert all(a.key != b.key for a, b in zip(old, new, strict=True))


def test_plan_shards_rejects_what_it_cannot_index():
    with pytest.raises(TypeError, match="version"):
        plan_shards(_pages(3), 2)
    with pytest.raises(ValueError, match="at least 1"):
        plan_shards(_pages(3), 0, V)
    with pytest.raises(ValueError, match="twice"):
        plan_shards(_pages(2) + _pages(1), 2, V)


def test_shard_list_is_newest_first_and_deterministic():
    shards = plan_shards(_pages(25), 2, V)  # s0001 … s0013
    path, data = write_shard_list(shards)
    assert path == "pagefind/shards.json"
    listed = json.loads(data)
    assert listed[:3] == ["s0013/", "s0012/", "s0011/"] and listed[-1] == "s0001/" and len(listed) == 13
    assert write_shard_list(list(reversed(shards))) == (path, data)
    assert data.endswith(b"\n")
    with pytest.raises(ValueError):
        write_shard_list([Shard("index", (), "")])


# --- ShardIndexer with the real Pagefind ----------------------------------------------------------------------


@pytest.fixture
def pagefind(monkeypatch) -> Path:
    monkeypatch.delenv(PAGEFIND_ENV, raising=False)
    binary = find_pagefind()
    require_or_skip(binary is not None, "the Pagefind binary", ".venv/bin/pip install 'pagefind[extended]'")
    return binary


WORDS = ["医共体", "医联体", "分级诊疗", "医保支付", "家庭医生", "公立医院", "药品集采", "远程医疗"]


def _article(n: int) -> bytes:
    """An article page shaped like the site's: navigation around a data-pagefind-body article."""
    word = WORDS[n % len(WORDS)]
    title = f"第{n}号报道：{word}建设取得新进展"
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><nav><a href='../index.html'>首页</a> 搜索 地区</nav>"
        f'<main id="main"><article class="article" data-pagefind-body data-pagefind-meta="date:2024-03-{n % 28 + 1:02d}">'
        f"<h1>{title}</h1><p>某市推进{word}建设，县医院与乡镇卫生院统一管理。</p>"
        f"<p>第{n}号报道的正文。群众在家门口看病。</p></article></main></body></html>"
    ).encode()


def _index(binary: Path, out: Path, scratch: Path, numbers: range, **kw) -> list[str]:
    with ShardIndexer(binary, out, scratch=scratch, **kw) as indexer:
        for n in numbers:
            indexer.add(f"/article/{n:016x}.html", _article(n))
        indexer.finish()
        files = indexer.wait()
        assert indexer.pages == len(numbers)
        if sys.platform.startswith("linux"):
            assert indexer.peak_rss and indexer.peak_rss > 1 << 20
    return files


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_shards_are_built_concurrently_and_listed(pagefind, tmp_path):
    scratch = tmp_path / "scratch"
    site = tmp_path / "site" / "pagefind"
    shards = plan_shards([(f"{n:016x}", str(n)) for n in range(7)], 4, pagefind_version(pagefind))
    assert [len(s.article_ids) for s in shards] == [4, 3]
    # As the build does it: the second shard is fed while the first one's Pagefind writes its bundle.
    first = ShardIndexer(pagefind, site / "s0001", scratch=scratch)
    second = None
    try:
        for n in range(4):
            first.add(f"/article/{n:016x}.html", _article(n))
        first.finish()
        second = ShardIndexer(pagefind, site / "s0002", scratch=scratch)
        for n in range(4, 7):
            second.add(f"/article/{n:016x}.html", _article(n))
        second.finish()
        files = {"s0001": first.wait(), "s0002": second.wait()}
    finally:
        first.close()
        if second is not None:
            second.close()
    rel, data = write_shard_list(shards)
    (site.parent / rel).write_bytes(data)
    assert json.loads((site / "shards.json").read_bytes()) == ["s0002/", "s0001/"]
    for name, count in (("s0001", 4), ("s0002", 3)):
        bundle = site / name
        assert files[name] == sorted(_tree(bundle))  # exactly what is on disk, sorted
        assert {"pagefind.js", "pagefind-entry.json", "pagefind-worker.js"} <= set(files[name])
        assert any(f.startswith("fragment/") for f in files[name]) and any(
            f.startswith("index/") for f in files[name]
        )
        assert not [f for f in files[name] if f.startswith(UI_FILES)]  # the unused UIs are not published
        entry = json.loads((bundle / "pagefind-entry.json").read_bytes())
        assert list(entry["languages"]) == ["zh"] and entry["languages"]["zh"]["page_count"] == count
    assert list(scratch.iterdir()) == []  # Pagefind's stderr file is gone; nothing else was written there


def test_the_same_pages_give_a_byte_identical_bundle(pagefind, tmp_path):
    first = _index(pagefind, tmp_path / "a" / "s0001", tmp_path / "scratch", range(40))
    second = _index(pagefind, tmp_path / "b" / "elsewhere" / "s0001", tmp_path / "scratch2", range(40))
    assert first == second
    assert _tree(tmp_path / "a" / "s0001") == _tree(tmp_path / "b" / "elsewhere" / "s0001")
    other = _index(pagefind, tmp_path / "c" / "s0001", tmp_path / "scratch", range(1, 41))
    assert _tree(tmp_path / "c" / "s0001") != _tree(tmp_path / "a" / "s0001")
    assert "pagefind.js" in other


def test_the_indexer_refuses_a_non_empty_output_and_a_relative_url(pagefind, tmp_path):
    stale = tmp_path / "s0001"
    (stale / "fragment").mkdir(parents=True)
    (tmp_path / "s0002" / "index").mkdir(parents=True)  # empty directories are fine
    (stale / "fragment" / "old.pf_fragment").write_bytes(b"x")
    with pytest.raises(ValueError, match="holds files"):
        ShardIndexer(pagefind, stale, scratch=tmp_path / "scratch")
    with ShardIndexer(pagefind, tmp_path / "s0002", scratch=tmp_path / "scratch") as indexer:
        with pytest.raises(ValueError, match="leading slash"):
            indexer.add("article/x.html", _article(1))
        indexer.add("/article/x.html", _article(1))
        indexer.finish()
        with pytest.raises(RuntimeError, match="after finish"):
            indexer.add("/article/y.html", _article(2))
        assert "pagefind.js" in indexer.wait()


# --- ShardIndexer against fake Pagefinds ----------------------------------------------------------------------

FAKE = """#!{python}
# A stand-in for `pagefind_extended --service` that misbehaves as MODE says.
import base64, json, os, sys, time
MODE = {mode!r}
with open({report!r}, "w") as report:
    json.dump({{"cwd": os.getcwd(), "argv": sys.argv[1:],
               "env": sorted(k for k in os.environ if k.startswith("PAGEFIND"))}}, report)
if MODE == "exit":
    sys.stderr.write("boom: no such option\\n")
    sys.exit(1)
if MODE == "hang":
    time.sleep(600)

def reply(message_id, payload):
    sys.stdout.buffer.write(base64.b64encode(json.dumps({{"message_id": message_id, "payload": payload}}).encode()) + b",")
    sys.stdout.flush()

buffer = b""
while True:
    chunk = sys.stdin.buffer.read1(65536)
    if not chunk:
        sys.exit(0)
    buffer += chunk
    while b"," in buffer:
        raw, buffer = buffer.split(b",", 1)
        message = json.loads(base64.b64decode(raw))
        message_id, payload = message["message_id"], message["payload"]
        if payload["type"] == "NewIndex":
            reply(message_id, {{"type": "NewIndex", "index_id": 0}})
        elif payload["type"] == "AddFile":
            if MODE == "crash":
                sys.stderr.write("thread 'main' panicked at fossick.rs\\n")
                sys.stderr.flush()
                os._exit(101)
            if MODE == "garbage":
                sys.stdout.buffer.write(b"this is not base64!,")
                sys.stdout.flush()
            elif MODE == "error" and payload["url"].endswith("/bad.html"):
                reply(message_id, {{"type": "Error", "message": "Failed to add file", "original_message": None}})
            else:
                reply(message_id, {{"type": "IndexedFile", "page_word_count": 1, "page_url": payload["url"],
                                    "page_meta": {{}}}})
        elif payload["type"] == "GetFiles":
            if MODE == "stall":
                time.sleep(600)
            names = ["pagefind.js", "pagefind-entry.json", "pagefind-ui.js", "pagefind-highlight.js"]
            names += ["../escaped.js"] if MODE == "escape" else ["fragment/zh_1.pf_fragment"]
            files = [{{"path": name, "content": base64.b64encode(name.encode()).decode()}} for name in names]
            reply(message_id, {{"type": "GetFiles", "files": files}})
"""


def _fake(tmp_path: Path, mode: str) -> tuple[Path, Path]:
    binary = tmp_path / f"fake-pagefind-{mode}"
    report = tmp_path / f"fake-pagefind-{mode}.json"
    binary.write_text(FAKE.format(python=sys.executable, mode=mode, report=str(report)))
    binary.chmod(0o755)
    return binary, report


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_killed_build_leaves_no_pagefind_running(tmp_path, pagefind):
    # A nightly run killed with SIGKILL (OOM killer, a timeout in cron) runs no cleanup code: Pagefind must end
    # by itself (its service ends when its input closes, which the kernel does when the build dies).
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from site_builder.search import ShardIndexer\n"
        f"ix = ShardIndexer(Path({str(pagefind)!r}), Path({str(tmp_path / 'out')!r}), scratch=Path({str(tmp_path / 's')!r}))\n"
        "ix.add('/article/a.html', '<html lang=zh-CN><body><p>医共体</p></body></html>')\n"
        "print(ix.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    build = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        pid = int(build.stdout.readline())
        assert _alive(pid)
    finally:
        build.kill()
        build.wait()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "Pagefind outlived the build that started it"


def test_pagefind_runs_in_a_clean_environment_and_scratch_directory(tmp_path, monkeypatch):
    binary, report = _fake(tmp_path, "ok")
    monkeypatch.setenv("PAGEFIND_SITE", "/elsewhere")
    monkeypatch.setenv("PAGEFIND_OUTPUT_SUBDIR", "x")
    scratch = tmp_path / "scratch"
    out = tmp_path / "out" / "s0001"
    with ShardIndexer(binary, out, scratch=scratch, timeout=30) as indexer:
        indexer.add("/article/a.html", b"<html><body>\xe5\x8c\xbb</body></html>")
        files = indexer.wait()
    assert files == ["fragment/zh_1.pf_fragment", "pagefind-entry.json", "pagefind.js"]  # not the UI files
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert written == {name: name.encode() for name in files}
    seen = json.loads(report.read_text())
    assert seen == {"cwd": str(scratch), "argv": ["--service"], "env": []}


def test_a_pagefind_that_exits_at_once_raises(tmp_path):
    binary, _ = _fake(tmp_path, "exit")
    started = time.monotonic()
    with pytest.raises(SearchIndexError, match=r"exit 1.*boom: no such option"):
        ShardIndexer(binary, tmp_path / "out", scratch=tmp_path / "scratch", timeout=30)
    assert time.monotonic() - started < 10


def test_a_pagefind_that_hangs_times_out_and_is_killed(tmp_path):
    binary, _ = _fake(tmp_path, "hang")
    started = time.monotonic()
    with pytest.raises(SearchIndexError, match="did not answer NewIndex within 1 s"):
        ShardIndexer(binary, tmp_path / "out", scratch=tmp_path / "scratch", timeout=1)
    assert time.monotonic() - started < 8


def test_a_pagefind_that_stalls_while_writing_times_out(tmp_path):
    binary, _ = _fake(tmp_path, "stall")
    indexer = ShardIndexer(binary, tmp_path / "out", scratch=tmp_path / "scratch", timeout=1)
    indexer.add("/article/a.html", b"<html></html>")
    indexer.finish()
    started = time.monotonic()
    with pytest.raises(SearchIndexError, match="did not answer GetFiles within 1 s"):
        indexer.wait()
    assert time.monotonic() - started < 8
    assert not _alive(indexer.pid)


def test_an_error_reply_names_the_page(tmp_path):
    binary, _ = _fake(tmp_path, "error")
    with ShardIndexer(binary, tmp_path / "out", scratch=tmp_path / "scratch", timeout=30) as indexer:
        indexer.add("/article/good.html", b"<html></html>")
        indexer.add("/article/bad.html", b"<html></html>")
        with pytest.raises(SearchIndexError, match=r"failed on /article/bad\.html: Failed to add file"):
            indexer.wait()


def test_a_bundle_file_outside_the_bundle_is_refused(tmp_path):
    binary, _ = _fake(tmp_path, "escape")
    with ShardIndexer(binary, tmp_path / "out", scratch=tmp_path / "scratch", timeout=30) as indexer:
        indexer.add("/article/a.html", b"<html></html>")
        with pytest.raises(SearchIndexError, match="outside its bundle"):
            indexer.wait()
    assert not (tmp_path / "escaped.js").exists() and list((tmp_path / "out").iterdir()) == []


def test_unreadable_replies_raise(tmp_path):
    binary, _ = _fake(tmp_path, "garbage")
    with ShardIndexer(binary, tmp_path / "out", scratch=tmp_path / "scratch", timeout=30) as indexer:
        indexer.add("/article/a.html", b"<html></html>")
        with pytest.raises(SearchIndexError, match="unreadable reply"):
            indexer.wait()


def test_a_pagefind_crash_while_pages_are_added_raises_from_add_and_wait(tmp_path):
    binary, _ = _fake(tmp_path, "crash")
    indexer = ShardIndexer(binary, tmp_path / "out", scratch=tmp_path / "scratch", timeout=30)
    started = time.monotonic()
    with pytest.raises(SearchIndexError, match=r"stopped unexpectedly \(exit 101\).*panicked"):
        for _ in range(10_000):
            indexer.add("/article/a.html", b"<html>" + b"x" * 50_000 + b"</html>")
            time.sleep(0.001)
    assert time.monotonic() - started < 10
    with pytest.raises(SearchIndexError, match="exit 101"):
        indexer.wait()
    assert not _alive(indexer.pid)


def test_leaving_the_with_block_on_an_error_kills_pagefind(tmp_path):
    binary, _ = _fake(tmp_path, "ok")
    with (
        pytest.raises(KeyError),
        ShardIndexer(binary, tmp_path / "out", scratch=tmp_path / "scratch", timeout=30) as indexer,
    ):
        indexer.add("/article/a.html", b"<html></html>")
        assert _alive(indexer.pid)
        raise KeyError("the build failed while rendering")
    assert not _alive(indexer.pid)
    indexer.close()  # idempotent


def test_a_missing_binary_raises(tmp_path):
    with pytest.raises(SearchIndexError, match="could not run"):
        ShardIndexer(tmp_path / "nope", tmp_path / "out", scratch=tmp_path / "scratch")


# --- a query in a real browser --------------------------------------------------------------------------------
