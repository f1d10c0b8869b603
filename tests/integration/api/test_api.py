"""The JSON API's behaviour: bad input, versions, idempotent submit, scores = results page,
ETags, cursors, problem details, and the tokens themselves (issue 14)."""

import hashlib

import pytest
from sqlalchemy import func, select

from app.api.tokens import create_token
from app.assessments import services
from app.models import Answer, ApiToken, Assessment, AuditEvent, Company
from app.web.numbers import score_text
from questionnaires import load_index
from tests.conftest import csrf_from
from tests.pages import Page

API = "/api/v1"
INDEX = load_index("2019-07")


@pytest.fixture()
def api(app, make_user, make_company, db):
    """An owner's token, company and this year's draft; `call(method, url, **kw)`."""
    owner = make_user(email="api-owner@example.jp")
    company = make_company(owner)
    draft = services.start_assessment(company, 2025, owner, prefill=False, index_version="2019-07")
    secret = create_token(owner, "test", None).secret
    client = app.test_client()

    def call(method, url, headers=None, **kwargs):
        headers = {"Authorization": "Bearer " + secret, **(headers or {})}
        return client.open(API + url, method=method, headers=headers, **kwargs)

    return call, owner, company, draft


def answers_state(db, assessment_id):
    return db.session.execute(
        select(Answer.item_id, Answer.current_level, Answer.target_level, Answer.evidence)
        .where(Answer.assessment_id == assessment_id)
        .order_by(Answer.item_id)
    ).all()


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    assert set(body) <= {"type", "title", "status", "detail", "code", "errors"}
    if code:
        assert body["code"] == code
    return body


def etag(call, assessment_id):
    return call("GET", f"/assessments/{assessment_id}").headers["ETag"]


# -- bad input changes nothing --------------------------------------------------------------------


def test_bad_bodies_get_a_clear_4xx_and_change_nothing(api, db, app):
    call, _, _, draft = api
    tag = etag(call, draft.id)
    before = answers_state(db, draft.id)
    url = f"/assessments/{draft.id}/answers"
    headers = {"If-Match": tag}

    body = assert_problem(
        call("PATCH", url, headers=headers, data="{not json", content_type="application/json"),
        400,
        "malformed_json",
    )
    assert "JSON" in body["detail"]
    assert_problem(
        call("PATCH", url, headers=headers, data="answers=1", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    wrong = call(
        "PATCH",
        url,
        headers=headers,
        json={"answers": [{"item_id": "1", "current": "3", "target": 9.5, "extra": True}]},
    )
    errors = {e["pointer"]: e["detail"] for e in assert_problem(wrong, 422)["errors"]}
    assert set(errors) == {"/answers/0/current", "/answers/0/target", "/answers/0/extra"}
    out_of_range = call(
        "PATCH", url, headers=headers, json={"answers": [{"item_id": "1", "current": 6}]}
    )
    assert [e["pointer"] for e in assert_problem(out_of_range, 422)["errors"]] == [
        "/answers/0/current"
    ]
    unknown_item = call(
        "PATCH", url, headers=headers, json={"answers": [{"item_id": "99", "current": 1}]}
    )
    assert assert_problem(unknown_item, 422)["errors"][0]["pointer"] == "/answers/0/item_id"
    nul = call(
        "PATCH", url, headers=headers, json={"answers": [{"item_id": "1", "evidence": "a\x00b"}]}
    )
    assert assert_problem(nul, 422)["errors"][0]["pointer"] == "/answers/0/evidence"
    huge = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert_problem(
        call("PATCH", url, headers=headers, data=huge, content_type="application/json"), 413
    )
    assert answers_state(db, draft.id) == before
    assert etag(call, draft.id) == tag


def test_unknown_fields_and_types_are_refused_on_create(api, db):
    call, *_ = api
    count = db.session.scalar(select(func.count()).select_from(Company))
    body = assert_problem(
        call(
            "POST",
            "/companies",
            json={
                "name": "x",
                "prefecture_code": "13",
                "jsic_division": "E",
                "employees": "10",
                "ceo": "me",
            },
        ),
        422,
    )
    assert {e["pointer"] for e in body["errors"]} == {"/employees", "/ceo"}
    bad_number = call(
        "POST",
        "/companies",
        json={
            "name": "x",
            "prefecture_code": "13",
            "jsic_division": "E",
            "corporate_number": "1234567890123",
        },
    )
    assert assert_problem(bad_number, 422)["errors"][0]["pointer"] == "/corporate_number"
    assert db.session.scalar(select(func.count()).select_from(Company)) == count


def test_create_company_makes_the_token_user_owner(api, db):
    call, owner, *_ = api
    response = call(
        "POST",
        "/companies",
        json={
            "name": "API登録株式会社",
            "is_sole_proprietor": True,
            "prefecture_code": "27",
            "jsic_division": "G",
            "employees": 12,
            "capital_yen": 3000000,
            "fiscal_year_start_month": 1,
        },
    )
    assert response.status_code == 201
    made = response.get_json()
    assert made["actions"] == ["comment", "edit", "manage", "view"]
    company = db.session.get(Company, made["id"])
    assert (company.name, company.employees, company.fiscal_year_start_month) == (
        "API登録株式会社",
        12,
        1,
    )
    assert call("GET", f"/companies/{made['id']}").get_json() == made


# -- versions ----------------------------------------------------------------------------------


def test_if_match_guards_the_answers(api, db):
    call, _, _, draft = api
    url = f"/assessments/{draft.id}/answers"
    change = {"answers": [{"item_id": "1", "current": 2, "target": 4, "evidence": "根拠"}]}
    assert_problem(call("PATCH", url, json=change), 428, "precondition_required")
    first = etag(call, draft.id)
    saved = call("PATCH", url, headers={"If-Match": first}, json=change)
    assert saved.status_code == 200
    assert saved.get_json()["answers"] == [
        {"item_id": "1", "current": 2, "target": 4, "evidence": "根拠", "action": ""}
    ]
    assert saved.headers["ETag"] != first
    before = answers_state(db, draft.id)
    stale = call(
        "PATCH",
        url,
        headers={"If-Match": first},
        json={"answers": [{"item_id": "1", "current": 0}]},
    )
    assert "最新" in assert_problem(stale, 412, "stale_version")["detail"]
    assert answers_state(db, draft.id) == before
    # A partial entry keeps the fields it leaves out.
    partial = call(
        "PATCH",
        url,
        headers={"If-Match": saved.headers["ETag"]},
        json={"answers": [{"item_id": "1", "target": 5}]},
    )
    assert partial.get_json()["answers"][0] == {
        "item_id": "1",
        "current": 2,
        "target": 5,
        "evidence": "根拠",
        "action": "",
    }


def test_a_save_on_the_page_makes_the_api_etag_stale(api, db):
    call, owner, _, draft = api
    tag = etag(call, draft.id)
    step = INDEX.steps[0]
    values = {i: {"current": 1, "target": 2, "evidence": "", "action": ""} for i in step.item_ids}
    assert services.save_step(draft, step, values, 0, owner) is None
    before = answers_state(db, draft.id)
    stale = call(
        "PATCH",
        f"/assessments/{draft.id}/answers",
        headers={"If-Match": tag},
        json={"answers": [{"item_id": step.item_ids[0], "current": 5}]},
    )
    assert_problem(stale, 412)
    assert answers_state(db, draft.id) == before


def full_answers():
    return [
        {
            "item_id": item.id,
            "current": n % 6,
            "target": max(0, n % 6 - 1) if n % 7 == 3 else min(5, n % 6 + n % 3),
        }
        for n, item in enumerate(INDEX.items)
    ]


def test_submit_is_idempotent_and_scores_equal_the_results_page(api, db, login, client):
    call, owner, _, draft = api
    url = f"/assessments/{draft.id}"
    assert (
        call(
            "PATCH",
            url + "/answers",
            headers={"If-Match": etag(call, draft.id)},
            json={"answers": full_answers()},
        ).status_code
        == 200
    )
    lower = call("POST", url + "/submit", json={"confirm_profile": True})
    assert_problem(lower, 409, "lower_targets")  # some targets are below current on purpose
    assert db.session.get(Assessment, draft.id).status == "draft"
    first = call(
        "POST", url + "/submit", json={"confirm_profile": True, "confirm_lower_targets": True}
    )
    assert first.status_code == 200
    again = call("POST", url + "/submit")
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "submit")
        )
        == 1
    )

    scores = call("GET", url + "/scores").get_json()
    assert scores == first.get_json()["scores"]
    login(owner.email)
    page = Page(client.get(f"/assessments/{draft.id}/results"))
    tables = page.select("table.table")
    summary = [
        [c.get_text(strip=True) for c in row.select("th, td")][:4]
        for row in tables[0].select("tbody tr")
    ]
    groups = [
        [c.get_text(strip=True) for c in row.select("th, td")][:4]
        for row in tables[1].select("tbody tr")
    ]
    expected = [scores["overall"], *scores["frameworks"].values()]
    assert [r[1:4] for r in summary] == [
        [score_text(s["current_mean"]), score_text(s["target_mean"]), score_text(s["gap"])]
        for s in expected
    ]
    assert [r[1:4] for r in groups] == [
        [score_text(s["current_mean"]), score_text(s["target_mean"]), score_text(s["gap"])]
        for s in scores["groups"].values()
    ]
    # and the API's own means are those of the answers sent
    currents = [a["current"] for a in full_answers()]
    assert scores["overall"]["current_mean"] == pytest.approx(sum(currents) / len(currents))


def test_scores_before_submit_are_404_problem(api):
    call, _, _, draft = api
    assert_problem(call("GET", f"/assessments/{draft.id}/scores"), 404, "not_submitted")


# -- reading -------------------------------------------------------------------------------------


def test_etag_gives_304_and_changes_with_the_data(api):
    call, _, company, _ = api
    first = call("GET", f"/companies/{company.id}")
    tag = first.headers["ETag"]
    cached = call("GET", f"/companies/{company.id}", headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.get_data() == b""
    assert (
        call("GET", f"/companies/{company.id}", headers={"If-None-Match": '"other"'}).status_code
        == 200
    )


def test_cursor_pagination_walks_every_company_once(api, make_company, add_member):
    call, owner, first_company, _ = api
    made = [first_company.id] + [make_company(owner, name=f"会社{n}").id for n in range(4)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = call("GET", "/companies" + query).get_json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(made) and pages == 3
    assert_problem(call("GET", "/companies?cursor=!!"), 422)
    assert_problem(call("GET", "/companies?cursor=bm90LWFuLWlk"), 422)


def test_index_lists_items_groups_levels(api):
    call, *_ = api
    listing = call("GET", "/indexes").get_json()
    assert {"version": "2019-07", "title": INDEX.title, "default": True} in listing["items"]
    index = call("GET", "/indexes/2019-07").get_json()
    assert [i["id"] for i in index["items"]] == [i.id for i in INDEX.items]
    assert len(index["groups"]) == len(INDEX.groups) and len(index["levels"]) == 6
    assert_problem(call("GET", "/indexes/1999-01"), 404)


def test_unknown_paths_and_methods_are_problems(api):
    call, *_ = api
    assert_problem(call("GET", "/nothing-here"), 404)
    assert_problem(call("DELETE", "/companies"), 405)


def test_an_assessment_can_be_started_once_per_year(api, db):
    call, _, company, _ = api
    made = call("POST", f"/companies/{company.id}/assessments", json={"fiscal_year": 2024})
    assert made.status_code == 201
    again = call("POST", f"/companies/{company.id}/assessments", json={"fiscal_year": 2024})
    assert again.status_code == 200 and again.get_json()["id"] == made.get_json()["id"]
    future = call("POST", f"/companies/{company.id}/assessments", json={"fiscal_year": 2099})
    assert assert_problem(future, 422)["errors"][0]["pointer"] == "/fiscal_year"


# -- tokens ------------------------------------------------------------------------------------


def test_account_page_creates_a_token_shown_once_and_revokes_it(app, make_user, login, client, db):
    user = make_user(email="tok@example.jp")
    login(user.email)
    page = client.get("/account")
    created = client.post(
        "/account/tokens",
        data={"csrf_token": csrf_from(page), "name": "連携スクリプト", "expires_days": "30"},
    )
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = Page(created).select_one("#token-value")["value"]
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get("/account").get_data(as_text=True)
    api_client = app.test_client()
    auth = {"Authorization": "Bearer " + secret}
    assert api_client.get(API + "/companies", headers=auth).status_code == 200
    listed = Page(client.get("/account")).table("#api-tokens table")
    assert listed[1][0] == "連携スクリプト" and listed[1][5] == "有効"
    assert listed[1][4] != "未使用"  # last use is shown
    page = client.get("/account")
    revoked = client.post(
        f"/account/tokens/{stored.id}/revoke", data={"csrf_token": csrf_from(page)}
    )
    assert revoked.status_code == 302
    assert_problem(api_client.get(API + "/companies", headers=auth), 401)


def test_cli_creates_a_token(app, make_user):
    user = make_user(email="cli@example.jp")
    result = app.test_cli_runner().invoke(
        args=["tokens", "create", "--email", user.email, "--name", "batch", "--expires-days", "7"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    response = app.test_client().get(
        API + "/indexes", headers={"Authorization": "Bearer " + secret}
    )
    assert response.status_code == 200
    missing = app.test_cli_runner().invoke(args=["tokens", "create", "--email", "no@example.jp"])
    assert missing.exit_code != 0


def test_the_throttle_answers_429_problem_per_token(app, api):
    call, *_ = api
    app.config["API_TOKEN_LIMITS"] = "3 per minute"
    try:
        responses = [call("GET", "/indexes") for _ in range(4)]
    finally:
        app.config["API_TOKEN_LIMITS"] = "300 per minute; 10000 per day"
    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    assert_problem(responses[3], 429, "too_many_requests")
    assert int(responses[3].headers["Retry-After"]) > 0


def test_the_token_budget_is_shared_by_every_operation(app, api):
    """One budget per token, not one per operation (registering a company included)."""
    call, _owner, company, _draft = api
    app.config["API_TOKEN_LIMITS"] = "3 per minute"
    try:
        responses = [call("GET", "/indexes"), call("GET", "/companies")]
        responses.append(call("GET", f"/companies/{company.id}"))
        responses += [call("GET", "/openapi.json"), call("POST", "/companies", json={})]
    finally:
        app.config["API_TOKEN_LIMITS"] = "300 per minute; 10000 per day"
    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    for refused in responses[3:]:
        assert_problem(refused, 429, "too_many_requests")


def test_ids_and_cursors_past_the_integer_column_are_4xx(api):
    """Found by schemathesis on PostgreSQL: such ids once reached the database (500)."""
    call, *_ = api
    for url in (
        "/companies/2147483648",
        "/assessments/2147483648/scores",
        "/companies/99999999999/indicators",
    ):
        assert_problem(call("GET", url), 404)
    import base64

    huge = base64.urlsafe_b64encode(b"2147483648").decode().rstrip("=")
    assert_problem(call("GET", f"/companies?cursor={huge}"), 422)


def test_tokens_of_disabled_accounts_and_accounts_owing_2fa_are_refused(app, make_user, db):
    from app.models import TwoFactorPolicy

    disabled = make_user(email="gone@example.jp")
    owing = make_user(email="owing@example.jp", role="advisor", organisation="支援機関")
    secrets_ = {u.email: create_token(u, "t", None).secret for u in (disabled, owing)}
    disabled.is_disabled = True
    db.session.add(TwoFactorPolicy(role="advisor", required=True))
    db.session.commit()
    client = app.test_client()

    def get(email):
        return client.get(
            API + "/companies", headers={"Authorization": "Bearer " + secrets_[email]}
        )

    assert_problem(get("gone@example.jp"), 401)
    body = assert_problem(get("owing@example.jp"), 403)
    assert "2段階認証" in body["detail"]


def test_token_pages_keep_csrf_and_the_api_ignores_the_session(make_user, login, client, db):
    """The API is CSRF-exempt only because it ignores cookies: a signed-in browser posting to it
    without a token is 401, and the account page's token forms still need their CSRF token."""
    user = make_user(email="csrf@example.jp")
    login(user.email)
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    before = db.session.scalar(select(func.count()).select_from(Company))
    response = client.post(
        API + "/companies",
        json={
            "name": "クッキー株式会社",
            "is_sole_proprietor": True,
            "prefecture_code": "13",
            "jsic_division": "E",
        },
    )
    assert_problem(response, 401)
    assert db.session.scalar(select(func.count()).select_from(Company)) == before


def test_a_database_outage_is_a_503_problem(api, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.api import services as api_services

    call, _, company, _ = api

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(api_services, "company_out", down)
    response = call("GET", f"/companies/{company.id}")
    assert_problem(response, 503)
    # The API is rate-limited: the limiter's window must not replace the 503's own value.
    assert response.headers["Retry-After"] == "10"


def test_a_successful_response_of_a_limited_route_has_no_retry_after(api):
    call, _, company, _ = api
    response = call("GET", f"/companies/{company.id}")
    assert response.status_code == 200
    assert "Retry-After" not in response.headers
