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
    published = SiteWriter(prev)
    published.write("same.html", b"same")
    published.write("changed.html", b"old")
    published.finish()
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


def test_a_published_file_removed_by_hand_is_made_again_and_counts_as_a_change(tmp_path):
    """The manifest says the published tree holds the file with this key; it does not. The writer makes it
    again and reports a change, so the build publishes instead of keeping the damaged site."""
    live = tmp_path / "live"
    live.mkdir()
    first = SiteWriter(live)
    first.emit("a.html", "k1", b"one")
    first.emit("b.html", "k2", b"two")
    first.finish()
    (live / "b.html").unlink()
    staging = tmp_path / "staging"
    staging.mkdir()
    again = SiteWriter(staging, previous=live)
    again.emit("a.html", "k1", b"one")
    again.emit("b.html", "k2", b"two")  # the link fails: made from the bytes
    again.finish()
    assert (staging / "a.html").stat().st_ino == (live / "a.html").stat().st_ino  # linked from the published tree
    assert (staging / "b.html").read_bytes() == b"two"
    assert again.written == ["b.html"] and again.unchanged == ["a.html"]
    assert again.changed_from_published()


def _generation(root: Path, files: dict[str, tuple[str, bytes]]) -> None:
    """A built tree: each path made from (key, bytes), with its manifest."""
    root.mkdir(parents=True)
    writer = SiteWriter(root)
    for rel, (key, data) in files.items():
        writer.emit(rel, key, data)
    writer.finish()


def test_keep_staged_records_what_emit_would_and_nothing_else(tmp_path):
    """Kept at once: the files the staging tree holds made from the same key. The outcome of a build that keeps
    them and emits the rest equals one that emits everything: files, manifest, written/unchanged, renders."""
    import random
    import shutil

    rng = random.Random(7)
    paths = [f"d{n % 7}/sub{n % 3}/p{n}.html" for n in range(300)] + [f"top{n}.html" for n in range(20)]
    older = {rel: (f"k{rng.randrange(3)}", f"v{rng.randrange(3)}".encode()) for rel in paths[:250]}
    newer = dict(older)
    for rel in rng.sample(paths, 120):
        newer[rel] = (f"k{rng.randrange(3)}", f"v{rng.randrange(3)}".encode())
    outputs = [(rel, f"k{rng.randrange(3)}", f"v{rng.randrange(3)}".encode()) for rel in paths[10:]]
    outputs[:100] = [(rel, *newer.get(rel, older.get(rel, ("k0", b"v0")))) for rel, _k, _d in outputs[:100]]
    outcomes = []
    for bulk in (False, True):
        base = tmp_path / ("bulk" if bulk else "each")
        _generation(base / "staging", older)
        _generation(base / "live", newer)
        writer = SiteWriter(base / "staging", previous=base / "live")
        renders: list[str] = []
        jobs = [
            (rel, key, lambda rel=rel, data=data, renders=renders: renders.append(rel) or data)
            for rel, key, data in outputs
        ]
        kept = writer.keep_staged([(rel, key) for rel, key, _render in jobs]) if bulk else set()
        if bulk:
            assert kept and kept == {rel for rel, key, _d in outputs if older.get(rel, ("",))[0] == key}
        for rel, key, render in jobs:
            if rel not in kept:
                writer.emit(rel, key, render)
        writer.finish()
        tree = {
            str(p.relative_to(base / "staging")): p.read_bytes() for p in (base / "staging").rglob("*") if p.is_file()
        }
        outcomes.append(
            (tree, writer.entries, sorted(writer.written), sorted(writer.unchanged), sorted(renders), writer.rendered)
        )
        shutil.rmtree(base)
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][4]  # some pages had to be rendered: the check above compared real work


def test_keep_staged_leaves_repeated_unusual_and_linked_paths_to_emit(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    names = ("a.html", "b.html", "c.html", "link/x.html")
    staging = tmp_path / "staging"
    _generation(staging, {rel: ("k", rel.encode()) for rel in names})
    (staging / "link" / "x.html").unlink()
    (staging / "link").rmdir()
    (staging / "link").symlink_to(outside, target_is_directory=True)
    writer = SiteWriter(staging)
    writer.emit("a.html", "k", b"a.html")
    kept = writer.keep_staged([("a.html", "k"), ("b.html", "k"), ("b.html", "k"), ("c.html", "k"), ("link/x.html", "k")])
    assert kept == {"c.html"}  # a: emitted already; b: given twice; link/x: under a symbolic link
    assert writer.unchanged == [] and sorted(writer.written) == ["a.html", "c.html"]
    with pytest.raises(WriterError, match="twice"):
        writer.emit("a.html", "k", b"a.html")
    writer.emit("b.html", "k", b"b.html")
    with pytest.raises(WriterError, match="twice"):
        writer.emit("b.html", "k", b"b.html")
    with pytest.raises(WriterError, match="escapes"):
        writer.emit("link/x.html", "k", b"x")
    assert list(outside.iterdir()) == []
    assert writer.keep_staged([("../a.html", "k"), ("d.html", "")]) == set()  # outside the root; no key
