"""The labelled page sets that `yigai eval` scores: reading their labels and finding their pages.

Two layouts, told apart by what the directory holds:

- a synthetic set (tests/eval): `manifest.jsonl`, one JSON object per page, pages beside it;
- a real set (tests/eval/real): `labels/<id>.json`, one JSON object per page (tests/eval/real/README.md).
  Its pages are not all inside the set: each is looked up by file name in the set's `pages/` and then in
  the directories listed as `shared_page_dirs` in its `dataset.toml` (relative to the set), such as the
  shared corpus beside the checkout. A page found nowhere is missing: reported, never scored as a zero.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED = ("html", "url", "title", "date", "source", "primary_region", "relevant", "body")


@dataclass
class LabelledPage:
    html: str
    url: str
    title: str
    date: str | None
    source: str | None
    primary_region: dict | None
    relevant: bool
    body: str
    must_appear: list[str] = field(default_factory=list)
    must_not_appear: list[str] = field(default_factory=list)
    home_region: str | None = None
    site_name: str | None = None
    topics: list[str] | None = None  # None: the page's topics are not labelled (the synthetic set)

    @classmethod
    def from_json(cls, obj: dict) -> LabelledPage:
        known = {k: obj[k] for k in cls.__dataclass_fields__ if k in obj}
        missing = set(REQUIRED) - known.keys()
        if missing:
            raise ValueError(f"label {obj.get('html')!r} lacks {sorted(missing)}")
        return cls(**known)


@dataclass
class LabelledSet:
    """A set's labels and where each page's bytes are (None: found nowhere)."""

    directory: Path
    labels: list[LabelledPage]
    paths: dict[str, Path | None]  # label.html -> file
    shared: frozenset[str] = frozenset()  # label.html of the pages found in a shared page directory

    @property
    def missing(self) -> list[str]:
        return [label.html for label in self.labels if self.paths.get(label.html) is None]


def blob_sha1(data: bytes) -> str:
    """The git blob id of these bytes (`git hash-object`): how a label names its page's exact bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_page(path: Path) -> bytes:
    """A page's exact bytes; a page stored as `.gz` (allowed for large pages) is decompressed."""
    raw = Path(path).read_bytes()
    return gzip.decompress(raw) if Path(path).suffix == ".gz" else raw


def is_real_set(directory: Path) -> bool:
    return (Path(directory) / "labels").is_dir()


def load_manifest(dataset_dir: Path) -> list[LabelledPage]:
    path = Path(dataset_dir) / "manifest.jsonl"
    pages = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                pages.append(LabelledPage.from_json(json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: {exc}") from exc
    return pages


def load_labels(dataset_dir: Path) -> list[LabelledPage]:
    """A real set's labels/*.json, in file-name order."""
    pages = []
    for path in sorted((Path(dataset_dir) / "labels").glob("*.json")):
        try:
            pages.append(LabelledPage.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
    return pages


def shared_page_dirs(dataset_dir: Path) -> list[Path]:
    """The directories outside the set where its pages may be (dataset.toml's shared_page_dirs)."""
    config = Path(dataset_dir) / "dataset.toml"
    if not config.is_file():
        return []
    dirs = tomllib.loads(config.read_text(encoding="utf-8")).get("shared_page_dirs", [])
    return [(Path(dataset_dir) / d).resolve() for d in dirs]


def load_set(dataset_dir: Path) -> LabelledSet:
    """Labels of either layout, with each page's file located."""
    dataset_dir = Path(dataset_dir)
    if not is_real_set(dataset_dir):
        labels = load_manifest(dataset_dir)
        return LabelledSet(dataset_dir, labels, {lab.html: dataset_dir / lab.html for lab in labels})
    labels = load_labels(dataset_dir)
    elsewhere = shared_page_dirs(dataset_dir)
    paths: dict[str, Path | None] = {}
    shared = set()
    for label in labels:
        name = Path(label.html).name
        in_shared = [d / name for d in elsewhere if (d / name).is_file()]
        if in_shared:
            shared.add(label.html)
        own = dataset_dir / label.html
        paths[label.html] = own if own.is_file() else (in_shared[0] if in_shared else None)
    return LabelledSet(dataset_dir, labels, paths, frozenset(shared))


__all__ = [
    "LabelledPage",
    "LabelledSet",
    "blob_sha1",
    "is_real_set",
    "load_labels",
    "load_manifest",
    "load_set",
    "read_page",
    "shared_page_dirs",
]
