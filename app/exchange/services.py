"""Excel export and import of an assessment, and the company's own history (CSV, JSON).

The import runs in two requests: ``prepare_import`` validates the whole workbook and the rules
of the company (year, submitted years, index version, 法人番号) and keeps the parsed answers
with the values they replace as an ImportUpload under a random token bound to the user and
the company; ``apply_import`` writes them in one transaction, all or nothing, once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.assessments import services as assessment_services
from app.audit import record
from app.companies.fiscal import JST, fiscal_year_of, startable_year_problem, today_jst
from app.companies.services import profile_facts
from app.exchange import workbook as wbk
from app.extensions import db
from app.kpis.services import values_by_indicator
from app.kpis.value_types import VALUE_TYPES, label_for_rank
from app.models import (
    Answer,
    Assessment,
    Company,
    ImportUpload,
    Indicator,
    StepState,
)
from app.models._time import utcnow
from app.models.assessment import EVIDENCE_MAX
from app.summary_hook import refresh_summary
from app.web.numbers import SCORE_PLACES
from questionnaires import load_index
from scoring import round_half_away

UPLOAD_TTL = timedelta(hours=1)
PARTS = ("current", "target", "evidence", "action")
PART_LABELS = {
    "current": "現在",
    "target": "目標",
    "evidence": "根拠・エビデンス",
    "action": "アクション",
}
STATUS_LABELS = {"draft": "回答中", "submitted": "提出済み"}
DIRECTION_LABELS = {"higher": "大きいほど良い", "lower": "小さいほど良い"}
SCORE_COLUMNS = (
    "区分",
    "回答数（現在）",
    "現在値の平均",
    "目標値の平均",
    "現在値の中央値",
    "目標値の中央値",
    "ギャップ（目標−現在）",
)


# --- export ------------------------------------------------------------------------------------


def _score(value):
    return None if value is None else round_half_away(value, SCORE_PLACES)


def score_rows(index, scores: dict | None) -> list[tuple]:
    """The stored card of a submitted version as rows under SCORE_COLUMNS (R9 rounding)."""
    if not scores:
        return []

    def row(label, stat):
        return (
            label,
            stat["n_current"],
            _score(stat["current_mean"]),
            _score(stat["target_mean"]),
            _score(stat["current_median"]),
            _score(stat["target_median"]),
            _score(stat["gap"]),
        )

    rows = [row("全体", scores["overall"])]
    rows += [row(index.framework(fid).name, s) for fid, s in scores["frameworks"].items()]
    rows += [row(index.group(gid).title, s) for gid, s in scores["groups"].items()]
    return rows


def _indicator_value(indicator: Indicator, value: Decimal | None):
    if value is None:
        return None
    if indicator.value_type == "ordered":
        return label_for_rank(value, indicator.scale or [])
    value = Decimal(value)
    return int(value) if value == value.to_integral() else value.normalize()


def company_indicators(company_id: int) -> list[Indicator]:
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.company_id == company_id)
            .order_by(Indicator.name, Indicator.cycle, Indicator.id)
        )
    )


def kpi_rows(company_id: int) -> list[wbk.KpiRow]:
    indicators = company_indicators(company_id)
    values = values_by_indicator([i.id for i in indicators])
    return [
        wbk.KpiRow(
            name=i.name,
            definition=i.definition,
            unit=i.unit or "",
            value_type=str(VALUE_TYPES[i.value_type].label),
            direction=DIRECTION_LABELS.get(i.direction, i.direction),
            baseline_year=i.baseline_year,
            baseline=_indicator_value(i, i.baseline_value),
            target_year=i.target_year,
            target=_indicator_value(i, i.target_value),
            status="過去のサイクル" if i.archived_at else "有効",
            actuals={y: _indicator_value(i, v) for y, v in values[i.id].items()},
        )
        for i in indicators
    ]


def question_text(item) -> str:
    # Only verified wording is written as the question (README: items 3 and 6 have none).
    return item.question if item.question_verified and item.question else ""


def export_data(assessment: Assessment) -> wbk.ExportData:
    company = assessment.company
    index = load_index(assessment.index_version)
    answers = assessment_services.answer_rows(assessment)
    facts = profile_facts(company)
    shown = assessment_services.shown_version(assessment)
    items = []
    for item in index.items:
        a = answers.get(item.id)
        items.append(
            wbk.ItemRow(
                item_id=item.id,
                category=item.category,
                subcategory=item.subcategory or "",
                title=item.title,
                question=question_text(item),
                current=a.current_level if a else None,
                target=a.target_level if a else None,
                evidence=(a.evidence or "") if a else "",
                action=(a.action or "") if a else "",
            )
        )
    profile = [
        ("会社名", company.name),
        (wbk.KEY_CORPORATE_NUMBER, company.corporate_number or "（個人事業主）"),
        ("本社所在地", facts.prefecture),
        ("業種", facts.industry),
        ("企業規模", facts.size_label),
        ("事業年度の開始月", f"{company.fiscal_year_start_month}月"),
        (wbk.KEY_FISCAL_YEAR, assessment.fiscal_year),
        (wbk.KEY_INDEX_VERSION, assessment.index_version),
        ("状態", STATUS_LABELS.get(assessment.status, assessment.status)),
        (
            "スコアの版",
            ""
            if shown is None
            else (
                f"第{shown.revision}版（再編集前に提出された内容）"
                if shown.revision
                else "提出された内容"
            ),
        ),
        ("出力日時", utcnow().astimezone(JST).strftime("%Y-%m-%d %H:%M")),
    ]
    return wbk.ExportData(
        profile=profile,
        score_columns=SCORE_COLUMNS,
        scores=score_rows(index, shown.scores if shown else None),
        scores_note="未提出のため、スコアはありません。",
        items=items,
        kpis=kpi_rows(company.id),
    )


def export_xlsx(assessment: Assessment) -> bytes:
    return wbk.build_workbook(export_data(assessment))


def xlsx_names(assessment: Assessment) -> tuple[str, str]:
    year = assessment.fiscal_year
    return (
        f"dx-self-assessment-{assessment.company_id}-{year}.xlsx",
        f"DX推進指標_自己診断_{assessment.company.name}_{year}年度.xlsx",
    )


# --- import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    item_id: str
    title: str
    part: str
    old: object
    new: object

    @property
    def label(self) -> str:
        return PART_LABELS[self.part]


@dataclass(frozen=True)
class Preview:
    upload: ImportUpload
    assessment: Assessment | None  # None: applying creates the year's assessment
    changes: list[Change]
    unchanged_items: int
    imported_year: bool  # an earlier fiscal year: marked as imported


class ImportRefused(ValueError):
    """The import cannot be applied (any more); nothing was written."""


def _assessment_for(company_id: int, fiscal_year: int) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(
            Assessment.company_id == company_id, Assessment.fiscal_year == fiscal_year
        )
    )


def _stored_values(assessment: Assessment | None) -> dict[str, dict]:
    if assessment is None:
        return {}
    rows = assessment_services.answer_rows(assessment)
    return {
        item_id: {
            "current": r.current_level,
            "target": r.target_level,
            "evidence": r.evidence or "",
            "action": r.action or "",
        }
        for item_id, r in rows.items()
    }


EMPTY = {"current": None, "target": None, "evidence": "", "action": ""}


def prepare_import(
    company: Company, user, fiscal_year: int, data: bytes, filename: str, default_version: str
) -> ImportUpload:
    """Validate everything; keep the parsed answers for the preview. Raises WorkbookRejected."""
    problem = startable_year_problem(fiscal_year, company)
    if problem:
        raise wbk.WorkbookRejected([wbk.Problem(problem)])
    assessment = _assessment_for(company.id, fiscal_year)
    if assessment is not None and assessment.status == "submitted":
        raise wbk.WorkbookRejected(
            [
                wbk.Problem(
                    _(
                        "%(fiscal_year)s年度の診断は提出済みのため、上書きできません。結果のページで「再編集する」を選んでから読み込んでください。",
                        fiscal_year=fiscal_year,
                    )
                )
            ]
        )
    version = assessment.index_version if assessment is not None else default_version
    index = load_index(version)
    parsed = wbk.read_answers(data, filename, index.item_ids, EVIDENCE_MAX)
    problems = []
    if parsed.index_version is not None and parsed.index_version != version:
        problems.append(
            wbk.Problem(
                _(
                    "指標の版が違います（ブック: %(index_version)s、"
                    "%(fiscal_year)s年度の診断: %(version)s）。",
                    index_version=parsed.index_version,
                    fiscal_year=fiscal_year,
                    version=version,
                ),
                wbk.SHEET_PROFILE,
                parsed.rows.get(wbk.KEY_INDEX_VERSION),
                "B",
            )
        )
    if parsed.fiscal_year is not None and parsed.fiscal_year != fiscal_year:
        problems.append(
            wbk.Problem(
                _(
                    "ブックは%(book_year)s年度のものです（読み込み先: %(target_year)s年度）。",
                    book_year=parsed.fiscal_year,
                    target_year=fiscal_year,
                ),
                wbk.SHEET_PROFILE,
                parsed.rows.get(wbk.KEY_FISCAL_YEAR),
                "B",
            )
        )
    if parsed.corporate_number is not None and parsed.corporate_number != (
        company.corporate_number or ""
    ):
        problems.append(
            wbk.Problem(
                _("法人番号がこの会社のものではありません。"),
                wbk.SHEET_PROFILE,
                parsed.rows.get(wbk.KEY_CORPORATE_NUMBER),
                "B",
            )
        )
    if problems:
        raise wbk.WorkbookRejected(problems)

    stored = _stored_values(assessment)
    payload = {
        "assessment_id": assessment.id if assessment else None,
        "items": [
            {"item_id": i, "new": parsed.answers[i], "old": stored.get(i, EMPTY)}
            for i in index.item_ids
            if i in parsed.answers
        ],
    }
    # One pending import per user and company; any older than UPLOAD_TTL goes (an applied one
    # is kept that long so that a repeated confirmation is recognised).
    db.session.execute(
        db.delete(ImportUpload).where(
            (ImportUpload.created_at < utcnow() - UPLOAD_TTL)
            | (
                (ImportUpload.user_id == user.id)
                & (ImportUpload.company_id == company.id)
                & ImportUpload.applied_at.is_(None)
            )
        )
    )
    upload = ImportUpload(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        company_id=company.id,
        fiscal_year=fiscal_year,
        index_version=version,
        filename=(filename or "")[:255],
        payload=payload,
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def purge_expired_uploads() -> int:
    """Delete imports older than UPLOAD_TTL (pending or applied); `flask stashes purge` runs it."""
    result = db.session.execute(
        db.delete(ImportUpload).where(ImportUpload.created_at < utcnow() - UPLOAD_TTL)
    )
    db.session.commit()
    return result.rowcount


def load_upload(token: str, company_id: int, user) -> ImportUpload | None:
    """The user's own upload for this company, if it has not expired; else None (404)."""
    upload = db.session.get(ImportUpload, token)
    if upload is None or upload.user_id != user.id or upload.company_id != company_id:
        return None
    created = upload.created_at
    if created.tzinfo is None:  # SQLite returns naive datetimes
        created = created.replace(tzinfo=utcnow().tzinfo)
    if upload.applied_at is None and created < utcnow() - UPLOAD_TTL:
        return None
    return upload


def is_earlier_year(company: Company, fiscal_year: int) -> bool:
    return fiscal_year < fiscal_year_of(today_jst(), company.fiscal_year_start_month)


def preview(upload: ImportUpload, company: Company) -> Preview:
    index = load_index(upload.index_version)
    changes, unchanged = [], 0
    for entry in upload.payload["items"]:
        item = index.item(entry["item_id"])
        diff = [
            Change(item.id, item.title, p, entry["old"][p], entry["new"][p])
            for p in PARTS
            if entry["old"][p] != entry["new"][p]
        ]
        changes += diff
        unchanged += not diff
    assessment = _assessment_for(upload.company_id, upload.fiscal_year)
    return Preview(
        upload, assessment, changes, unchanged, is_earlier_year(company, upload.fiscal_year)
    )


def apply_import(upload: ImportUpload, company: Company, user) -> Assessment:
    """Write the previewed answers, all or nothing, once. Raises ImportRefused."""
    now = utcnow()
    claimed = db.session.execute(
        update(ImportUpload)
        .where(ImportUpload.id == upload.id, ImportUpload.applied_at.is_(None))
        .values(applied_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ImportRefused(_("この読み込みは既に反映されています。"))
    payload = upload.payload
    assessment = _assessment_for(company.id, upload.fiscal_year)
    if (assessment.id if assessment else None) != payload["assessment_id"]:
        db.session.rollback()
        raise ImportRefused(_CHANGED)
    if assessment is None:
        assessment = Assessment(
            company_id=company.id,
            fiscal_year=upload.fiscal_year,
            index_version=upload.index_version,
        )
        db.session.add(assessment)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise ImportRefused(_CHANGED) from None
    else:
        locked = db.session.execute(
            update(Assessment)
            .where(Assessment.id == assessment.id, Assessment.status == "draft")
            .values(status="draft")
            .execution_options(synchronize_session=False)
        )
        if locked.rowcount != 1:
            db.session.rollback()
            raise ImportRefused(
                _(
                    "%(fiscal_year)s年度の診断は提出済みのため、上書きできません。再編集に戻してから、もう一度読み込んでください。",
                    fiscal_year=upload.fiscal_year,
                )
            )
    existing = assessment_services.answers_by_item(assessment)
    current = {i: assessment_services.answer_values(a) for i, a in existing.items()}
    for entry in payload["items"]:
        if current.get(entry["item_id"], EMPTY) != entry["old"]:
            db.session.rollback()
            raise ImportRefused(_CHANGED)
    index = load_index(assessment.index_version)
    touched_steps = set()
    for entry in payload["items"]:
        item_id, new = entry["item_id"], entry["new"]
        answer = existing.get(item_id)
        if answer is None:
            answer = Answer(assessment_id=assessment.id, item_id=item_id)
            db.session.add(answer)
        answer.current_level, answer.target_level = new["current"], new["target"]
        answer.evidence, answer.action = new["evidence"], new["action"]
        answer.updated_at, answer.updated_by_id = now, user.id
        touched_steps.add(index.item(item_id).step_id)
    # Like a save of each step it touched: a tab still showing the old answers gets the
    # ordinary conflict page instead of silently overwriting the import.
    for step_id in sorted(touched_steps):
        state = db.session.get(StepState, (assessment.id, step_id))
        if state is None:
            db.session.add(
                StepState(
                    assessment_id=assessment.id,
                    step_id=step_id,
                    version=1,
                    saved_at=now,
                    saved_by_id=user.id,
                )
            )
        else:
            state.version += 1
            state.saved_at, state.saved_by_id = now, user.id
    if is_earlier_year(company, upload.fiscal_year):
        assessment.imported_at = now
    db.session.execute(
        update(ImportUpload)
        .where(ImportUpload.id == upload.id)
        .values(assessment_id=assessment.id)
        .execution_options(synchronize_session=False)
    )
    refresh_summary(company)
    record(
        "excel_imported",
        company_id=company.id,
        details={
            "assessment_id": assessment.id,
            "fiscal_year": upload.fiscal_year,
            "items": len(payload["items"]),
        },
    )
    db.session.commit()
    return assessment


_CHANGED = lazy_gettext(
    "プレビューの後に回答が変更されました。変更内容を確かめるため、もう一度ブックを読み込んで"
    "ください（何も反映していません）。"
)
