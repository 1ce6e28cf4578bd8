"""SiteWriter refuses duplicates and escapes; publish_atomically swaps whole trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_builder import SiteWriter, WriterError, publish, publish_atomically


def test_writer_writes_and_refuses_a_second_write(tmp_path):
    w = SiteWriter(tmp_path / "root")
    (tmp_path / "root").mkdir()
    w.write("a/b/c.html", b"x")
    assert (tmp_path / "root/a/b/c.html").read_bytes() == b"x"
    with pytest.raises(WriterError, match="twice"):
        w.write("a/b/c.html", b"y")
    assert (tmp_path / "root/a/b/c.html").read_bytes() == b"x"


@pytest.mark.parametrize(
    "bad",
    ["../x.html", "/etc/passwd", "a/../../x", "a//b", "./a", "a/", "", "a\\b", "a/\x00b", "..", "a/./b"],
)
def test_writer_refuses_paths_outside_the_root(tmp_path, bad):
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(WriterError):
        SiteWriter(root).write(bad, b"x")
    assert list(root.iterdir()) == []


def test_writer_refuses_symlink_escape(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(WriterError, match="escapes"):
        SiteWriter(root).write("link/x.html", b"x")
    assert list(outside.iterdir()) == []


def test_writer_links_unchanged_files_from_the_previous_site(tmp_path):
    prev, root = tmp_path / "prev", tmp_path / "root"
    prev.mkdir()
    root.mkdir()
    (prev / "same.html").write_bytes(b"same")
    (prev / "changed.html").write_bytes(b"old")
    os.utime(prev / "same.html", ns=(1_000_000_000, 1_000_000_000))
    w = SiteWriter(root, previous=prev)
    w.write("same.html", b"same")
    w.write("changed.html", b"new")
    assert w.unchanged == ["same.html"] and w.written == ["changed.html"]
    assert os.stat(root / "same.html").st_mtime_ns == 1_000_000_000
    assert os.stat(root / "same.html").st_ino == os.stat(prev / "same.html").st_ino
    assert (root / "changed.html").read_bytes() == b"new"
    assert (prev / "changed.html").read_bytes() == b"old"  # the live site is never written to


def _tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


def test_publish_into_a_new_target(tmp_path):
    staging, target = tmp_path / "staging", tmp_path / "output"
    (staging / "d").mkdir(parents=True)
    (staging / "d/x.html").write_bytes(b"x")
    publish_atomically(staging, target)
    assert _tree(target) == {"d/x.html": b"x"}
    assert not staging.exists()


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "fallback"])
def test_publish_replaces_an_existing_target(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(publish, "_renameat2_exchange", lambda a, b: False)
    staging, target = tmp_path / "staging", tmp_path / "output"
    target.mkdir()
    (target / "old.html").write_bytes(b"old")
    (target / "keep.html").write_bytes(b"v1")
    staging.mkdir()
    (staging / "keep.html").write_bytes(b"v2")
    (staging / "new.html").write_bytes(b"new")
    publish_atomically(staging, target)
    assert _tree(target) == {"keep.html": b"v2", "new.html": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_publish_refuses_a_file_target(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    (tmp_path / "output").write_text("not a dir")
    with pytest.raises(NotADirectoryError):
        publish_atomically(staging, tmp_path / "output")


@pytest.mark.parametrize("damage", ["a.html\tk1\n", "a.html\tk1\td1\textra\n", "\n"])
def test_a_damaged_manifest_trusts_nothing_so_the_page_is_made_again(tmp_path, damage):
    from site_builder.writer import MANIFEST_HEADER, MANIFEST_NAME, read_manifest

    site = tmp_path / "site"
    site.mkdir()
    first = SiteWriter(site)
    first.emit("a.html", "k1", lambda: b"one")
    first.finish()
    assert read_manifest(site) == {"a.html": ("k1", read_manifest(site)["a.html"][1])}
    (site / MANIFEST_NAME).write_text(MANIFEST_HEADER + "b.html\tk2\td2\n" + damage, "utf-8")
    assert read_manifest(site) == {}
    again = SiteWriter(site)
    calls = []
    again.emit("a.html", "k1", lambda: calls.append(1) or b"two")
    again.finish()
    assert calls == [1] and (site / "a.html").read_bytes() == b"two"  # the same key was not trusted
