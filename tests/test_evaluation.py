"""The evaluation gate: scoring functions, the labelled set itself, and the floors in tests/eval/baseline.json."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from yigai import evaluation as ev
from yigai.eval_sets import load_set
from yigai.furniture import furniture_lines

EVAL_DIR = Path(__file__).resolve().parent / "eval"


# ---------------------------------------------------------------------------------------------- bigram scores


def test_bigram_prf_identical_text_is_perfect():
    assert ev.bigram_prf("医共体建设", "医共体建设") == ev.PRF(1.0, 1.0, 1.0)


def test_bigram_prf_partial_recall():
    # "医共体" has bigrams 医共 共体; "医共体建设" has 医共 共体 体建 建设.
    prf = ev.bigram_prf("医共体", "医共体建设")
    assert prf.precision == 1.0
    assert prf.recall == 0.5
    assert prf.f1 == pytest.approx(2 / 3)


def test_bigram_prf_counts_repeats_as_a_multiset():
    # predicted 哈哈哈 = {哈哈: 2}; expected 哈哈 = {哈哈: 1}: only one of the two predicted bigrams is right.
    prf = ev.bigram_prf("哈哈哈", "哈哈")
    assert (prf.precision, prf.recall) == (0.5, 1.0)


def test_bigram_prf_extra_junk_lowers_precision_only():
    prf = ev.bigram_prf("分级诊疗\n责任编辑：王某", "分级诊疗")
    assert prf.recall == 1.0
    assert prf.precision == pytest.approx(3 / 10)  # 11 characters, 10 bigrams, 3 right


def test_bigram_prf_ignores_whitespace_and_line_breaks():
    assert ev.bigram_prf("医 共\n体 建设", "医共体建设").f1 == 1.0


def test_bigram_prf_reads_traditional_and_simplified_as_one_script():
    # The label copies a Taiwan page as printed; ours publishes it in Simplified: the same story.
    label = "（中央社記者張榮祥台南12日電）成大醫院引進三維超音波，協助胎兒早期篩檢。"
    ours = "（中央社记者张荣祥台南12日电）成大医院引进三维超音波，协助胎儿早期筛检。"
    assert ev.bigram_prf(ours, label).f1 == 1.0
    assert ev.strings_found(ours, ["成大醫院引進三維超音波"]) == ["成大醫院引進三維超音波"]
    assert ev.normalize_title("陳德銘率團訪台東") == ev.normalize_title("陈德铭率团访台东")
    assert [f.kind for f in furniture_lines("中央社 版權所有")] == ["copyright"]
    assert ev.compact("縣醫院") != ev.compact("县医院")  # the label checker compares as printed


def test_bigram_prf_empty_prediction_scores_zero():
    assert ev.bigram_prf("", "双向转诊") == ev.PRF(0.0, 0.0, 0.0)
    assert ev.bigram_prf(None, "双向转诊").f1 == 0.0


def test_bigram_prf_disjoint_texts_score_zero():
    assert ev.bigram_prf("篮球比赛", "医保支付").f1 == 0.0


# ---------------------------------------------------------------------------------------------- normalisers


def test_shanghai_date_converts_aware_datetimes():
    late_utc = datetime(2023, 11, 5, 23, 10, tzinfo=UTC)
    assert ev.shanghai_date(late_utc) == date(2023, 11, 6)
    assert ev.shanghai_date(datetime(2023, 11, 6, 7, 10, tzinfo=timezone(timedelta(hours=8)))) == date(
        2023, 11, 6
    )


def test_shanghai_date_takes_naive_datetimes_as_shanghai_time():
    assert ev.shanghai_date(datetime(2023, 11, 5, 23, 10)) == date(2023, 11, 5)


def test_shanghai_date_parses_strings_and_none():
    assert ev.shanghai_date("2024-03-18") == date(2024, 3, 18)
    assert ev.shanghai_date("2023-11-05T23:10:00+00:00") == date(2023, 11, 6)
    assert ev.shanghai_date("2023-11-05T23:10:00Z") == date(2023, 11, 6)
    assert ev.shanghai_date(None) is None
    assert ev.shanghai_date(date(2020, 1, 2)) == date(2020, 1, 2)


def test_normalize_title_drops_whitespace_and_punctuation():
    assert ev.normalize_title("河北：年内四成县区 建成医共体！") == ev.normalize_title(
        "河北:年内四成县区建成医共体"
    )
    assert ev.normalize_title("“三明”医改") == "三明医改"
    assert ev.normalize_title("DRG/DIP 改革") == "DRGDIP改革"
    assert ev.normalize_title("医共体") != ev.normalize_title("医联体")


def test_division_stem():
    assert ev.division_stem("河北省") == "河北"
    assert ev.division_stem("广西壮族自治区") == "广西"
    assert ev.division_stem("宁夏回族自治区") == "宁夏"
    assert ev.division_stem("永年区") == "永年"
    assert ev.division_stem("泗县") == "泗县"  # a one-character stem keeps its suffix
    assert ev.division_stem(None) == ""


def test_region_matches_compares_all_levels():
    want = {"province": "河北省", "city": "邯郸市", "county": "永年区", "national": False}
    right = SimpleNamespace(province="河北省", city="邯郸市", county="永年区", national=False)
    assert ev.region_matches(right, want)
    assert ev.region_matches({"province": "河北", "city": "邯郸", "county": "永年", "national": False}, want)
    assert not ev.region_matches(
        SimpleNamespace(province="河北省", city="邯郸市", county=None, national=False), want
    )
    assert not ev.region_matches(None, want)


def test_region_matches_a_province_label_wants_no_city():
    want = {"province": "湖北省", "city": None, "county": None, "national": False}
    assert ev.region_matches({"province": "湖北省", "city": None, "county": None, "national": False}, want)
    assert not ev.region_matches(
        {"province": "湖北省", "city": "武汉市", "county": None, "national": False}, want
    )


def test_region_matches_national():
    want = {"province": None, "city": None, "county": None, "national": True}
    assert ev.region_matches({"national": True}, want)
    assert not ev.region_matches({"province": "北京市", "national": False}, want)
    assert not ev.region_matches({"national": True}, {"province": "北京市", "national": False})


def test_strings_found_ignores_whitespace():
    assert ev.strings_found("责任 编辑：张三\n正文", ["责任编辑", "热点推荐"]) == ["责任编辑"]


# ---------------------------------------------------------------------------------------------- page scores


def _label(**over) -> ev.LabelledPage:
    base = {
        "html": "pages/x.html",
        "url": "https://example.cn/x.html",
        "title": "郑州推进家庭医生签约",
        "date": "2023-07-05",
        "source": "郑州日报",
        "primary_region": {"province": "河南省", "city": "郑州市", "county": None, "national": False},
        "relevant": True,
        "body": "记者获悉。\n家庭医生签约率超过八成。",
        "must_appear": ["签约率"],
        "must_not_appear": ["责任编辑"],
    }
    base.update(over)
    return ev.LabelledPage(**base)


def test_score_page_all_right():
    label = _label()
    pred = ev.Prediction(
        text="记者获悉。家庭医生签约率超过八成。",
        title="郑州推进家庭医生签约 ",
        published=datetime(2023, 7, 5, 10, 12, tzinfo=timezone(timedelta(hours=8))),
        source="郑州日报",
        primary_region={"province": "河南省", "city": "郑州市", "county": None, "national": False},
        relevant=True,
    )
    score = ev.score_page(label, pred)
    assert score.failures == []
    assert all(score.checks.values()) and set(score.checks) == {
        "title",
        "date",
        "source",
        "primary_region",
        "relevance",
    }


def test_score_page_reports_each_failure():
    pred = ev.Prediction(
        text="家庭医生。责任编辑：王某",
        title="别的标题",
        published=None,
        source=None,
        primary_region=None,
        relevant=False,
    )
    score = ev.score_page(_label(), pred)
    assert not any(score.checks.values())
    assert score.must_not_found == ["责任编辑"]
    assert score.must_appear_found == 0
    assert any(f.startswith("date:") for f in score.failures)


def test_score_page_skips_region_when_label_is_null_and_fields_a_system_lacks():
    pred = ev.Prediction(
        text="x", title="郑州推进家庭医生签约", published="2023-07-05", produces=frozenset({"title", "date"})
    )
    score = ev.score_page(_label(primary_region=None), pred)
    assert set(score.checks) == {"title", "date"}


def test_aggregate_macro_averages_and_reports_none_for_unscored_fields():
    pages = [
        ev.PageScore(
            page="a",
            body=ev.PRF(1.0, 1.0, 1.0),
            checks={"date": True},
            must_appear_found=1,
            must_appear_total=1,
        ),
        ev.PageScore(
            page="b",
            body=ev.PRF(0.5, 1.0, 0.5),
            checks={"date": False},
            must_appear_found=1,
            must_appear_total=3,
            must_not_found=["责任编辑"],
        ),
    ]
    system = ev.aggregate("t", pages)
    assert system.scores["body_f1"] == 0.75
    assert system.scores["date"] == 0.5
    assert system.scores["source"] is None
    assert system.scores["must_appear"] == 0.5
    assert system.must_not_found == [("b", "责任编辑")]


def _report(**scores) -> ev.EvalReport:
    full = {f: 1.0 for f in ev.SCORE_FIELDS}
    full.update(scores)
    return ev.EvalReport(n_pages=1, ours=ev.SystemScores("ours", full, [], []))


def test_check_floors_names_the_broken_floor():
    baseline = {"floors": {"body_f1": 0.95, "date": 0.9, "must_not_appear_found_max": 0}}
    assert ev.check_floors(_report(), baseline) == []
    messages = ev.check_floors(_report(date=0.85), baseline)
    assert len(messages) == 1 and messages[0].startswith("date 0.850")


def test_check_floors_counts_must_not_appear_strings():
    report = _report()
    report.ours.must_not_found.append(("pages/a.html", "热点推荐"))
    messages = ev.check_floors(report, {"floors": {"must_not_appear_found_max": 0}})
    assert len(messages) == 1 and "热点推荐" in messages[0]


def test_format_report_shows_na_for_fields_trafilatura_lacks():
    report = _report()
    report.trafilatura = ev.SystemScores("trafilatura", {**report.ours.scores, "source": None}, [], [])
    table = ev.format_report(report)
    assert "| field | ours | bare trafilatura |" in table
    assert "| source | 1.000 | n/a |" in table


def test_eval_command_exit_code_follows_floors(tmp_path, monkeypatch, capsys):
    page = tmp_path / "pages" / "a.html"
    page.parent.mkdir()
    page.write_text("<html><body><h1>标题</h1><p>分级诊疗</p></body></html>", encoding="utf-8")
    label = {
        "html": "pages/a.html",
        "url": "https://e.cn/a",
        "title": "标题",
        "date": None,
        "source": None,
        "primary_region": None,
        "relevant": True,
        "body": "分级诊疗",
        "must_appear": [],
        "must_not_appear": [],
    }
    (tmp_path / "manifest.jsonl").write_text(json.dumps(label, ensure_ascii=False) + "\n", encoding="utf-8")
    # A stand-in extractor that keeps all page text: body P < 1 because the title is in it.
    monkeypatch.setattr(
        ev, "predict_ours", lambda raw, lab: ev.Prediction(text="标题\n分级诊疗", title="标题", relevant=True)
    )
    monkeypatch.setattr(
        ev, "predict_trafilatura", lambda raw, lab: ev.Prediction(text="", produces=frozenset())
    )
    loose = tmp_path / "loose.json"
    loose.write_text(json.dumps({"floors": {"body_f1": 0.5}}))
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"floors": {"body_f1": 0.99}}))
    assert ev.eval_command(tmp_path, loose, verbose=True, as_json=False) == 0
    assert ev.eval_command(tmp_path, strict, verbose=False, as_json=True) == 1
    out = capsys.readouterr().out
    assert "pages/a.html" in out and '"broken_floors"' in out


# ---------------------------------------------------------------------------------------------- real sets


def test_furniture_detector_finds_footers_and_chrome_but_not_story_lines():
    story = "县医院提供技术支持，由市卫健委主办的培训班开班。\n版权意识要加强。\n分享经验"
    assert furniture_lines(story) == []
    junk = (
        "主办单位：某市人民政府办公室 承办：某市大数据中心\n网站标识码：1234000001\n京ICP备05070218号\n"
        "技术支持：某公司\n版权所有 © 2020\n分享到：\n【打印本页】【关闭窗口】\n（责任编辑：王某）\n编辑：李某\n"
        "相关新闻\n热点推荐：\n下载新闻客户端\n预览时标签不可点\n微信扫一扫\n阅读原文"
    )
    found = furniture_lines(junk)
    assert len(found) == len(junk.splitlines())
    assert {f.kind for f in found} == {
        "footer", "copyright", "share", "print", "editor", "related", "app", "wechat",
    }


def test_eval_scores_a_real_set_with_topics_furniture_and_missing_pages(tmp_path, monkeypatch):
    (tmp_path / "labels").mkdir()
    (tmp_path / "pages").mkdir()
    shared = tmp_path / "shared"
    shared.mkdir()
    (tmp_path / "dataset.toml").write_text('shared_page_dirs = ["shared"]\n', encoding="utf-8")
    base = {
        "url": "https://e.cn/a", "title": "标题", "date": None, "source": None, "primary_region": None,
        "relevant": True, "body": "分级诊疗", "must_appear": [], "must_not_appear": ["相关阅读"],
    }
    for page_id, topics in (("a", ["tiered_care"]), ("b", []), ("gone", ["payment_reform"])):
        label = {**base, "id": page_id, "html": f"pages/{page_id}.html", "topics": topics}
        (tmp_path / "labels" / f"{page_id}.json").write_text(json.dumps(label), encoding="utf-8")
    (tmp_path / "pages" / "a.html").write_text("<p>分级诊疗</p>", encoding="utf-8")
    (shared / "b.html").write_text("<p>分级诊疗</p>", encoding="utf-8")

    def ours(raw, label):
        text = "分级诊疗\n责任编辑：王某" if label.html.endswith("b.html") else "分级诊疗\n相关阅读 x"
        return ev.Prediction(text=text, title="标题", relevant=True, topics=["tiered_care", "family_doctor"])

    monkeypatch.setattr(ev, "predict_ours", ours)
    monkeypatch.setattr(ev, "predict_trafilatura", lambda raw, label: ev.Prediction(text="分级诊疗"))
    labelled = load_set(tmp_path)
    assert labelled.shared == {"pages/b.html"}
    report = ev.evaluate_set(labelled)
    assert report.n_pages == 2 and report.missing == ["pages/gone.html"]
    # a: 1 right, 1 wrong; b: 0 right, 2 wrong; the missing page is not counted.
    assert report.ours.scores["topic_precision"] == pytest.approx(1 / 4)
    assert report.ours.scores["topic_recall"] == 1.0
    assert report.ours.furniture == [("pages/a.html", "相关阅读"), ("pages/b.html", "editor: 责任编辑：王某")]
    assert [page for page, _, _ in report.below_trafilatura()] == ["pages/a.html", "pages/b.html"]
    table = ev.format_report(report)
    assert "| furniture_found | 2 | 0 |" in table and "pages/gone.html" in table
    assert "| topic_precision | 0.250 | n/a |" in table
    broken, unchecked = ev.check_baseline(
        report, labelled, {"floors": {"body_f1": 0.1}, "floors_shared": {"furniture_max": 0}}
    )
    assert unchecked and broken == ["shared pages: 1 furniture lines found (max 0): pages/b.html: "
                                    "'editor: 责任编辑：王某'"]
    far = ev.check_floors(report, {"far_below_trafilatura_max": 1, "far_below_margin": 0.10})
    assert len(far) == 1 and far[0].startswith("2 pages far below bare trafilatura")


def test_eval_command_scores_each_set_on_its_own(tmp_path, monkeypatch, capsys):
    synthetic, real = tmp_path / "synthetic", tmp_path / "real"
    label = {
        "html": "pages/a.html", "url": "https://e.cn/a", "title": "标题", "date": None, "source": None,
        "primary_region": None, "relevant": False, "body": "正文",
    }
    for directory in (synthetic, real):
        (directory / "pages").mkdir(parents=True)
        (directory / "pages" / "a.html").write_text("<p>正文</p>", encoding="utf-8")
    (synthetic / "manifest.jsonl").write_text(json.dumps(label) + "\n", encoding="utf-8")
    (real / "labels").mkdir()
    (real / "labels" / "a.json").write_text(json.dumps({**label, "topics": []}), encoding="utf-8")
    monkeypatch.setattr(
        ev, "predict_ours", lambda raw, lab: ev.Prediction(text="正文", title="标题", topics=["tiered_care"])
    )
    monkeypatch.setattr(ev, "predict_trafilatura", lambda raw, lab: ev.Prediction(text="正文"))
    assert ev.eval_command([synthetic, real], None, verbose=False, as_json=False) == 0
    out = capsys.readouterr().out
    assert f"Synthetic set {synthetic} over 1 pages" in out and f"Real set {real} over 1 pages" in out
    # topics are scored only where they are labelled: the synthetic manifest has no topics column.
    synthetic_table, real_table = out.split("Real set")
    assert "| topic_precision | n/a | n/a |" in synthetic_table
    assert "| topic_precision | 0.000 | n/a |" in real_table
    with pytest.raises(ValueError, match="one DIR"):
        ev.eval_command([synthetic, real], tmp_path / "baseline.json", verbose=False, as_json=False)


# ---------------------------------------------------------------------------------------------- the labelled set


MANIFEST = [
    json.loads(line)
    for line in (EVAL_DIR / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    if line
]


def test_labelled_set_size_and_mix():
    assert len(MANIFEST) >= 44
    relevant = [m for m in MANIFEST if m["relevant"]]
    assert len(relevant) >= 30 and len(MANIFEST) - len(relevant) >= 12
    provinces = {m["primary_region"]["province"] for m in relevant if not m["primary_region"]["national"]}
    assert len(provinces) >= 10
    assert sum(bool(m.get("traditional")) for m in MANIFEST) >= 6
    encodings = [m.get("encoding") for m in MANIFEST]
    assert sum(e in ("gbk", "gb2312", "gbk-undeclared") for e in encodings) >= 6
    assert "gbk-undeclared" in encodings
    assert encodings.count("utf8-declared-gbk") >= 4
    assert any(m.get("home_region") for m in MANIFEST)


@pytest.mark.parametrize("entry", MANIFEST, ids=[m["html"] for m in MANIFEST])
def test_labels_are_consistent(entry):
    assert (EVAL_DIR / entry["html"]).is_file()
    assert entry["body"].strip()
    for s in entry["must_appear"]:
        assert s in entry["body"], s
    for s in entry["must_not_appear"]:
        assert ev.squeeze(s) not in ev.squeeze(entry["body"]), s
    assert entry["date"] is None or date.fromisoformat(entry["date"])
    if entry["relevant"]:
        assert entry["primary_region"] is not None


def test_pages_match_their_generator():
    """The committed pages are what make_pages.py writes (edit the stories, then regenerate)."""
    spec = importlib.util.spec_from_file_location("make_pages", EVAL_DIR / "make_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for story in module.STORIES:
        path = EVAL_DIR / "pages" / f"{story['slug']}.html"
        assert path.read_bytes() == module.render(story), (
            f"{path.name} is stale: run tests/eval/make_pages.py"
        )


# ---------------------------------------------------------------------------------------------- the gate


def test_extraction_scores_hold_their_floors():
    baseline = json.loads((EVAL_DIR / "baseline.json").read_text(encoding="utf-8"))
    report = ev.run_evaluation(EVAL_DIR, compare_trafilatura=False)
    broken = ev.check_floors(report, baseline)
    assert not broken, "\n".join(broken) + "\n\n" + ev.format_report(report, verbose=True)


def test_bare_trafilatura_baseline_reads_the_page_bytes():
    entry = next(m for m in MANIFEST if m["html"].endswith("ticker-hubei-yibao-dabao.html"))
    label = ev.LabelledPage.from_json(entry)
    pred = ev.predict_trafilatura((EVAL_DIR / entry["html"]).read_bytes(), label)
    assert ev.strings_found(pred.text, entry["must_appear"]) == entry["must_appear"]
    assert pred.produces == frozenset({"title", "date"})


def test_bare_trafilatura_body_alone_skips_its_metadata_call():
    entry = next(m for m in MANIFEST if m["html"].endswith("ticker-hubei-yibao-dabao.html"))
    label = ev.LabelledPage.from_json(entry)
    raw = (EVAL_DIR / entry["html"]).read_bytes()
    body_only = ev.predict_trafilatura(raw, label, metadata=False)
    assert body_only.produces == frozenset() and body_only.title is None
    assert body_only.text == ev.predict_trafilatura(raw, label).text


def test_cli_eval_baseline_needs_exactly_one_set(tmp_path, capsys):
    from yigai.cli import main

    baseline = tmp_path / "baseline.json"
    baseline.write_text("{}", encoding="utf-8")
    assert main(["eval", str(EVAL_DIR), str(EVAL_DIR / "real"), "--baseline", str(baseline)]) == 2
    assert "exactly one DIR" in capsys.readouterr().err
