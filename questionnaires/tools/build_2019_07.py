"""One-off build of questionnaires/dx-suishin-shihyo/2019-07.yaml from the research file.

Usage (from the project root, with ../shared present):

    python questionnaires/tools/build_2019_07.py [SOURCE_YAML] [OUTPUT_YAML]

The product never runs this: it reads only the generated file. Question texts are copied
unchanged from the research file, so they match it character for character; only texts whose
status there is ``verbatim_seed`` become ``question``. The two items without such a text keep
the researcher's recollection in ``question_unverified``, which the app must never show as
official wording.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = ROOT.parent / "shared" / "reference" / "dx-suishin-shihyo-2019.yaml"
DEFAULT_OUTPUT = ROOT / "questionnaires" / "dx-suishin-shihyo" / "2019-07.yaml"

SOURCE_NOTE = (
    "経済産業省「DX推進指標」とそのガイダンス（令和元年7月、2019-07-31公表）。"
    "設問文は、北海道経済産業局「IT関連施策等事例について」（2019年12月）に転載された"
    "「DX推進指標サマリー」（令和元年7月 経済産業省）から採録した"
    "（太字由来の余分な空白の除去と「發揮」→「発揮」のみ正規化）。"
    "項目3・6の設問文は同資料になく未確認。"
)

STEPS = [
    ("vision", "ビジョン・経営トップのコミットメント", ["1", "2", "3"]),
    ("mindset", "マインドセット、企業文化", ["4", "4-1", "4-2", "4-3", "4-4"]),
    ("promotion", "推進・サポート体制", ["5", "5-1", "5-2"]),
    ("talent", "人材育成・確保", ["6", "6-1", "6-2", "6-3"]),
    ("business", "事業への落とし込み", ["7", "7-1", "7-2", "7-3"]),
    (
        "it-system",
        "ビジョン実現の基盤としてのITシステムの構築",
        ["8"] + [f"8-{n}" for n in range(1, 9)],
    ),
    ("governance", "ガバナンス・体制", ["9"] + [f"9-{n}" for n in range(1, 7)]),
]

UNIT_TYPES = {
    "人": "people",
    "円": "yen",
    "%": "percent",
    "件": "count",
    "日": "days",
    "回": "times",
}
FRESHNESS_SCALE = ["リアルタイム", "日次", "週次", "月次"]  # best -> worst
# Notes kept in Japanese in the product (the research file's notes are in English).
KPI_NOTES = {
    "QC-06": (
        "原資料の表の配置が曖昧：「その他」が分類で、"
        "指標名が「フォーキャストサイクルタイム」の可能性がある。"
    ),
}


def _framework(src: dict) -> dict:
    return {
        "id": src["id"],
        "name": src["name_ja"],
        "ipa_label": src["ipa_report_label"],
        "indicator_group": src["indicator_group_ja"],
        "item_count": src["qualitative_items"],
    }


def _level(src: dict) -> dict:
    return {
        "value": src["level"],
        "name": src["name_ja"],
        "description": src["trait_ja"],
        "source": "; ".join(src["sources"]),
    }


def _item(src: dict) -> dict:
    out = {
        "id": src["id"],
        "parent": src["parent"],
        "kind": src["kind"],
        "framework": src["framework"],
        "category": src["category_ja"],
        "subcategory": src["subcategory_ja"],
        "title": src["title_ja"],
    }
    if src["question_status"] == "verbatim_seed":
        out["question"] = src["question_ja"]
        out["question_status"] = "verified"
    else:
        out["question"] = None
        out["question_status"] = "unverified"
        out["question_unverified"] = src["question_ja_recalled_unverified"]
    for key in ("number_status", "category_status", "subcategory_status"):
        if key in src:
            out[key] = src[key]
    return out


def _kpi_group(src: dict) -> dict:
    return {
        "id": src["id"],
        "name": src["name_ja"],
        "framework": src["framework"],
        "guidance": list(src["guidance_ja"]),
    }


def _kpi_example(src: dict) -> dict:
    unit = src["unit"]
    scale = None
    note = KPI_NOTES.get(src["id"])
    if src["id"] == "QI-05":
        value_type, scale = "ordered", FRESHNESS_SCALE
        note = f"原資料の単位表記は[{unit}]。尺度は先頭ほど鮮度が高い（リアルタイムが最良）。"
        unit = None
    elif src["id"] == "QI-01":
        value_type = "ratio"
    elif unit is None:
        value_type = "number"
    else:
        value_type = UNIT_TYPES[unit]
    return {
        "id": src["id"],
        "group": src["group"],
        "category": src["category_ja"],
        "name": src["name_ja"],
        "unit": unit,
        "value_type": value_type,
        "scale": scale,
        "description": src["description_ja"],
        "note": note,
    }


def build(source: dict) -> dict:
    meta = source["meta"]
    return {
        "meta": {
            "index_id": meta["index_id"],
            "version_id": meta["version_id"],
            "title": meta["title_ja"],
            "publisher": meta["publisher"],
            "published": meta["published"].isoformat(),
            "source": SOURCE_NOTE,
            "notes": [
                "項目別のレベル基準は未入手のため、レベルは全項目共通の定義のみ。",
                "項目番号の多くと一部の分類見出しは構成からの推定（number_status 等を参照）。",
            ],
        },
        "frameworks": [_framework(f) for f in source["frameworks"]],
        "levels": [_level(level) for level in source["maturity_levels"]],
        "items": [_item(i) for i in source["qualitative_items"]],
        "steps": [{"id": sid, "title": title, "items": ids} for sid, title, ids in STEPS],
        "kpi_groups": [_kpi_group(g) for g in source["quantitative_groups"]],
        "kpi_examples": [_kpi_example(e) for e in source["quantitative_examples"]],
    }


HEADER = """\
# DX推進指標 (METI DX Promotion Index), version 2019-07: 35 qualitative items, generic levels 0-5,
# answer steps and the 22 quantitative (KPI) examples.
#
# Generated once by questionnaires/tools/build_2019_07.py from the project's research file
# shared/reference/dx-suishin-shihyo-2019.yaml.
# Official source: 経済産業省「DX推進指標」とそのガイダンス (2019-07-31,
# https://www.meti.go.jp/press/2019/07/20190731003/20190731003.html); question texts
# as reproduced in 北海道経済産業局 (2019-12) 「DX推進指標サマリー」(令和元年7月). See meta.source.
#
# question_status: verified   = text matches that reproduction of the official summary;
#                  unverified = no official text available: question is null and
#                               question_unverified holds a recollection that must never be
#                               shown as official wording.
# Released file: never change item ids; a new official revision is a new file.
"""


def render(data: dict) -> str:
    parts = [HEADER]
    for key, value in data.items():
        parts.append(
            yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=4096, indent=2)
        )
    return "\n".join(parts)


def main(argv: list[str]) -> None:
    source_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    output_path = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUTPUT
    source = yaml.safe_load(source_path.read_text(encoding="utf-8"))
    output_path.write_text(render(build(source)), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv)
