"""Bring the real set's pages from the repositories they were saved in, byte for byte, and add new ones.

The pages are third-party bytes and are not committed (tests/eval/real/README.md says why). Each label's
provenance names the repository, path, commit and git blob id of its page; this tool reads the page from a
local git copy of that repository (as the `fetch` tool leaves them: <mirror-root>/<owner>+<name>/repo, bare
or with a .git inside) and checks the bytes against the blob id before writing pages/<id>.html.

    python tests/eval/real/tools/pages.py fetch [--mirror-root DIR]
        write every page not found yet (in pages/ or the shared corpus) into pages/
    python tests/eval/real/tools/pages.py add OWNER/NAME PATH ID [--commit C] [--url U] [--gz]
        copy one page into pages/ and print a label skeleton: provenance filled in, every label field
        empty — the labeller writes them from the page as a reader sees it (visible_text.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

REAL = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REAL.parents[2]))  # the repository root, for yigai.eval_sets

from yigai.eval_sets import blob_sha1, load_set  # noqa: E402

logger = logging.getLogger("pages")
DEFAULT_MIRRORS = Path("/work/.mirror")
ID = re.compile(r"[a-z0-9-]+")


def git_dir(mirror_root: Path, repository: str) -> Path | None:
    base = mirror_root / repository.replace("/", "+") / "repo"
    for candidate in (base / ".git", base):
        if (candidate / "objects").is_dir():
            return candidate
    return None


def _git(gdir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gdir), *args], capture_output=True, check=True).stdout


def page_bytes(gdir: Path, commit: str, path: str, blob: str | None = None) -> tuple[bytes, str]:
    """(bytes, blob id) of PATH at COMMIT; with blob given, the commit must hold exactly that blob."""
    found = _git(gdir, "rev-parse", f"{commit}:{path}").decode().strip()
    if blob is not None and found != blob:
        raise ValueError(f"{commit}:{path} is blob {found}, the label says {blob}")
    data = _git(gdir, "cat-file", "blob", found)
    if blob_sha1(data) != found:
        raise ValueError(f"{commit}:{path}: bytes do not hash to {found}")
    return data, found


def write_page(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".gz":
        data = gzip.compress(data, mtime=0)  # no timestamp: the same page gives the same file
    target.write_bytes(data)


def fetch(real: Path, mirror_root: Path) -> int:
    """Write every page that is found nowhere; returns how many could not be brought."""
    labelled = load_set(real)
    labels = {json.loads(p.read_text(encoding="utf-8"))["html"]: p for p in (real / "labels").glob("*.json")}
    failed = 0
    for html in labelled.missing:
        prov = json.loads(labels[html].read_text(encoding="utf-8"))["provenance"]
        gdir = git_dir(mirror_root, prov["repository"])
        if gdir is None:
            logger.error("%s: no copy of %s under %s", html, prov["repository"], mirror_root)
            failed += 1
            continue
        try:
            data, _ = page_bytes(gdir, prov["commit"], prov["path"], prov["blob_sha1"])
        except (subprocess.CalledProcessError, ValueError) as exc:
            logger.error("%s: %s", html, exc)
            failed += 1
            continue
        write_page(real / html, data)
        logger.info("%s: %d bytes from %s", html, len(data), prov["repository"])
    logger.info("%d pages missing before, %d still missing", len(labelled.missing), failed)
    return failed


def add(real: Path, mirror_root: Path, repository: str, path: str, page_id: str, *, commit: str = "HEAD",
        url: str | None = None, gz: bool = False) -> dict:
    """Copy one page into pages/ and return its label skeleton (provenance only)."""
    if not ID.fullmatch(page_id):
        raise ValueError(f"id {page_id!r} is not [a-z0-9-]+")
    if (real / "labels" / f"{page_id}.json").exists():
        raise ValueError(f"id {page_id!r} is taken")
    gdir = git_dir(mirror_root, repository)
    if gdir is None:
        raise ValueError(f"no copy of {repository} under {mirror_root}")
    full_commit = _git(gdir, "rev-parse", f"{commit}^{{commit}}").decode().strip()
    data, blob = page_bytes(gdir, full_commit, path)
    html = f"pages/{page_id}.html" + (".gz" if gz else "")
    write_page(real / html, data)
    return {
        "id": page_id,
        "html": html,
        "provenance": {
            "repository": repository,
            "path": path,
            "commit": full_commit,
            "blob_sha1": blob,
            "original_url": url,
            "license": None,
            "retrieved": dt.date.today().isoformat(),
            "notes": "",
        },
        "url": url or "",
        "site_name": "",
        "home_region": None,
        "kind": "",
        "year": None,
        "title": "",
        "date": None,
        "source": None,
        "primary_region": None,
        "relevant": None,
        "topics": [],
        "body": "",
        "must_appear": [],
        "must_not_appear": [],
        "labelled_by": "",
        "notes": "",
    }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror-root", type=Path, default=DEFAULT_MIRRORS)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="bring every page not found yet")
    a = sub.add_parser("add", help="copy one page and print its label skeleton")
    a.add_argument("repository", metavar="OWNER/NAME")
    a.add_argument("path", metavar="PATH")
    a.add_argument("id", metavar="ID")
    a.add_argument("--commit", default="HEAD")
    a.add_argument("--url", help="the page's original address, if known")
    a.add_argument("--gz", action="store_true", help="store gzip-compressed (pages over ~300 KB)")
    args = parser.parse_args(argv)
    if args.command == "fetch":
        return 1 if fetch(REAL, args.mirror_root) else 0
    try:
        skeleton = add(REAL, args.mirror_root, args.repository, args.path, args.id, commit=args.commit,
                       url=args.url, gz=args.gz)
    except (ValueError, subprocess.CalledProcessError) as exc:
        logger.error("%s", exc)
        return 1
    sys.stdout.write(json.dumps(skeleton, ensure_ascii=False, sort_keys=True, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
