"""Bring the real list pages of tests/crawler/real_lists from the repositories they were saved in.

The pages are third-party bytes and are never committed (the labels carry their provenance: repository, path,
commit and git blob id). This reads each from a local git copy of its repository (as the `fetch` tool leaves
them: <mirror-root>/<owner>+<name>/repo) and checks the bytes against the blob id before writing
pages/<id>.html, which .gitignore keeps out of commits. The tests skip the pages that are not there.

    python tests/crawler/real_lists/tools/pages.py [--mirror-root DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE.parents[2] / "tests" / "eval" / "real" / "tools"))

from pages import DEFAULT_MIRRORS, git_dir, page_bytes  # noqa: E402  (the real set's tool: same provenance rules)

logger = logging.getLogger("real_lists")


_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)


def page_part(data: bytes, part: str) -> bytes:
    """The page inside the saved file, as the label's ``provenance.part`` names it:

    - "whole file": the file is the page;
    - "template literal": a JavaScript module holding the page as ``export default `<html>…</html>` ``: the
      bytes between the first and the last backtick;
    - "first document": a crawler saved several responses one after the other (a list page, then its next
      pages or the site's feed): the bytes up to the end of the first ``</html>``."""
    if part == "whole file":
        return data
    if part == "template literal":
        start, end = data.index(b"`") + 1, data.rindex(b"`")
        if end <= start:
            raise ValueError("no template literal around the page")
        return data[start:end]
    if part == "first document":
        end = _HTML_END.search(data)
        if end is None:
            raise ValueError("no </html> ends a first document")
        return data[: end.end()]
    raise ValueError(f"unknown part {part!r}")


def fetch(mirror_root: Path) -> int:
    """Write every labelled page not yet in pages/; returns how many could not be brought."""
    failed = 0
    for label_file in sorted((HERE / "labels").glob("*.json")):
        label = json.loads(label_file.read_text(encoding="utf-8"))
        target = HERE / "pages" / f"{label['id']}.html"
        if target.exists():
            continue
        prov = label["provenance"]
        gdir = git_dir(mirror_root, prov["repository"])
        if gdir is None:
            logger.error("%s: no copy of %s under %s (fetch it first)", label["id"], prov["repository"], mirror_root)
            failed += 1
            continue
        data, _ = page_bytes(gdir, prov["commit"], prov["path"], prov["blob_sha1"])
        data = page_part(data, prov.get("part", "whole file"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        logger.info("%s: %d bytes from %s", label["id"], len(data), prov["repository"])
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror-root", type=Path, default=DEFAULT_MIRRORS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return 1 if fetch(args.mirror_root) else 0


if __name__ == "__main__":
    sys.exit(main())
