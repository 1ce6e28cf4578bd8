"""Bounded extraction: peak memory and time of one page of growing size, with and without the size limit.

Each page is written to a temporary file (a short story at the top, then filler blocks of text, as a page
with a huge comment thread or a data dump looks) and extracted in a child process, as ``yigai inspect``
does, whose peak memory is measured (bench._common.run_child). With the limit ([extract] max_html_bytes,
default 5 MiB) the cost stops growing at the limit; without it, it grows with the page (a 50 MB page took
4.6 GB and 95 s before the limit existed, so the unlimited runs stop at --max-unlimited MB).

    python bench/extract_size.py [--sizes 1,5,20,50] [--max-unlimited 10]
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/ must not shadow the project's extract/ package
    _ROOT = Path(__file__).resolve().parent.parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]
    sys.path.insert(0, str(_ROOT))

import argparse
import logging
import tempfile

from bench._common import project_env, run_child

logger = logging.getLogger(__name__)

STORY = "县医院牵头组建紧密型县域医共体，乡镇卫生院纳入统一管理，群众就近看病更方便。"
NO_LIMIT = 1 << 40

_CHILD = """
import sys
from extract import extract_article
path, limit = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as fh:
    body = fh.read(limit + 1) if limit < {no_limit} else fh.read()
art = extract_article(body, "http://bench.example.cn/a.html", max_bytes=limit)
print(art.truncated_from or 0, len(art.text))
"""


def write_page(path: Path, megabytes: float) -> int:
    head = f"<html><head><title>医共体</title></head><body><h1>某县推进医共体建设</h1><p>{STORY}</p>"
    block = "<div class='comment'><p>" + "网友留言：支持医改，希望早日见效。" * 6 + "</p></div>\n"
    target = int(megabytes * 1024 * 1024)
    with path.open("wb") as fh:
        fh.write(head.encode())
        data = block.encode()
        written = len(head.encode())
        while written < target:
            fh.write(data)
            written += len(data)
        fh.write(b"</body></html>")
    return path.stat().st_size


def measure(sizes: list[float], max_unlimited: float, timeout: float) -> list[dict]:
    from extract.core import MAX_HTML_BYTES

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mb in sizes:
            page = Path(tmp) / f"page-{mb}.html"
            size = write_page(page, mb)
            for limit in (MAX_HTML_BYTES, NO_LIMIT):
                if limit == NO_LIMIT and mb > max_unlimited:
                    continue
                run = run_child(
                    [sys.executable, "-c", _CHILD.format(no_limit=NO_LIMIT), str(page), str(limit)],
                    env=project_env(), timeout=timeout,
                )
                rows.append({
                    "page_mb": round(size / 1024 / 1024, 1),
                    "limit": "5 MiB" if limit == MAX_HTML_BYTES else "none",
                    "seconds": round(run.seconds, 1),
                    "peak_mb": round(run.max_rss_mb),
                    "ok": run.returncode == 0,
                })
                if run.returncode != 0:
                    logger.error("%s", run.stderr[-2000:])
                logger.info("%s", rows[-1])
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = ["| page | limit | time (s) | peak memory (MB) | ok |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['page_mb']} MB | {r['limit']} | {r['seconds']} | {r['peak_mb']} | {'yes' if r['ok'] else 'NO'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,5,20,50", help="page sizes in MB, comma-separated")
    parser.add_argument("--max-unlimited", type=float, default=10.0, help="largest page run without the limit (MB)")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = measure([float(s) for s in args.sizes.split(",")], args.max_unlimited, args.timeout)
    sys.stdout.write(format_rows(rows) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
