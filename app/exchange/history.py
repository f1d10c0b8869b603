"""The company's own history as CSV and JSON: every year's answers and scores, and the
indicators with their actuals.

- Each year's answers are the stored answer rows as they are now (a year reopened into a draft:
  the draft's answers); its scores are those of the version the pages show (the submitted card,
  or while a year is edited again the last submitted one, with its revision number).
- CSV: UTF-8 with a BOM, CRLF, sections separated by an empty line; text cells defused against
  formulas (app/web/cell_safety.py), numbers as numbers; means rounded as on the pages (R9).
- JSON: exact values. Levels are integers, KPI values exact decimal strings, the score card as
  stored (scoring/RULES.md R8) with its scoring version.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import select

from app.assessments import services as assessment_services
from app.companies.services import profile_facts
from app.exchange.services import (
    DIRECTION_LABELS,
    SCORE_COLUMNS,
    STATUS_LABELS,
    company_indicators,
    score_rows,
)
from app.extensions import db
from app.kpis.services import values_by_indicator
from app.kpis.value_types import input_text, plain_decimal
from app.models import Assessment, Company
from app.models._time import utcnow
from app.web.cell_safety import safe_cell
from questionnaires import load_index

BOM = "\ufeff"
FORMAT_VERSION = 1


def _assessments(company_id: int) -> list[Assessment]:
    return list(
        db.session.scalars(
            select(Assessment)
            .where(Assessment.company_id == company_id)
            .order_by(Assessment.fiscal_year)
        )
    )


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else plain_decimal(Decimal(value)).replace(",", "")


def history(company: Company) -> dict:
    """Everything as plain JSON-safe values (the JSON download; the CSV reads it too)."""
    facts = profile_facts(company)
    years = []
    for a in _assessments(company.id):
        index = load_index(a.index_version)
        rows = assessment_services.answer_rows(a)
        shown = assessment_services.shown_version(a)
        years.append(
            {
                "fiscal_year": a.fiscal_year,
                "index_version": a.index_version,
                "status": a.status,
                "imported": a.imported_at is not None,
                "submitted_at": _iso(a.submitted_at),
                "answers": [
                    {
                        "item_id": item.id,
                        "title": item.title,
                        "current": rows[item.id].current_level if item.id in rows else None,
                        "target": rows[item.id].target_level if item.id in rows else None,
                        "evidence": (rows[item.id].evidence or "") if item.id in rows else "",
                        "action": (rows[item.id].action or "") if item.id in rows else "",
                    }
                    for item in index.items
                ],
                "scores": None
                if shown is None
                else {
                    "revision": shown.revision,
                    "scoring_version": shown.scoring_version,
                    "card": shown.scores,
                },
            }
        )
    indicators = company_indicators(company.id)
    values = values_by_indicator([i.id for i in indicators])
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "company": {
            "name": company.name,
            "corporate_number": company.corporate_number,
            "prefecture": facts.prefecture,
            "industry": facts.industry,
            "size": facts.size_label,
            "fiscal_year_start_month": company.fiscal_year_start_month,
        },
        "assessments": years,
        "indicators": [
            {
                "name": i.name,
                "definition": i.definition,
                "value_type": i.value_type,
                "unit": i.unit,
                "scale": i.scale,
                "direction": i.direction,
                "cycle": i.cycle,
                "archived": i.archived_at is not None,
                "baseline_year": i.baseline_year,
                "baseline_value": _decimal(i.baseline_value),
                "target_year": i.target_year,
                "target_value": _decimal(i.target_value),
                "actuals": [
                    {"fiscal_year": y, "value": _decimal(v)} for y, v in values[i.id].items()
                ],
            }
            for i in indicators
        ],
    }


def _kpi_text(indicator: dict, value: str | None):
    """A KPI value for the CSV: a number, or the scale's label."""
    if value is None:
        return None
    if indicator["value_type"] == "ordered":
        return input_text(Decimal(value), "ordered", indicator["scale"])
    return Decimal(value)


def history_rows(data: dict) -> list[list]:
    c = data["company"]
    lines: list[list] = [
        ["DX推進指標 自己診断 履歴", c["name"]],
        ["法人番号", c["corporate_number"] or "（個人事業主）"],
        ["本社所在地", c["prefecture"]],
        ["業種", c["industry"]],
        ["企業規模", c["size"]],
        [],
        ["回答"],
        ["年度", "指標の版", "状態", "取込", "定性指標No.", "項目", "現在", "目標",
         "根拠・エビデンス", "アクション"],
    ]  # fmt: skip
    for y in data["assessments"]:
        for a in y["answers"]:
            lines.append(
                [
                    y["fiscal_year"],
                    y["index_version"],
                    STATUS_LABELS.get(y["status"], y["status"]),
                    y["imported"],
                    a["item_id"],
                    a["title"],
                    a["current"],
                    a["target"],
                    a["evidence"],
                    a["action"],
                ]
            )
    lines += [[], ["スコア（提出された内容）"], ["年度", "版", *SCORE_COLUMNS]]
    for y in data["assessments"]:
        if y["scores"] is None:
            continue
        index = load_index(y["index_version"])
        revision = y["scores"]["revision"]
        label = f"第{revision}版（再編集前）" if revision else "提出済み"
        for row in score_rows(index, y["scores"]["card"]):
            lines.append([y["fiscal_year"], label, *row])
    lines += [
        [],
        ["定量指標"],
        ["指標名", "定義", "単位", "向き", "サイクル", "状態", "基準年度", "基準値", "目標年度",
         "目標値", "年度", "実績"],
    ]  # fmt: skip
    for i in data["indicators"]:
        fixed = [
            i["name"],
            i["definition"],
            i["unit"],
            DIRECTION_LABELS.get(i["direction"], i["direction"]),
            i["cycle"],
            "過去のサイクル" if i["archived"] else "有効",
            i["baseline_year"],
            _kpi_text(i, i["baseline_value"]),
            i["target_year"],
            _kpi_text(i, i["target_value"]),
        ]
        if not i["actuals"]:
            lines.append([*fixed, None, None])
        for actual in i["actuals"]:
            lines.append([*fixed, actual["fiscal_year"], _kpi_text(i, actual["value"])])
    return lines


def history_csv(company: Company) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in history_rows(history(company)):
        writer.writerow([safe_cell(v) for v in line])
    return BOM + buffer.getvalue()


def download_names(company: Company, extension: str) -> tuple[str, str]:
    return (
        f"dx-history-{company.id}.{extension}",
        f"DX推進指標_履歴_{company.name}.{extension}",
    )
