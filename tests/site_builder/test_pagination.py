"""Lists are numbered from the oldest story, so the pages of a growing list stay as they were."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from site_builder.pages import paginate
from tests.site_builder.site_fixtures import listed_context, make_record


def _articles(n: int, tmp_path):
    start = datetime(2024, 1, 1, 8, 0)
    rows = []
    for i in range(n):
        rec = make_record(
            f"https://example.gov.cn/{i}.html",
            title=f"报道{i}",
            text="医共体建设。",
            published=(start + timedelta(days=i)).isoformat() + "+08:00",
            regions=[],
        )
        rows.append(rec)
    return listed_context(rows, tmp_path / f"{n}.sqlite3").articles  # newest first


def _pages(items, size=3):
    return {path: ([a.id for a in chunk], pager) for path, chunk, pager in paginate(items, size, "x/")}


@pytest.mark.parametrize("n", range(0, 16))
def test_every_story_is_listed_once_newest_first(n, tmp_path):
    items = _articles(n, tmp_path)
    listed = [aid for path, (ids, _p) in sorted(_pages(items).items(), key=_order) for aid in ids]
    assert listed == [a.id for a in items]
    first = _pages(items)["x/index.html"][0]
    assert len(first) == n if n < 3 else 3 <= len(first) < 6


def _order(item):
    path = item[0]
    return (0, 0) if path.endswith("index.html") else (1, -int(path.rsplit("/", 1)[1].split(".")[0]))


@pytest.mark.parametrize("n", range(0, 16))
def test_a_newer_story_leaves_older_pages_alone(n, tmp_path):
    all_items = _articles(n + 1, tmp_path)
    before, after = _pages(all_items[1:]), _pages(all_items)  # all_items[0] is the newest
    for path, (ids, pager) in before.items():
        if path == "x/index.html":
            continue
        assert path in after
        assert after[path][0] == ids  # the same stories on the same numbered page
        if after[path][1] != pager:  # only its link to the next newer page may change, to a new page
            assert pager.newer == "x/index.html" and after[path][1].newer not in before
            assert after[path][1].newer in after


def test_pager_links_and_spans(tmp_path):
    items = _articles(12, tmp_path)  # size 3: chunks 1..4, the first page shows chunk 4; pages 1..3 numbered
    pages = _pages(items)
    assert sorted(pages) == ["x/index.html", "x/page/1.html", "x/page/2.html", "x/page/3.html"]
    first = pages["x/index.html"][1]
    assert (first.number, first.newer, first.older, first.latest) == (0, None, "x/page/3.html", None)
    p1 = pages["x/page/1.html"][1]
    assert (p1.newer, p1.older, p1.oldest, p1.latest) == ("x/page/2.html", None, None, "x/index.html")
    p3 = pages["x/page/3.html"][1]
    assert (p3.newer, p3.older, p3.oldest, p3.latest) == ("x/index.html", "x/page/2.html", "x/page/1.html", None)
    assert p1.span == "2024-01-01 至 2024-01-03"
