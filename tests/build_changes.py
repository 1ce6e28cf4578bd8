"""Helpers for ``test_build_incremental``: a synthetic store that changes step by step (``StoreSim``) and a
byte-for-byte comparison of two built trees (``tree_diff``).

Everything is seeded (``random.Random``) and dated in 2024, so a failing sequence can be replayed from its seed.
Rows are written the ways the stages write them: ``Store.save_article`` (INSERT OR REPLACE, as extraction
does, which also lists the article: its regions, topics, story time and content digest, migration 8) and
``Store.set_groups`` (syndication grouping); a deleted row (SQL DELETE, a hand-made removal) is unlisted by
the store's trigger. All text is invented for the tests.
"""

from __future__ import annotations

import json
import os
import random
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

from tests.site_builder.site_fixtures import region  # one tagged region, as the extractor writes it
from yigai.config import Source
from yigai.store import SourceStats, Store
from yigai.urls import article_id

CHINA = timezone(timedelta(hours=8))
START = datetime(2024, 1, 1, tzinfo=CHINA)
SPAN_DAYS = 180  # the initial stories: Jan–Jun 2024 (six months, so six month lists)

NATIONAL = {"code": "000000", "province": None, "city": None, "county": None, "national": True, "weight": 1.0}

# Real GB/T 2260 codes and names (the site shows the division table's names whatever a row says): provinces, prefectures, counties under a prefecture, districts of a municipality (no city) and
# a province-administered city (仙桃, no city).
REGION_POOL: list[dict[str, Any]] = [
    region("130000", "河北省"),
    region("130400", "河北省", "邯郸市"),
    region("130434", "河北省", "邯郸市", "魏县"),
    region("130425", "河北省", "邯郸市", "大名县"),
    region("130100", "河北省", "石家庄市"),
    region("130123", "河北省", "石家庄市", "正定县"),
    region("330000", "浙江省"),
    region("330500", "浙江省", "湖州市"),
    region("330521", "浙江省", "湖州市", "德清县"),
    region("330127", "浙江省", "杭州市", "淳安县"),
    region("110101", "北京市", None, "东城区"),
    region("110105", "北京市", "北京市", "朝阳区"),  # the extractor may name the municipality as the city too
    region("510000", "四川省"),
    region("510121", "四川省", "成都市", "金堂县"),
    region("429004", "湖北省", None, "仙桃市"),
    region("440305", "广东省", "深圳市", "南山区"),
]
PROVINCE_POOL = [r for r in REGION_POOL if r["code"].endswith("0000")]

TOPICS: list[tuple[str, str]] = [
    ("county_medical_community", "县域医共体"),
    ("medical_alliance", "医联体/城市医疗集团"),
    ("tiered_care", "分级诊疗/双向转诊"),
    ("regional_medical_center", "国家区域医疗中心"),
    ("payment_reform", "医保支付改革"),
    ("primary_care", "基层医疗"),
]

SOURCES = [
    Source(
        id="prov_hebei", name="河北省卫生健康委员会", home_region="河北省", list_urls=("https://x.example/",)
    ),
    Source(
        id="prov_zhejiang",
        name="浙江省卫生健康委员会",
        home_region="浙江省",
        list_urls=("https://x.example/",),
    ),
    Source(id="nhc", name="国家卫生健康委员会", list_urls=("https://x.example/",)),
    Source(id="news", name="某新闻网", list_urls=("https://x.example/",)),
    Source(id="quiet", name="未运行的来源", list_urls=("https://x.example/",)),
]
SOURCE_HOSTS = {
    "prov_hebei": ("wsjkw.hebei.example.gov.cn", "河北省卫生健康委员会"),
    "prov_zhejiang": ("wsjkw.zj.example.gov.cn", "浙江省卫生健康委员会"),
    "nhc": ("www.nhc.example.gov.cn", "国家卫生健康委员会"),
    "news": ("news.example.com", "某新闻网"),
}

_PHRASES = [
    "紧密型县域医共体建设",
    "城市医疗集团网格化布局",
    "分级诊疗制度建设",
    "双向转诊绿色通道",
    "医保支付方式改革",
    "优质医疗资源扩容下沉",
    "家庭医生签约服务",
    "远程医疗协作网",
    "醫共體信息化建設",  # traditional characters: the search index folds them
    "检查检验结果互认",
]
_CLAUSES = [
    "今年以来，各地持续推进{0}，分工协作机制进一步完善",
    "牵头医院向乡镇卫生院派驻专家，群众在家门口就能看上病",
    "有关负责人介绍，下一步将按季度通报{0}进展情况",
    "截至目前，县域内就诊率明显提高，{1}取得阶段性成效",
    "会议要求，把{1}作为深化医改的重点任务 & 逐项明确<牵头部门>和完成时限",
]


def iso(when: datetime) -> str:
    return when.isoformat()


@dataclass
class StoreSim:
    """A store of synthetic articles plus the random changes a night (or an operator) makes to it."""

    store: Store
    rng: random.Random
    n: int = 0  # articles made so far (numbers their URLs)
    newest: datetime = START
    runs: int = 0
    log: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------------------------------ making rows
    def _text(self) -> str:
        rng = self.rng
        paragraphs = []
        for _ in range(rng.randint(1, 4)):
            clauses = [
                rng.choice(_CLAUSES).format(rng.choice(_PHRASES), rng.choice(_PHRASES)) for _ in range(3)
            ]
            paragraphs.append("，".join(clauses) + "。")
        return "\n".join(paragraphs)

    def _regions(self, primary: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        rng = self.rng
        if primary is None:
            if rng.random() < 0.12:
                return [dict(NATIONAL)]
            primary = rng.choice(REGION_POOL)
        regions = [dict(primary)]
        if rng.random() < 0.25:
            extra = rng.choice(PROVINCE_POOL)
            if extra["code"][:2] != primary["code"][:2]:
                regions.append(dict(extra, weight=0.2))
        return regions

    def _topics(self, topic: tuple[str, str] | None = None) -> list[dict[str, str]]:
        rng = self.rng
        chosen = [topic] if topic else []
        k = rng.choice([0, 1, 1, 1, 2, 2, 3])
        for t in rng.sample(TOPICS, k):
            if t not in chosen:
                chosen.append(t)
        return [{"id": tid, "label": label} for tid, label in chosen]

    def record(
        self,
        published: datetime | None,
        *,
        regions: list[dict[str, Any]] | None = None,
        topics: list[dict[str, str]] | None = None,
        source_id: str | None = None,
        copy_of: dict[str, Any] | Any | None = None,
        relevant: int = 1,
        utc: bool = False,
    ) -> dict[str, Any]:
        """A complete new ``articles`` row (every column). ``copy_of``: a syndicated copy of that row."""
        rng = self.rng
        self.n += 1
        source_id = source_id or rng.choice(sorted(SOURCE_HOSTS))
        host, site = SOURCE_HOSTS[source_id]
        url = f"https://{host}/art/2024/{self.n}.html"
        aid = article_id(url)
        if copy_of is not None:
            title, text = copy_of["title"], copy_of["text"]
            regions_json, topics_json = copy_of["regions_json"], copy_of["topics_json"]
            primary_code, national = copy_of["primary_code"], copy_of["national"]
            group_id, is_original = copy_of["id"], 0
            published_text = copy_of["published"]
        else:
            regions = regions if regions is not None else self._regions()
            topics = topics if topics is not None else self._topics()
            place = regions[0]["county"] or regions[0]["city"] or regions[0]["province"] or "全国"
            title = f"{place}{rng.choice(_PHRASES)}取得新进展（{self.n}）"
            text = self._text()
            regions_json = json.dumps(regions, ensure_ascii=False, sort_keys=True)
            topics_json = json.dumps(topics, ensure_ascii=False, sort_keys=True)
            primary_code, national = regions[0]["code"], int(bool(regions[0]["national"]))
            group_id, is_original = aid, 1
            if published is None:
                published_text = None
            elif utc:  # stored with another offset: its China day may be the next one
                published_text = iso(published.astimezone(UTC))
            else:
                published_text = iso(published)
        return {
            "id": aid,
            "url": url,
            "page_id": self.n,
            "source_id": source_id,
            "site": site,
            "title": title,
            "text": text,
            "published": published_text,
            "original_source": rng.choice([None, "健康报", site]),
            "author": rng.choice([None, "张三"]),
            "editor": rng.choice([None, "李四"]),
            "regions_json": regions_json,
            "primary_code": primary_code,
            "national": national,
            "topics_json": topics_json,
            "relevance": 3.0 if relevant else 0.1,
            "relevant": relevant,
            "fingerprint": f"{rng.getrandbits(64):016x}",
            "meta_json": json.dumps(
                {
                    "doc_number": None,
                    "doc_type": None,
                    "issuing_body": None,
                    "attachments": [],
                    "encoding": "utf-8",
                },
                sort_keys=True,
            ),
            "group_id": group_id,
            "is_original": is_original,
            "extracted_at": "2024-07-01T00:00:00+00:00",
            "extractor_version": "1",
        }

    def save(self, rec: dict[str, Any]) -> dict[str, Any]:
        self.store.save_article(rec)
        if rec["published"] and rec["is_original"]:
            self.newest = max(self.newest, datetime.fromisoformat(rec["published"]))
        return rec

    def populate(self, n: int = 150) -> None:
        """``n`` stories over six months: every pool region the primary region of ≥ 4 and every topic on ≥ 5
        (so no single change makes one disappear), national ones, a few undated ones, a few stored in UTC,
        some with equal times (ties broken by id), a few off-topic, and three syndication groups with copies."""
        rng = self.rng
        self.store.upsert_sources(SOURCES)
        originals = []
        for k in range(n):
            when = START + timedelta(minutes=rng.randint(0, SPAN_DAYS * 24 * 60))
            primary = REGION_POOL[k % len(REGION_POOL)] if k < 4 * len(REGION_POOL) else None
            topic = TOPICS[k % len(TOPICS)] if k < 5 * len(TOPICS) else None
            if k % 40 == 7:  # equal times: the list order is by id
                when = (
                    datetime.fromisoformat(originals[-1]["published"]) if originals[-1]["published"] else when
                )
            rec = self.record(
                None if k % 50 == 3 else when,
                regions=self._regions(primary),
                topics=self._topics(topic),
                relevant=0 if k % 37 == 5 else 1,
                utc=k % 23 == 4,
            )
            if rec["published"] is None:
                rec["extracted_at"] = iso((START + timedelta(days=rng.randint(0, SPAN_DAYS))).astimezone(UTC))
            originals.append(self.save(rec))
        listed = [r for r in originals if r["relevant"] and r["published"]]
        for orig in rng.sample(listed, 3):
            for _ in range(rng.randint(1, 3)):
                copy = self.record(None, copy_of=orig, relevant=rng.choice([0, 1]))
                self.save(copy)
        self.add_run()
        self.log.clear()

    # ------------------------------------------------------------------------------------------ picking rows
    def _ids(self, where: str = "1") -> list[str]:
        return [r[0] for r in self.store.conn.execute(f"SELECT id FROM articles WHERE {where} ORDER BY id")]

    def _pick(self, where: str = "1") -> str | None:
        ids = self._ids(where)
        return self.rng.choice(ids) if ids else None

    def _update(self, aid: str, **columns: Any) -> None:
        """A changed article row, written through the store (as re-extraction or an import writes it)."""
        row = dict(self.store.article(aid))
        for bookkeeping in ("rev", "story_at", "digest"):
            row.pop(bookkeeping, None)
        row.update(columns)
        self.store.save_article(row)

    # ------------------------------------------------------------------------------------------ the changes
    def add_new(self) -> str:
        """1–3 new stories, each newer than every other (a night's crawl)."""
        made = []
        for _ in range(self.rng.randint(1, 3)):
            # Sometimes at exactly the newest time: a tie at the top of every list, broken by id.
            tie = self.rng.random() < 0.15
            when = self.newest + timedelta(minutes=0 if tie else self.rng.randint(10, 30 * 60))
            made.append(self.save(self.record(when, utc=self.rng.random() < 0.2))["id"])
        return f"add_new {made}"

    def add_backdated(self) -> str:
        """A story older than many others (a source's archive page found late); sometimes older than every
        other, in a month no story had (a new month list)."""
        if self.rng.random() < 0.2:
            when = START - timedelta(days=self.rng.randint(1, 120), minutes=self.rng.randint(0, 1440))
        else:
            when = START + timedelta(minutes=self.rng.randint(0, 60 * 24 * 60))
        return f"add_backdated {self.save(self.record(when))['id']} {iso(when)}"

    def add_copy(self) -> str:
        """A new syndicated copy of an existing original (grouped the night it is found)."""
        aid = self._pick("is_original = 1")
        if aid is None:
            return self.add_new()
        copy = self.record(None, copy_of=self.store.article(aid), relevant=self.rng.choice([0, 1]))
        return f"add_copy {self.save(copy)['id']} of {aid}"

    def edit_text(self, how: str | None = None) -> str:
        """A title or text changed alone, or a page re-extracted (new text, SimHash, time, maybe a 文号)."""
        aid = self._pick()
        if aid is None:
            return "edit_text (none)"
        how = how or self.rng.choice(["sql_title", "sql_text", "reextract"])
        if how == "sql_title":
            self._update(aid, title=f"标题修订：{self._text()[:18]}（{self.n}）")
        elif how == "sql_text":
            self._update(aid, text=self._text())
        else:
            row = dict(self.store.article(aid))
            for bookkeeping in ("rev", "sketch", "story_at", "digest"):
                row.pop(bookkeeping, None)
            meta = json.loads(row["meta_json"])
            if self.rng.random() < 0.5:
                meta.update(
                    doc_number=f"冀卫〔2024〕{self.n}号",
                    doc_type="通知",
                    attachments=[
                        {"url": f"https://x.example.gov.cn/f/{self.n}.pdf", "title": "附件", "kind": "pdf"}
                    ],
                )
            row.update(
                title=row["title"] + "（更新）",
                text=self._text(),
                meta_json=json.dumps(meta, ensure_ascii=False, sort_keys=True),
                fingerprint=f"{self.rng.getrandbits(64):016x}",
                extracted_at=iso(datetime(2024, 8, 1, tzinfo=UTC) + timedelta(minutes=self.n)),
            )
            self.store.save_article(row)
        return f"edit_text {aid} {how}"

    def edit_date(self) -> str:
        """A story's publish time corrected (it moves to another place in the lists, maybe another month)."""
        aid = self._pick()
        if aid is None:
            return "edit_date (none)"
        row = self.store.article(aid)
        if row["published"] is None or self.rng.random() < 0.1:  # dated anew, or undated (then extracted_at)
            if row["published"] is not None:
                self._update(aid, published=None)
                return f"edit_date {aid} {row['published']} -> undated"
            when = START + timedelta(minutes=self.rng.randint(0, SPAN_DAYS * 24 * 60))
        else:
            when = datetime.fromisoformat(row["published"]) + timedelta(days=self.rng.randint(-45, 20))
        if when > self.newest:
            self.newest = when
        self._update(aid, published=iso(when))
        return f"edit_date {aid} {row['published']} -> {iso(when)}"

    def move_source(self) -> str:
        """An article attributed to another source (the about page counts each source's stories)."""
        aid = self._pick()
        if aid is None:
            return "move_source (none)"
        source_id = self.rng.choice(sorted(SOURCE_HOSTS))
        self._update(aid, source_id=source_id, site=SOURCE_HOSTS[source_id][1])
        return f"move_source {aid} -> {source_id}"

    def change_topics(self) -> str:
        aid = self._pick()
        if aid is None:
            return "change_topics (none)"
        topics = json.dumps(self._topics(), ensure_ascii=False, sort_keys=True)
        self._update(aid, topics_json=topics)
        return f"change_topics {aid} {topics}"

    def change_regions(self) -> str:
        aid = self._pick()
        if aid is None:
            return "change_regions (none)"
        regions = self._regions()
        self._update(
            aid,
            regions_json=json.dumps(regions, ensure_ascii=False, sort_keys=True),
            primary_code=regions[0]["code"],
            national=int(bool(regions[0]["national"])),
        )
        return f"change_regions {aid} {[r['code'] for r in regions]}"

    def delete(self) -> str:
        aid = self._pick()
        if aid is None:
            return "delete (none)"
        self.store.conn.execute("DELETE FROM articles WHERE id = ?", (aid,))
        return f"delete {aid}"

    def make_copy(self) -> str:
        """An original found to be a copy of another story (grouping, ``Store.set_groups``)."""
        originals = self._ids("is_original = 1")
        if len(originals) < 2:
            return "make_copy (none)"
        aid, other = self.rng.sample(originals, 2)
        group = self.store.article(other)["group_id"] or other
        self.store.set_groups({aid: (group, False)})
        return f"make_copy {aid} -> group {group}"

    def make_original(self) -> str:
        """A copy regrouped as an original of its own (and relevant)."""
        aid = self._pick("is_original = 0")
        if aid is None:
            return self.make_copy()
        self.store.set_groups({aid: (aid, True)})
        self._update(aid, relevant=1)
        return f"make_original {aid}"

    def toggle_relevant(self) -> str:
        """An original marked off-topic (mostly), or an off-topic one back on topic."""
        if self.rng.random() < 0.7:
            aid = self._pick("is_original = 1 AND relevant = 1")
            value = 0
        else:
            aid = self._pick("relevant = 0")
            value = 1
        if aid is None:
            return "toggle_relevant (none)"
        self._update(aid, relevant=value, relevance=3.0 * value)
        return f"toggle_relevant {aid} -> {value}"

    def add_run(self) -> str:
        """A crawl run with per-source counters (the about page shows source health), dated after the newest
        story (the health flags are judged as of the latest run's start)."""
        rng = self.rng
        self.runs += 1
        run_id = self.store.start_run("run")
        for sid in sorted(SOURCE_HOSTS):
            if rng.random() < 0.8:
                errors = {"timeout": rng.randint(1, 3)} if rng.random() < 0.3 else {}
                stats = SourceStats(
                    requests=rng.randint(1, 20),
                    pages_new=rng.randint(0, 4),
                    not_modified=rng.randint(0, 5),
                    errors=errors,
                )
                self.store.save_source_stats(run_id, sid, stats)
        self.store.finish_run(run_id, rng.choice(["ok", "partial"]), {})
        started = self.newest + timedelta(hours=rng.randint(1, 30 * 24))
        self.store.conn.execute(
            "UPDATE runs SET started_at = ?, ended_at = ? WHERE id = ?",
            (iso(started.astimezone(UTC)), iso((started + timedelta(minutes=20)).astimezone(UTC)), run_id),
        )
        return f"add_run {run_id}"

    def rename_source(self) -> str:
        """The registry renames a source (the about page shows its name), or gains one."""
        if self.rng.random() < 0.3:
            sid = f"added{self.n}"
            self.store.upsert_sources(
                [Source(id=sid, name=f"新增来源{self.n}", list_urls=("https://x.example/",))]
            )
            return f"rename_source: added {sid}"
        src = self.rng.choice(SOURCES)
        renamed = Source(
            id=src.id, name=f"{src.name}（{self.n}）", home_region=src.home_region, list_urls=src.list_urls
        )
        self.store.upsert_sources([renamed])
        return f"rename_source {src.id}"

    CHANGES: ClassVar[tuple[tuple[str, float], ...]] = (
        ("add_new", 4.0),
        ("add_backdated", 1.0),
        ("add_copy", 1.0),
        ("edit_text", 2.0),
        ("edit_date", 1.0),
        ("move_source", 0.5),
        ("change_topics", 1.0),
        ("change_regions", 1.0),
        ("delete", 1.0),
        ("make_copy", 1.0),
        ("make_original", 1.0),
        ("toggle_relevant", 1.0),
        ("add_run", 1.0),
        ("rename_source", 0.3),
    )

    def apply(self, *names: str) -> list[str]:
        """The named changes, logged as one step."""
        done = [getattr(self, name)() for name in names]
        self.log.append("; ".join(done))
        return done

    def step(self, most: int = 4) -> list[str]:
        """1–``most`` random changes; returns what was done (for the failure message)."""
        names = [name for name, _w in self.CHANGES]
        weights = [w for _name, w in self.CHANGES]
        done = [
            getattr(self, self.rng.choices(names, weights)[0])() for _ in range(self.rng.randint(1, most))
        ]
        self.log.append("; ".join(done))
        return done


def make_store(path: Path, seed: int, n: int = 150) -> StoreSim:
    sim = StoreSim(Store(path), random.Random(seed))
    sim.populate(n)
    return sim


# ---------------------------------------------------------------------------------------------- comparing trees
def tree(root: Path) -> dict[str, tuple[str, int, bytes | None]]:
    """relative path → (kind, permission bits, bytes) for every entry under ``root`` (directories included,
    so an empty directory left behind counts as a difference; symlinks by their target)."""
    out: dict[str, tuple[str, int, bytes | None]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", 0, os.readlink(p).encode())
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode), None)
            else:
                out[rel] = ("file", stat.S_IMODE(st.st_mode), p.read_bytes())
    return out


def tree_diff(a: Path, b: Path, limit: int = 15) -> list[str]:
    """What differs between the trees at ``a`` and ``b`` (empty when they are identical)."""
    ta, tb = tree(a), tree(b)
    problems: list[str] = []
    for rel in sorted(ta.keys() - tb.keys()):
        problems.append(f"only in {a.name} (incremental): {rel}")
    for rel in sorted(tb.keys() - ta.keys()):
        problems.append(f"only in the fresh build: {rel}")
    for rel in sorted(ta.keys() & tb.keys()):
        (ka, ma, da), (kb, mb, db) = ta[rel], tb[rel]
        if ka != kb:
            problems.append(f"{rel}: a {ka} here, a {kb} in the fresh build")
        elif da != db:
            problems.append(f"{rel}: bytes differ{_first_difference(da, db)}")
        elif ma != mb:
            problems.append(f"{rel}: mode {ma:o} vs {mb:o} in the fresh build")
    if len(problems) > limit:
        problems = problems[:limit] + [f"… and {len(problems) - limit} more"]
    return problems


def _first_difference(a: bytes | None, b: bytes | None) -> str:
    if a is None or b is None:
        return ""
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo = max(0, at - 80)
    return (
        f" (sizes {len(a)} vs {len(b)}; at byte {at}: "
        f"{a[lo : at + 80].decode('utf-8', 'replace')!r} vs {b[lo : at + 80].decode('utf-8', 'replace')!r})"
    )
