"""Benchmarks (``make bench`` → ``bench/run_all.py``, which rewrites docs/benchmarks.md).

Not part of ``make test``; ``tests/test_bench_smoke.py`` runs a tiny version of each so they cannot rot.
Each module runs alone too: ``python bench/extract.py``, ``python bench/crawl.py``, ``python bench/build.py``.
"""
