"""Print the real set's baseline with its floors pinned at today's scores (or write it with --write).

    python tests/eval/real/tools/pin_floors.py [--write]

`floors` are for the whole set (every page must be here: tools/pages.py fetch), `floors_shared` for the
pages found in the shared corpus (what CI reads). Scores are rounded down to 0.01; the furniture, must-not
and far-below-trafilatura counts are pinned as they are. The baseline's note is kept: say in it why floors
moved. Never lower a floor without saying why.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

REAL = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REAL.parents[2]))

from yigai import evaluation as ev  # noqa: E402
from yigai.eval_sets import load_set  # noqa: E402


def floors_of(report: ev.EvalReport) -> dict:
    floors: dict[str, float | int] = {}
    for name in ev.FLOOR_FIELDS:
        value = report.ours.scores.get(name)
        if value is not None:
            floors[name] = math.floor(value * 100) / 100
    floors["must_not_appear_found_max"] = len(report.ours.must_not_found)
    floors["furniture_max"] = len(report.ours.furniture)
    floors["far_below_margin"] = ev.FAR_BELOW_TRAFILATURA
    floors["far_below_trafilatura_max"] = len(report.below_trafilatura(ev.FAR_BELOW_TRAFILATURA))
    return floors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write tests/eval/real/baseline.json")
    args = parser.parse_args(argv)
    labelled = load_set(REAL)
    if labelled.missing:
        sys.stderr.write(f"{len(labelled.missing)} pages are missing: run tools/pages.py fetch first\n")
        return 1
    report = ev.evaluate_set(labelled)
    path = REAL / "baseline.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    baseline = {
        "floors": floors_of(report),
        "floors_shared": floors_of(report.restricted_to(labelled.shared)),
        "note": old.get("note", ""),
        "pages": report.n_pages,
        "pages_shared": len(labelled.shared),
        "scores_when_pinned": {k: v if v is None else round(v, 4) for k, v in report.ours.scores.items()},
        "trafilatura_when_pinned": {
            k: v if v is None else round(v, 4) for k, v in report.trafilatura.scores.items()
        },
    }
    text = json.dumps(baseline, ensure_ascii=False, indent=2) + "\n"
    if args.write:
        path.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
