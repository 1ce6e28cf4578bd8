"""Benchmark (not a test): extract_article vs bare trafilatura.extract over ../shared/corpus/gne.

Run: .venv/bin/python tests/extract/bench_extract_speed.py   — target ratio ≤ 1.3.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import trafilatura

from extract import extract_article


def _best(fn, items, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    pages = [p.read_bytes() for p in sorted((REPO / ".." / "shared" / "corpus" / "gne").glob("*.html"))]
    if not pages:
        sys.stderr.write("corpus not found\n")
        return 1
    texts = [b.decode("utf-8") for b in pages]
    extract_article(pages[0], "https://bench.example/0")  # warm-up: OpenCC, gazetteer, taxonomy
    trafilatura.extract(texts[0])
    base = _best(trafilatura.extract, texts)
    ours = _best(lambda b: extract_article(b, "https://bench.example/a"), pages)
    sys.stdout.write(
        f"pages={len(pages)} trafilatura={base:.3f}s extract_article={ours:.3f}s ratio={ours / base:.3f}\n"
    )
    return 0 if ours / base <= 1.3 else 2


if __name__ == "__main__":
    raise SystemExit(main())
