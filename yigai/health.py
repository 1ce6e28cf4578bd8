"""Source health from the store: the silent failures users of scheduled scrapers complain about most.

A source is flagged when its last run failed, when a list page stopped yielding article links (a redesign),
when it has been silent for longer than its usual cadence, or when its newest article is older than N days.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from yigai.config import Settings, placeholder_base_url_warning
from yigai.store import BENIGN_ERROR_KINDS, Store

# Shown by `yigai status` and on the about page for a source crawled with an inferred pattern (never silently).
REDESIGNED_FLAG = "redesigned — inferred pattern in use"
REDESIGNED_FLAG_ZH = "网站已改版，正按推断的链接规则抓取"


@dataclass
class SourceHealth:
    source_id: str
    name: str
    last_run: int | None = None
    requests: int = 0
    pages_new: int = 0
    not_modified: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    articles: int = 0
    newest: datetime | None = None
    flags: list[str] = field(default_factory=list)  # for `yigai status` (English, as the command line)
    flags_zh: list[str] = field(default_factory=list)  # the same flags for the site's readers (about page)

    def flag(self, english: str, chinese: str) -> None:
        self.flags.append(english)
        self.flags_zh.append(chinese)

    @property
    def healthy(self) -> bool:
        return not self.flags

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["newest"] = self.newest.isoformat() if self.newest else None
        d["healthy"] = self.healthy
        return d


# Error kinds (crawler/errors.py) as the about page names them.
ERROR_KINDS_ZH = {
    "http_5xx": "服务器错误（5xx）",
    "http_4xx": "页面错误（4xx）",
    "timeout": "超时",
    "dns": "域名无法解析",
    "connection": "连接失败",
    "too_large": "页面过大",
    "truncated": "传输中断",
    "empty_body": "空页面",
    "binary": "非网页文件",
    "wrong_type": "类型不符",
    "robots_forbidden": "robots.txt 禁止",
    "list_no_links": "列表页无文章链接",
    "parse_error": "解析失败",
    "budget_exhausted": "超出抓取预算",
    "other": "其他错误",
}


def _errors_en(errors: dict[str, int]) -> str:
    return ", ".join(f"{k}×{v}" for k, v in sorted(errors.items()))


def _errors_zh(errors: dict[str, int]) -> str:
    return "、".join(f"{ERROR_KINDS_ZH.get(k, k)} {v} 次" for k, v in sorted(errors.items()))


def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    try:
        dt = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _fraction(published: str) -> float:
    """The fractional seconds of an ISO 8601 time (``strftime('%s')`` drops them)."""
    dot = published.find(".", 17)
    if dot < 0:
        return 0.0
    end = dot + 1
    while end < len(published) and published[end].isdigit():
        end += 1
    return float(published[dot:end]) if end > dot + 1 else 0.0


def source_health(store: Store, settings: Settings, now: datetime | None = None) -> list[SourceHealth]:
    """Health of every registered source, in id order."""
    now = now or datetime.now(UTC)
    stale_days = int(settings.section("crawl").get("stale_after_days", 14))
    # Timestamps, not datetimes: sorting 100,000 aware datetimes costs more than the query. The store reads the
    # ISO 8601 strings itself where it can (``publication_times``); what it cannot read is parsed here.
    stamps: dict[str, list[float]] = {}
    newest: dict[str, tuple[float, str]] = {}  # source -> (timestamp, its published string)
    for source_id, epoch, published in store.publication_times():
        if epoch is not None:
            stamp = epoch + _fraction(published)
        else:
            dt = _parse(published)
            if dt is None:
                continue
            stamp = dt.timestamp()
        stamps.setdefault(source_id, []).append(stamp)
        if source_id not in newest or stamp > newest[source_id][0]:
            newest[source_id] = (stamp, published)
    out: list[SourceHealth] = []
    for src in store.sources():
        h = SourceHealth(source_id=src["id"], name=src["name"])
        history = store.source_history(src["id"], limit=10)
        if history:
            last = history[0]
            h.last_run = last["run_id"]
            h.requests, h.pages_new, h.not_modified = last["requests"], last["pages_new"], last["not_modified"]
            h.errors = json.loads(last["errors_json"])
            h.seconds = last["seconds"]
            real_errors = {k: v for k, v in h.errors.items() if k not in BENIGN_ERROR_KINDS}
            if real_errors and h.pages_new == 0 and h.not_modified == 0:
                h.flag("failing: " + _errors_en(real_errors), "抓取失败：" + _errors_zh(real_errors))
            elif real_errors:
                h.flag("errors: " + _errors_en(real_errors), "部分请求出错：" + _errors_zh(real_errors))
            if h.errors.get("pattern_inferred"):
                h.flag(REDESIGNED_FLAG, REDESIGNED_FLAG_ZH)
            if h.errors.get("list_no_links"):
                h.flag(
                    "a list page yielded no article links (site redesigned?)",
                    "列表页没有找到文章链接（网站可能已改版）",
                )
        else:
            h.flag("never crawled", "尚未抓取")
        pub = sorted(stamps.get(src["id"], []))
        h.articles = len(pub)
        if pub:
            h.newest = _parse(newest[src["id"]][1]) or datetime.fromtimestamp(newest[src["id"]][0], UTC)
            age = now - h.newest
            if age > timedelta(days=stale_days):
                h.flag(
                    f"newest article is {age.days} days old (limit {stale_days})",
                    f"最新文章已 {age.days} 天（上限 {stale_days} 天）",
                )
            elif len(pub) >= 4:
                gaps = [b - a for a, b in zip(pub, pub[1:], strict=False)]
                cadence = statistics.median(gaps)
                if cadence > 0 and age.total_seconds() > max(3 * cadence, 3 * 86400):
                    h.flag(
                        f"silent for {age.days} days, longer than its usual cadence (~{cadence / 86400:.1f} days)",
                        f"已 {age.days} 天没有新文章，长于其通常的更新间隔（约 {cadence / 86400:.1f} 天）",
                    )
        elif history:
            h.flag("no article yet", "尚无文章")
        out.append(h)
    return out


def format_status(store: Store, settings: Settings, runs: int = 5) -> str:
    lines = [f"store: {store.location}", "", "last runs:"]
    warning = placeholder_base_url_warning(settings)
    if warning:
        lines[1:1] = ["", f"WARNING: {warning}"]
    rows = store.runs(runs)
    if not rows:
        lines.append("  (none)")
    for r in rows:
        stats = json.loads(r["stats_json"] or "{}")
        summary = stats.get("summary", "")
        lines.append(
            f"  #{r['id']:<4} {r['started_at']}  {r['status']:<11} {r['command']:<8} {summary}".rstrip()
        )
    health = source_health(store, settings)
    bad = [h for h in health if not h.healthy]
    lines += ["", f"sources: {len(health)} ({len(health) - len(bad)} healthy, {len(bad)} flagged)"]
    lines.append(f"  {'source':<16} {'req':>5} {'new':>5} {'304':>5} {'articles':>8}  newest      flags")
    for h in health:
        newest = h.newest.date().isoformat() if h.newest else "-"
        flags = "; ".join(h.flags) if h.flags else "ok"
        lines.append(
            f"  {h.source_id:<16} {h.requests:>5} {h.pages_new:>5} {h.not_modified:>5} {h.articles:>8}  "
            f"{newest:<10}  {flags}"
        )
    return "\n".join(lines)
