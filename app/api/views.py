"""/api/v1: thin views. Each parses (Spectree, with the models of schemas.py), loads and
authorises (app/access.py, the pages' own loaders), calls a service and answers JSON. Their
rules are in routes.py, which imports this module on the first API request."""

from flask import current_app, render_template, request
from flask_login import current_user

from app.access import get_assessment_or_404, get_company_or_404
from app.api import services
from app.api.core import (
    ApiProblem,
    decode_cursor,
    etag_of,
    json_response,
    page_of,
    public,
    token_required,
)
from app.api.routes import load_views
from app.api.schemas import (
    AnswersPatch,
    AssessmentIn,
    AssessmentList,
    AssessmentOut,
    CompanyIn,
    CompanyList,
    CompanyOut,
    IndexList,
    IndexOut,
    IndicatorList,
    PageQuery,
    Problem,
    ReportOut,
    ReportQuery,
    ScoresOut,
    SubmitIn,
    SubmitOut,
)
from app.api.spec import responses, spec
from app.assessments import services as assessment_services
from app.companies.fiscal import startable_year_problem
from app.companies.form_limit import company_form_limit
from app.companies.services import DuplicateCorporateNumber
from app.indexes.services import active_versions, default_version
from questionnaires import load_index

READ = responses("HTTP_304")


def _query() -> PageQuery:
    return request.context.query


def _body():
    return request.context.json


# -- the contract ------------------------------------------------------------------------------


@public
def openapi():
    """The OpenAPI 3.1 document, generated from the models that validate the requests."""
    return json_response_of(openapi_document())


@public
def docs():
    """The API reference: every operation with its parameters and answers (no script)."""
    from app.api.openapi import reference

    doc = openapi_document()
    return render_template("api/docs.html", doc=doc, operations=reference(doc))


def json_response_of(document: dict):
    from flask import json

    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["ETag"] = etag_of(body)
    return response


def openapi_document() -> dict:
    """Spectree documents the views it finds in app.view_functions, so the real ones must be
    there, whoever asks (its document is built once per process)."""
    from app.api.openapi import finished

    load_views(current_app)
    return finished(spec.spec)


# -- indexes -----------------------------------------------------------------------------------


@token_required
@spec.validate(
    query=PageQuery,
    resp=responses("HTTP_304", HTTP_200=IndexList, HTTP_422=Problem),
    tags=["indexes"],
    security={"bearer": []},
)
def indexes():
    """Index versions (DX推進指標の版)."""
    query = _query()
    after = decode_cursor(query.cursor, str)
    rows = [v for v in services.index_versions() if after is None or v.version > after]
    items, cursor = page_of(rows, query, key=lambda v: v.version)
    return json_response(IndexList(items=items, next_cursor=cursor))


@token_required
@spec.validate(
    resp=responses("HTTP_304", HTTP_200=IndexOut), tags=["indexes"], security={"bearer": []}
)
def index(version):
    """One index version: levels, frameworks, item groups and items."""
    out = services.index_out(version)
    if out is None:
        raise ApiProblem(404, "この版の指標はありません。", "not_found")
    return json_response(out)


# -- companies ---------------------------------------------------------------------------------


@token_required
@spec.validate(
    query=PageQuery,
    resp=responses("HTTP_304", HTTP_200=CompanyList, HTTP_422=Problem),
    tags=["companies"],
    security={"bearer": []},
)
def companies():
    """The companies the token's user may see (member or advisor with an active grant)."""
    query = _query()
    rows = services.companies_page(current_user, decode_cursor(query.cursor), query.limit)
    items, cursor = page_of(rows, query, key=lambda c: c.id)
    return json_response(
        CompanyList(
            items=[services.company_out(c, current_user) for c in items], next_cursor=cursor
        )
    )


@token_required
@company_form_limit  # before validation: a refused body counts too, as on the web form
@spec.validate(
    json=CompanyIn,
    resp=responses(HTTP_201=CompanyOut, HTTP_403=Problem, HTTP_409=Problem, HTTP_422=Problem),
    tags=["companies"],
    security={"bearer": []},
)
def create_company():
    """Register a company; the token's user becomes its owner (company accounts only)."""
    if current_user.role != "member":
        raise ApiProblem(403, "会社を登録できるのは企業ユーザーのアカウントだけです。", "forbidden")
    form = services.company_form(_body())
    if not form.validate():
        errors = services.form_errors(form)
        raise ApiProblem(
            422, "入力内容に誤りがあります。errors を確認してください。", "validation_error", errors
        )
    try:
        company = services.new_company(form, current_user)
    except DuplicateCorporateNumber as exc:
        raise ApiProblem(
            409,
            str(exc),
            "duplicate_corporate_number",
            [{"pointer": "/corporate_number", "detail": str(exc)}],
        ) from None
    return json_response(
        services.company_out(company, current_user),
        201,
        {"Location": f"/api/v1/companies/{company.id}"},
    )


@token_required
@spec.validate(
    resp=responses("HTTP_304", HTTP_200=CompanyOut), tags=["companies"], security={"bearer": []}
)
def company(company_id):
    """One company's profile."""
    return json_response(services.company_out(get_company_or_404(company_id), current_user))


@token_required
@spec.validate(
    query=PageQuery,
    resp=responses("HTTP_304", HTTP_200=AssessmentList, HTTP_422=Problem),
    tags=["assessments"],
    security={"bearer": []},
)
def company_assessments(company_id):
    """The company's assessments, one per fiscal year."""
    company = get_company_or_404(company_id)
    query = _query()
    rows = services.assessments_page(company.id, decode_cursor(query.cursor), query.limit)
    items, cursor = page_of(rows, query, key=lambda a: a.id)
    return json_response(
        AssessmentList(items=[services.assessment_summary(a) for a in items], next_cursor=cursor)
    )


@token_required
@spec.validate(
    json=AssessmentIn,
    resp=responses(
        HTTP_200=AssessmentOut, HTTP_201=AssessmentOut, HTTP_403=Problem, HTTP_422=Problem
    ),
    tags=["assessments"],
    security={"bearer": []},
)
def start_assessment(company_id):
    """Start the assessment of a fiscal year (200 with the existing one if it was started)."""
    company = get_company_or_404(company_id, "edit")
    data: AssessmentIn = _body()
    version = data.index_version or default_version()
    errors = []
    if version not in active_versions():
        errors.append(
            {"pointer": "/index_version", "detail": "この版の指標はないか、停止されています。"}
        )
    problem = startable_year_problem(data.fiscal_year, company)
    if problem:
        errors.append({"pointer": "/fiscal_year", "detail": problem})
    if errors:
        raise ApiProblem(422, errors[0]["detail"], "validation_error", errors)
    existing = services.existing_assessment(company.id, data.fiscal_year)
    if existing is not None:
        return json_response(services.assessment_out(existing), 200)
    assessment = assessment_services.start_assessment(
        company, data.fiscal_year, current_user, prefill=data.prefill, index_version=version
    )
    return json_response(
        services.assessment_out(assessment),
        201,
        {"Location": f"/api/v1/assessments/{assessment.id}"},
    )


# -- one assessment ----------------------------------------------------------------------------


@token_required
@spec.validate(
    resp=responses("HTTP_304", HTTP_200=AssessmentOut),
    tags=["assessments"],
    security={"bearer": []},
)
def assessment(assessment_id):
    """An assessment with its answers. Its ETag is what PATCH …/answers needs in If-Match."""
    return json_response(services.assessment_out(get_assessment_or_404(assessment_id)))


def _representation_etag(assessment) -> str:
    return json_response(services.assessment_out(assessment)).headers["ETag"]


def _if_match():
    header = request.headers.get("If-Match")
    if not header:
        raise ApiProblem(
            428,
            "If-Match ヘッダーが必要です。GET /api/v1/assessments/{id} の ETag を送ってください。",
            "precondition_required",
        )
    return header


STALE = (
    "この診断は取得後に更新されています（別の画面・別のクライアント）。"
    "GET で最新の内容と ETag を取得し、変更を確認してからやり直してください。何も保存していません。"
)


@token_required
@spec.validate(
    json=AnswersPatch,
    resp=responses(
        HTTP_200=AssessmentOut,
        HTTP_403=Problem,
        HTTP_409=Problem,
        HTTP_412=Problem,
        HTTP_422=Problem,
        HTTP_428=Problem,
    ),
    tags=["assessments"],
    security={"bearer": []},
)
def patch_answers(assessment_id):
    """Save answers of any items, all or nothing. Needs `If-Match` with the assessment's ETag:
    412 when it changed since (nothing is saved), 428 without the header."""
    assessment = get_assessment_or_404(assessment_id, "edit")
    data: AnswersPatch = _body()
    index = load_index(assessment.index_version)
    errors, seen = [], set()
    for n, answer in enumerate(data.answers):
        if not index.has_item(answer.item_id):
            errors.append(
                {
                    "pointer": f"/answers/{n}/item_id",
                    "detail": f"この版の指標に項目 {answer.item_id} はありません。",
                }
            )
        elif answer.item_id in seen:
            errors.append(
                {
                    "pointer": f"/answers/{n}/item_id",
                    "detail": f"項目 {answer.item_id} が2回指定されています。",
                }
            )
        seen.add(answer.item_id)
    if errors:
        raise ApiProblem(422, errors[0]["detail"], "validation_error", errors)
    tags = [t.strip() for t in _if_match().split(",")]
    if assessment.status == "submitted":
        raise ApiProblem(
            409,
            "提出済みの診断は変更できません。画面で再編集に戻してください。",
            "assessment_submitted",
        )
    version = assessment.version
    rows = [a.model_dump(exclude_unset=True) for a in data.answers]
    try:
        assessment_services.save_answers(
            assessment,
            rows,
            version,
            current_user,
            check=lambda: _representation_etag(assessment) in tags or "*" in tags,
        )
    except assessment_services.AssessmentLocked:
        raise ApiProblem(409, "提出済みの診断は変更できません。", "assessment_submitted") from None
    except assessment_services.StaleVersion:
        raise ApiProblem(412, STALE, "stale_version") from None
    return json_response(services.assessment_out(get_assessment_or_404(assessment_id)))


@token_required
@spec.validate(
    json=SubmitIn,
    resp=responses(HTTP_200=SubmitOut, HTTP_403=Problem, HTTP_409=Problem, HTTP_422=Problem),
    tags=["assessments"],
    security={"bearer": []},
)
def submit(assessment_id):
    """Submit; the scores are computed and stored. Idempotent: a repeat answers the same."""
    assessment = get_assessment_or_404(assessment_id, "edit")
    data: SubmitIn = _body() or SubmitIn()
    if assessment.status == "draft":
        _submit_draft(assessment, data)
        assessment = get_assessment_or_404(assessment_id, "edit")
    scores = services.scores_out(assessment)
    return json_response(SubmitOut(assessment=services.assessment_out(assessment), scores=scores))


def _submit_draft(assessment, data: SubmitIn) -> None:
    missing = assessment_services.missing_items(assessment)
    if missing:
        raise ApiProblem(
            409,
            f"未回答の項目が{len(missing)}件あるため提出できません。",
            "incomplete",
            [{"pointer": f"#/item/{m.id}", "detail": "未回答（現在・目標）"} for m in missing],
        )
    lower = assessment_services.lower_targets(assessment)
    if lower and not data.confirm_lower_targets:
        raise ApiProblem(
            409,
            "目標値が現在値を下回る項目があります。confirm_lower_targets: true で提出できます。",
            "lower_targets",
            [{"pointer": f"#/item/{i.id}", "detail": "目標 < 現在"} for i in lower],
        )
    if assessment.profile_confirmed_at is None:
        if not data.confirm_profile:
            raise ApiProblem(
                409,
                "会社情報が確認されていません。confirm_profile: true で確認して提出できます。",
                "profile_not_confirmed",
            )
        assessment_services.confirm_profile(assessment)
    try:
        assessment_services.submit(assessment, assessment.version, current_user)
    except assessment_services.ProfileNotConfirmed:
        raise ApiProblem(409, "会社情報が確認されていません。", "profile_not_confirmed") from None
    except assessment_services.IncompleteAssessment:
        raise ApiProblem(409, "未回答の項目があるため提出できません。", "incomplete") from None
    # False: another request submitted (or changed) it first; the caller reads what is stored.


@token_required
@spec.validate(
    resp=responses("HTTP_304", HTTP_200=ScoresOut), tags=["assessments"], security={"bearer": []}
)
def scores(assessment_id):
    """The stored scores the results page shows (the last submitted version while a year is
    edited again); 404 before the first submit."""
    out = services.scores_out(get_assessment_or_404(assessment_id))
    if out is None:
        raise ApiProblem(404, "診断結果は提出後に表示されます。", "not_submitted")
    return json_response(out)


# -- indicators --------------------------------------------------------------------------------


@token_required
@spec.validate(
    query=PageQuery,
    resp=responses("HTTP_304", HTTP_200=IndicatorList, HTTP_422=Problem),
    tags=["indicators"],
    security={"bearer": []},
)
def indicators(company_id):
    """The company's active 定量指標 with baseline, target and each year's actual."""
    company = get_company_or_404(company_id)
    query = _query()
    rows = services.indicators_page(company.id, decode_cursor(query.cursor), query.limit)
    items, cursor = page_of(rows, query, key=lambda i: i.id)
    return json_response(IndicatorList(items=items, next_cursor=cursor))


# -- bureau reports ----------------------------------------------------------------------------


@token_required
@spec.validate(
    query=ReportQuery,
    resp=responses("HTTP_304", HTTP_200=ReportOut, HTTP_403=Problem, HTTP_422=Problem),
    tags=["reports"],
    security={"bearer": []},
)
def reports():
    """The bureau report of the token's bureau (or the nation): exactly the released figures
    the bureau page shows, with the same suppression (nothing is computed from live answers)."""
    if current_user.role != "bureau":
        raise ApiProblem(403, "集計は経済産業局のアカウントだけが見られます。", "forbidden")
    return json_response(services.report_out(current_user.bureau_code, request.args))
