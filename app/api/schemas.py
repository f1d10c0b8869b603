"""Pydantic models of the JSON API: they validate every request (Spectree calls them before a
view runs) and the OpenAPI document is generated from them, so the two cannot drift.

Requests reject unknown fields (extra="forbid") and take JSON types strictly: "3" is not a
level, true is not a number."""

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.models.assessment import EVIDENCE_MAX

# C0/C1 control characters other than tab and line breaks (PostgreSQL text cannot hold NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value or "\t" in value:
        raise ValueError("must be a single line")
    return value


Text = Annotated[str, AfterValidator(_no_control)]
Line = Annotated[str, AfterValidator(_no_control), AfterValidator(_single_line)]
Level = Annotated[int, Field(ge=0, le=5, strict=True)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- problems ----------------------------------------------------------------------------------


class FieldError(Out):
    pointer: str = Field(
        description="JSON Pointer (RFC 6901) into the request body, or "
        "'#/query/<name>' / '#/header/<name>'"
    )
    detail: str


class Problem(Out):
    """RFC 9457 problem details (application/problem+json)."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str = Field(description="stable machine-readable name of the problem")
    errors: list[FieldError] | None = None


# -- paging ------------------------------------------------------------------------------------


class PageQuery(Request):
    model_config = ConfigDict(extra="forbid", strict=False)
    limit: int = Field(50, ge=1, le=100, description="items per page")
    cursor: str | None = Field(
        None,
        max_length=100,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="next_cursor of the previous page",
    )


# -- indexes -----------------------------------------------------------------------------------


class IndexSummary(Out):
    version: str
    title: str
    default: bool


class IndexList(Out):
    items: list[IndexSummary]
    next_cursor: str | None


class LevelOut(Out):
    value: int
    name: str
    description: str


class FrameworkOut(Out):
    id: str
    name: str
    item_ids: list[str]


class GroupOut(Out):
    id: str
    title: str
    framework_id: str
    item_ids: list[str]


class ItemOut(Out):
    id: str
    parent_id: str | None
    kind: str
    framework_id: str
    group_id: str
    category: str
    subcategory: str | None
    title: str
    question: str | None
    question_verified: bool
    step_id: str


class IndexOut(Out):
    version: str
    title: str
    source: str
    levels: list[LevelOut]
    frameworks: list[FrameworkOut]
    groups: list[GroupOut]
    items: list[ItemOut]


# -- companies ---------------------------------------------------------------------------------


class CompanyIn(Request):
    name: Line = Field(min_length=1, max_length=200)
    corporate_number: Line | None = Field(
        None, max_length=20, description="13 digits; omit (or null) for a sole proprietor"
    )
    is_sole_proprietor: bool = False
    prefecture_code: Line = Field(max_length=2, description="JIS X 0401, e.g. '13'")
    jsic_division: Line = Field(max_length=1, description="JSIC division letter, e.g. 'E'")
    sme_sector: Line = Field(
        "manufacturing_and_other", max_length=40, description="中小企業基本法の業種区分"
    )
    employees: int | None = Field(None, ge=0, le=10_000_000)
    capital_yen: int | None = Field(None, ge=0, le=10**15 - 1)
    fiscal_year_start_month: int = Field(4, ge=1, le=12)


class CompanyOut(Out):
    id: int
    name: str
    corporate_number: str | None
    is_sole_proprietor: bool
    prefecture_code: str
    jsic_division: str
    sme_sector: str
    employees: int | None
    capital_yen: int | None
    fiscal_year_start_month: int
    actions: list[str] = Field(description="what the token's user may do: view, edit, ...")


class CompanyList(Out):
    items: list[CompanyOut]
    next_cursor: str | None


# -- assessments -------------------------------------------------------------------------------


class AssessmentIn(Request):
    fiscal_year: int = Field(ge=2000, le=2100)
    index_version: Line | None = Field(None, max_length=32, description="default: the app's")
    prefill: bool = Field(False, description="copy last submitted year's answers")


class AnswerOut(Out):
    item_id: str
    current: int | None
    target: int | None
    evidence: str
    action: str


class AssessmentOut(Out):
    id: int
    company_id: int
    fiscal_year: int
    index_version: str
    status: Literal["draft", "submitted"]
    version: int = Field(
        description="moves on every change made through the API and on "
        "submit/reopen; the ETag is what If-Match must repeat"
    )
    profile_confirmed: bool
    created_at: datetime
    submitted_at: datetime | None
    missing_item_ids: list[str]
    answers: list[AnswerOut]


class AssessmentSummary(Out):
    id: int
    company_id: int
    fiscal_year: int
    index_version: str
    status: Literal["draft", "submitted"]
    version: int
    submitted_at: datetime | None


class AssessmentList(Out):
    items: list[AssessmentSummary]
    next_cursor: str | None


class AnswerIn(Request):
    item_id: Line = Field(max_length=16)
    current: Level | None = None
    target: Level | None = None
    evidence: Text | None = Field(None, max_length=EVIDENCE_MAX)
    action: Text | None = Field(None, max_length=EVIDENCE_MAX)


class AnswersPatch(Request):
    answers: list[AnswerIn] = Field(
        min_length=1,
        max_length=200,
        description="fields left out of an entry keep their stored value",
    )


class SubmitIn(Request):
    confirm_profile: bool = Field(False, description="confirm the company profile first")
    confirm_lower_targets: bool = Field(
        False, description="submit although some target is below its current level"
    )


class StatOut(Out):
    n_current: int
    n_target: int
    current_mean: float | None
    target_mean: float | None
    current_median: float | None
    target_median: float | None
    gap: float | None


class ItemScoreOut(Out):
    item_id: str
    current: int | None
    target: int | None
    gap: int | None


class ScoresOut(Out):
    assessment_id: int
    index_version: str
    scoring_version: str | None
    submitted_at: datetime | None
    revision: int | None = Field(
        description="set while the year is edited again: the number of the submitted version shown"
    )
    leading: bool | None
    complete: bool
    overall: StatOut
    frameworks: dict[str, StatOut]
    groups: dict[str, StatOut]
    items: dict[str, ItemScoreOut]


class SubmitOut(Out):
    assessment: AssessmentOut
    scores: ScoresOut


# -- indicators --------------------------------------------------------------------------------


class ActualOut(Out):
    fiscal_year: int
    value: str = Field(description="decimal as text, exact")


class IndicatorOut(Out):
    id: int
    name: str
    definition: str
    value_type: str
    unit: str | None
    direction: str
    baseline_year: int
    baseline_value: str
    target_year: int
    target_value: str
    cycle: int
    archived: bool
    actuals: list[ActualOut]


class IndicatorList(Out):
    items: list[IndicatorOut]
    next_cursor: str | None


# -- bureau reports ----------------------------------------------------------------------------

_Choice = Annotated[str, Field(max_length=32, pattern=r"^[A-Za-z0-9_-]*$")]


class ReportQuery(Request):
    """The bureau page's own query: a release (or a fiscal year and index version) and at most
    one filter. Values the page would not offer are named in ``notices`` and ignored, as there."""

    model_config = ConfigDict(extra="forbid", strict=False)
    release: _Choice | None = None
    year: _Choice | None = None
    version: _Choice | None = None
    bureau: _Choice | None = Field(None, description="national accounts only")
    prefecture: _Choice | None = None
    industry: _Choice | None = None
    size: _Choice | None = None
    cohort: _Choice | None = None


class ReleaseOut(Out):
    id: int
    fiscal_year: int
    index_version: str
    released_at: str = Field(description="ISO 8601, UTC")
    label: str


class ReportTableOut(Out):
    key: str
    heading: str
    title: str
    columns: list[str]
    rows: list[list[str | int | None]] = Field(
        description="first value the row label; figures as exact decimal text (2.00), counts as "
        "integers; a suppressed row holds only the suppression text"
    )


class ReportOut(Out):
    scope: str
    name: str
    release: ReleaseOut | None
    releases: list[ReleaseOut]
    filter: list[str] | None = Field(None, description="[parameter, value] of the filter used")
    notices: list[str]
    tables: list[ReportTableOut]
