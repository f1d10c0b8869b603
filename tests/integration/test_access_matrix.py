"""Every endpoint x every role -> the expected status (issue 3).

One world: company A (Tokyo, so the 関東経済産業局) with an owner, an editor and a viewer, a draft
assessment for this fiscal year and a submitted one for last year, an indicator, an open
invitation, an advisor with a read + comment grant, one with a read-only grant and one whose
grant was revoked, an advisor's review point on the submitted year; company B
(Osaka) whose owner is the outsider. Each role gets its own test and its own copy of the world,
requests every endpoint, and the test lists every mismatch at once.

The rules the table encodes (app/access.py, app/guards.py):
- anonymous: public pages answer; everything else redirects to the login page;
- a page for another kind of account, or a company the user may not see: 404 (nothing leaks);
- a company the user may see, but an action the user may not take: 403.

POSTs carry a valid CSRF token and an empty or harmless body: the guard is under test, not the
form, so allowed roles mostly get the form's 400. Destructive actions come last. Roles that may
not change company A must leave every one of its rows exactly as they were.
"""

from dataclasses import dataclass, field

import pytest
from sqlalchemy import func

from app.advisors import services as grant_services
from app.api.tokens import create_token
from app.auth.users import create_user
from app.exchange import services as exchange_services
from app.extensions import db as _db
from app.members import services as member_services
from app.models import (
    AdvisorGrant,
    Answer,
    Assessment,
    Comment,
    Company,
    Indicator,
    IndicatorValue,
    Invitation,
    ItemRating,
    Membership,
    ReviewComment,
)
from app.reports.releases import create_release
from app.reviews import services as review_services
from app.team import services as team_services
from questionnaires import load_index
from tests.conftest import PASSWORD, csrf_from
from tests.integration.kpi_helpers import make_indicator, this_fiscal_year
from tests.integration.member_helpers import draft_assessment, submitted_assessment

COMPANY_A = "マトリクス検証株式会社"
FIRST_STEP = "/assessments/{draft}/steps/" + load_index("2019-07").steps[0].id
FIRST_STEP_ID = load_index("2019-07").steps[0].id
TEAM = "/assessments/{draft}/team"

MEMBERS_OF_A = ("owner", "editor", "viewer")
READERS_OF_A = (*MEMBERS_OF_A, "advisor", "advisor_read")
EDITORS_OF_A = ("owner", "editor")
MEMBER_ACCOUNTS = (*MEMBERS_OF_A, "outsider")
ADVISORS = ("advisor", "advisor_read", "advisor_nogrant", "advisor_revoked")
ADVISORS_OF_A = ("advisor", "advisor_read")
BUREAUS = ("bureau_same", "bureau_other")
SIGNED_IN = (*MEMBER_ACCOUNTS, *ADVISORS, *BUREAUS, "admin")
ROLES = ("anonymous", *SIGNED_IN)
TOTP_ROLES = (*ADVISORS, *BUREAUS, "admin")


@dataclass(frozen=True)
class Case:
    method: str
    url: str  # formatted with the world's ids
    ok: dict  # role -> status when allowed
    forbidden: tuple = ()  # roles that see the company but may not act: 403
    anonymous: int | None = None  # status for a public endpoint; None means "login redirect"
    names_company: bool = False  # a refusal may name company A
    note: str = field(default="", compare=False)

    def expected(self, role: str) -> int:
        if role == "anonymous":
            return self.anonymous if self.anonymous is not None else 302
        if role in self.ok:
            return self.ok[role]
        return 403 if role in self.forbidden else 404


def each(roles, status) -> dict:
    return dict.fromkeys(roles, status)


def get(url, ok, **kw):
    return Case("GET", url, ok, **kw)


def post(url, ok, **kw):
    return Case("POST", url, ok, **kw)


VIEWER_ONLY = ("viewer",)
READ_ONLY = ("viewer", "advisor", "advisor_read")
NO_COMMENT = ("viewer", "advisor_read")  # see company A, may not comment
NON_OWNERS = ("editor", "viewer")

CASES = [
    # -- public pages and the session -----------------------------------------------------------
    get("/", each(SIGNED_IN, 302), anonymous=200),
    get("/session/status", each(SIGNED_IN, 200), anonymous=200),
    get("/login", each(SIGNED_IN, 302), anonymous=200),
    get("/signup", each(SIGNED_IN, 200), anonymous=200),
    get("/signup/sent", each(SIGNED_IN, 200), anonymous=200),
    get("/signup/confirm/not-a-token", each(SIGNED_IN, 400), anonymous=400),
    get("/login/2fa", each(SIGNED_IN, 302), anonymous=302),
    get("/password/forgot", each(SIGNED_IN, 200), anonymous=200),
    get("/password/forgot/sent", each(SIGNED_IN, 200), anonymous=200),
    get("/password/reset/not-a-token", each(SIGNED_IN, 400), anonymous=400),
    get("/invitations/{token}", each(SIGNED_IN, 200), anonymous=200),
    get("/help/glossary", each(SIGNED_IN, 200), anonymous=200),
    get("/help/team", each(SIGNED_IN, 200), anonymous=200),
    # -- the account ----------------------------------------------------------------------------
    get("/account", each(SIGNED_IN, 200)),
    get("/account/password", each(SIGNED_IN, 200)),
    get("/account/2fa", each(TOTP_ROLES, 200)),
    # -- administration -------------------------------------------------------------------------
    get("/admin/", {"admin": 200}),
    get("/admin/users/{target}", {"admin": 200}),
    get("/admin/users/new", {"admin": 200}),
    get("/admin/versions", {"admin": 200}),
    get("/admin/security", {"admin": 200}),
    get("/admin/releases", {"admin": 200}),
    # -- bureau reports -------------------------------------------------------------------------
    get("/bureau/reports", each(BUREAUS, 200)),
    get("/bureau/reports.csv", each(BUREAUS, 200)),
    get("/bureau/reports.xlsx", each(BUREAUS, 200)),
    # -- companies ------------------------------------------------------------------------------
    get("/advisor/clients", each(ADVISORS, 200)),
    get("/advisor/clients?sort=bogus&state=x", each(ADVISORS, 200), note="bad filters: said"),
    get("/advisor/portfolio", each(ADVISORS, 200)),
    get("/advisor/clients/{a}/report", each(ADVISORS_OF_A, 200)),
    get("/advisor/clients/{a}/report.pdf", each(ADVISORS_OF_A, 200)),
    get("/companies/", each(MEMBER_ACCOUNTS, 302), note="one company: straight to it"),
    get("/companies/new", each(MEMBER_ACCOUNTS, 200)),
    get("/companies/{a}", each(READERS_OF_A, 200)),
    get("/companies/{a}/edit", each(EDITORS_OF_A, 200), forbidden=VIEWER_ONLY),
    get("/companies/{a}/members", {"owner": 200}, forbidden=NON_OWNERS),
    get("/companies/{a}/advisors", {"owner": 200}, forbidden=NON_OWNERS),
    get("/companies/{a}/audit", {"owner": 200}, forbidden=NON_OWNERS),
    get("/companies/{a}/progress", each(READERS_OF_A, 200)),
    get("/companies/{a}/history", each(READERS_OF_A, 200)),
    # -- KPIs -----------------------------------------------------------------------------------
    get("/companies/{a}/kpis", each(READERS_OF_A, 200)),
    get("/companies/{a}/kpis/new", each(EDITORS_OF_A, 200), forbidden=VIEWER_ONLY),
    get("/kpis/{kpi}", each(READERS_OF_A, 200)),
    get("/kpis/{kpi}/edit", each(EDITORS_OF_A, 200), forbidden=VIEWER_ONLY),
    # -- data out and in (app/exchange): company members only; the import's preview token is
    #    the owner's own, so the editor (same company, another user) gets 404 -------------------
    get("/companies/{a}/exchange", each(MEMBERS_OF_A, 200)),
    get("/assessments/{done}/export.xlsx", each(MEMBERS_OF_A, 200)),
    get("/assessments/{draft}/export.xlsx", each(MEMBERS_OF_A, 200)),
    get("/companies/{a}/history.csv", each(MEMBERS_OF_A, 200)),
    get("/companies/{a}/history.json", each(MEMBERS_OF_A, 200)),
    get("/companies/{a}/import/{upload}", {"owner": 200, "editor": 404}, forbidden=VIEWER_ONLY),
    # -- the questionnaire ----------------------------------------------------------------------
    get("/assessments/{draft}", each(READERS_OF_A, 302), note="resume: to the first open step"),
    get("/assessments/{draft}/steps/profile", each(READERS_OF_A, 200)),
    get(FIRST_STEP, each(READERS_OF_A, 200)),
    get("/assessments/{draft}/kpis", each(READERS_OF_A, 200)),
    get("/assessments/{draft}/review", each(READERS_OF_A, 200)),
    get("/assessments/{done}/results", each(READERS_OF_A, 200)),
    get("/assessments/{done}/report.pdf", each(READERS_OF_A, 200)),
    get("/assessments/{draft}/report.pdf", each(READERS_OF_A, 302), note="not submitted: review"),
    get("/assessments/{done}/items/1", each(READERS_OF_A, 200)),
    get("/assessments/{draft}/items/1", each(READERS_OF_A, 200)),
    get("/assessments/{done}/reopen/confirm", each(EDITORS_OF_A, 200), forbidden=VIEWER_ONLY),
    # -- team mode (app/team): the editor is a participant who submitted, the viewer one who
    #    has not; the owner runs the round. Advisors and bureau users never reach it (404). ---
    get(TEAM, {"owner": 200}, forbidden=NON_OWNERS),
    get(TEAM + "/mine", {"editor": 200, "viewer": 200}, forbidden=("owner",)),
    get(TEAM + "/mine/" + FIRST_STEP_ID, {"editor": 200, "viewer": 200}, forbidden=("owner",)),
    get(TEAM + "/divergence", {"owner": 200, "editor": 200}, forbidden=VIEWER_ONLY),
    get(TEAM + "/consensus/" + FIRST_STEP_ID, each(EDITORS_OF_A, 200), forbidden=VIEWER_ONLY),
    # -- harmless posts: empty forms ------------------------------------------------------------
    post("/session/extend", each(SIGNED_IN, 200)),
    post("/account/password", each(SIGNED_IN, 400)),
    post("/account/notifications", each(SIGNED_IN, 302), note="unchecked box: turned off"),
    post("/account/tokens", each(SIGNED_IN, 200), note="empty form: a token, shown once"),
    post("/account/2fa/enable", each(TOTP_ROLES, 400)),
    post("/account/2fa/disable", each(TOTP_ROLES, 302), note="not enabled: back to the page"),
    post("/account/2fa/recovery-codes", each(TOTP_ROLES, 302), note="not enabled: back"),
    post("/login", each(SIGNED_IN, 200), anonymous=200, note="form errors re-shown"),
    post("/signup", each(SIGNED_IN, 200), anonymous=200),
    post("/signup/confirm/not-a-token", each(SIGNED_IN, 400), anonymous=400),
    post("/login/2fa", each(SIGNED_IN, 302), anonymous=302),
    post("/password/forgot", each(SIGNED_IN, 200), anonymous=200),
    post("/password/reset/not-a-token", each(SIGNED_IN, 400), anonymous=400),
    post("/admin/users/new", {"admin": 400}),
    post("/admin/users/{target}/role", {"admin": 400}),
    post("/companies/new", each(MEMBER_ACCOUNTS, 200), note="form errors re-shown"),
    post("/companies/{a}/edit", each(EDITORS_OF_A, 200), forbidden=VIEWER_ONLY),
    post("/companies/{a}/advisors", {"owner": 400}, forbidden=NON_OWNERS),
    post("/companies/{a}/invitations", {"owner": 400}, forbidden=NON_OWNERS),
    post("/companies/{a}/members/{m_viewer}/role", {"owner": 400}, forbidden=NON_OWNERS),
    post("/companies/{a}/assessments", each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY),
    post("/companies/{a}/kpis/new", each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY),
    post("/kpis/{kpi}/edit", each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY),
    post("/kpis/{kpi}/revise", each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY),
    post("/kpis/{kpi}/cycle", each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY),
    post("/kpis/{kpi}/values", each(EDITORS_OF_A, 302), forbidden=VIEWER_ONLY),
    # The questionnaire's pages serve advisors too, so their posts are refused with 403.
    post(
        "/assessments/{draft}/kpis",
        each(EDITORS_OF_A, 302),
        forbidden=READ_ONLY,
        note="no values: next step",
    ),
    post("/assessments/{draft}/steps/profile", each(EDITORS_OF_A, 302), forbidden=READ_ONLY),
    post(FIRST_STEP, each(EDITORS_OF_A, 400), forbidden=READ_ONLY, note="no version"),
    post("/assessments/{draft}/submit", each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY),
    post("/companies/{a}/import", each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY, note="no file"),
    post("/assessments/{done}/reopen", each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY),
    post(TEAM + "/start", {"owner": 302}, forbidden=NON_OWNERS, note="already started"),
    post(TEAM + "/participants", {"owner": 400}, forbidden=NON_OWNERS),
    post(TEAM + "/invitations", {"owner": 400}, forbidden=NON_OWNERS, note="empty form"),
    post(TEAM + "/remind", {"owner": 302}, forbidden=NON_OWNERS),
    post(TEAM + "/participants/{participant}/mail", {"owner": 302}, forbidden=NON_OWNERS),
    post(
        TEAM + "/mine/" + FIRST_STEP_ID,
        {"editor": 409, "viewer": 302},
        forbidden=("owner",),
        note="the editor submitted: closed; the viewer saves an empty own view",
    ),
    post(TEAM + "/mine/submit", {"editor": 302, "viewer": 302}, forbidden=("owner",)),
    post(TEAM + "/consensus/" + FIRST_STEP_ID, each(EDITORS_OF_A, 400), forbidden=VIEWER_ONLY),
    post(
        "/assessments/{draft}/comments",
        {"owner": 400, "editor": 400, "advisor": 400},
        forbidden=NO_COMMENT,
    ),
    # Only an advisor with comment rights rates; members and read-only advisors see the item.
    post(
        "/assessments/{done}/items/1/rating",
        {"advisor": 400},
        forbidden=(*MEMBERS_OF_A, "advisor_read"),
        note="no level",
    ),
    post(
        "/assessments/{done}/items/1/comments",
        {"owner": 400, "editor": 400, "advisor": 400},
        forbidden=NO_COMMENT,
    ),
    # The link's holder is told which company invited them: the token is the secret.
    post("/invitations/{token}/accept", each(SIGNED_IN, 403), names_company=True),
    # -- actions that change something, last ---------------------------------------------------
    post("/admin/users/{target}/send-reset", {"admin": 302}),
    post("/admin/users/{target}/clear-2fa", {"admin": 302}),
    post("/admin/users/{target}/disable", {"admin": 302}),
    post("/admin/users/{target}/enable", {"admin": 302}),
    post("/admin/security", {"admin": 302}, note="no box ticked: no role requires 2FA"),
    # Reopening: the company's editors and an advisor with comment rights (the point is open
    # here, so nothing changes and the advisor leaves company A as it was).
    post(
        "/review-comments/{point}/reopen",
        {"owner": 302, "editor": 302, "advisor": 302},
        forbidden=NO_COMMENT,
        note="already open: no change",
    ),
    post(
        "/review-comments/{point}/resolve",
        each(EDITORS_OF_A, 302),
        forbidden=READ_ONLY,
    ),
    post("/admin/versions/2019-07/default", {"admin": 302}, note="already the default"),
    post("/admin/versions/2019-07/deactivate", {"admin": 302}, note="refused: the default"),
    post("/admin/versions/2019-07/activate", {"admin": 302}),
    post("/admin/releases", {"admin": 400}, note="no fiscal year: the form's errors"),
    post("/admin/releases/{release}/check", {"admin": 302}),
    post("/admin/releases/999999/check", {"admin": 404}, note="no such release"),
    post("/companies/{a}/invitations/{invitation}/cancel", {"owner": 302}, forbidden=NON_OWNERS),
    post(TEAM + "/participants/{participant}/remove", {"owner": 302}, forbidden=NON_OWNERS),
    post(TEAM + "/stop", {"owner": 302}, forbidden=NON_OWNERS),
    post("/companies/{a}/advisors/{grant}/revoke", {"owner": 302}, forbidden=NON_OWNERS),
    post("/companies/{a}/members/{m_editor}/remove", {"owner": 302}, forbidden=NON_OWNERS),
    post(
        "/companies/{a}/import/{upload}/apply",
        {"owner": 302, "editor": 404},
        forbidden=VIEWER_ONLY,
        note="the owner's own pending import: applied once",
    ),
    post("/account/tokens/{api_token}/revoke", {"owner": 302}, note="another's token: 404"),
    post("/logout", each(SIGNED_IN, 302)),
]

# Roles allowed to change company A; every other role must leave it untouched.
MAY_CHANGE_A = {"owner", "editor"}


def _company(name, prefecture):
    company = Company(
        name=name,
        prefecture_code=prefecture,
        jsic_division="E",
        sme_sector="manufacturing_and_other",
        is_sole_proprietor=True,
        fiscal_year_start_month=4,
    )
    _db.session.add(company)
    _db.session.flush()
    return company


def build_world() -> tuple[dict, dict]:
    """The users by role and the ids the URLs need."""
    users = {
        role: create_user(f"{role}@matrix.example", PASSWORD, role=kind, **extra)
        for role, kind, extra in (
            ("owner", "member", {}),
            ("editor", "member", {}),
            ("viewer", "member", {}),
            ("outsider", "member", {}),
            ("advisor", "advisor", {"organisation": "支援センター"}),
            ("advisor_read", "advisor", {"organisation": "商工会"}),
            ("advisor_nogrant", "advisor", {"organisation": "地方銀行"}),
            ("advisor_revoked", "advisor", {"organisation": "診断士事務所"}),
            ("bureau_same", "bureau", {"bureau_code": "kanto"}),
            ("bureau_other", "bureau", {"bureau_code": "kinki"}),
            ("admin", "admin", {}),
            ("target", "member", {}),
        )
    }
    a = _company(COMPANY_A, "13")
    b = _company("他社株式会社", "27")
    memberships = {}
    for role in MEMBERS_OF_A:
        memberships[role] = Membership(company_id=a.id, user_id=users[role].id, role=role)
        _db.session.add(memberships[role])
    _db.session.add(Membership(company_id=b.id, user_id=users["outsider"].id, role="owner"))
    _db.session.commit()

    owner = users["owner"]
    fy = this_fiscal_year()
    done = submitted_assessment(a, owner, year=fy - 1)
    draft = draft_assessment(a, owner, year=fy)
    indicator = make_indicator(a, owner)
    invitation, token = member_services.create_invitation(a, "invitee@example.jp", "editor", owner)
    grant = grant_services.grant_access(a, users["advisor"].email, "comment", owner)
    grant_services.grant_access(a, users["advisor_read"].email, "read", owner)
    point = review_services.add_comment(
        done, "1", users["advisor"], "根拠を確認させてください", None
    )
    gone = grant_services.grant_access(a, users["advisor_revoked"].email, "read", owner)
    grant_services.revoke_grant(a, gone.id, owner)
    api_token = create_token(owner, "matrix", None).token
    team_services.start(draft, owner)
    steps = [s.id for s in load_index("2019-07").steps]
    submitter = team_services.add_participant(draft, users["editor"].id, "it_dept", steps, owner)
    waiting = team_services.add_participant(draft, users["viewer"].id, "business", steps, owner)
    team_services.save_view(
        draft,
        submitter,
        {i.id: {"current": 2, "target": 3, "note": ""} for i in load_index("2019-07").items},
    )
    team_services.submit_view(draft, submitter)
    _db.session.commit()
    pending = exchange_services.prepare_import(
        a, owner, fy, exchange_services.export_xlsx(draft), "a.xlsx", "2019-07"
    )
    release = create_release(fy - 1, "2019-07")
    ids = {
        "release": release.id,
        "a": a.id,
        "b": b.id,
        "done": done.id,
        "draft": draft.id,
        "kpi": indicator.id,
        "invitation": invitation.id,
        "token": token,
        "grant": grant.id,
        "point": point.id,
        "m_editor": memberships["editor"].id,
        "m_viewer": memberships["viewer"].id,
        "target": users["target"].id,
        "upload": pending.id,
        "api_token": api_token.id,
        "participant": waiting.id,
    }
    return users, ids


def snapshot(company_id: int) -> dict:
    """Everything company A owns, as plain values, to compare before and after."""
    assessments = _db.select(Assessment.id).where(Assessment.company_id == company_id)
    indicators = _db.select(Indicator.id).where(Indicator.company_id == company_id)
    of_company = {
        Membership: (Membership.user_id, Membership.role),
        AdvisorGrant: (AdvisorGrant.id, AdvisorGrant.scope, AdvisorGrant.revoked_at),
        Invitation: (Invitation.id, Invitation.used_at, Invitation.revoked_at),
        Assessment: (Assessment.id, Assessment.status, Assessment.version),
        Indicator: (Indicator.id, Indicator.name, Indicator.target_value, Indicator.archived_at),
        Company: (Company.name, Company.prefecture_code, Company.employees),
    }
    state = {}
    for model, columns in of_company.items():
        owner_column = model.id if model is Company else model.company_id
        query = _db.select(*columns).where(owner_column == company_id).order_by(*columns)
        state[model.__name__] = [tuple(row) for row in _db.session.execute(query)]
    for model, parent, parents in (
        (Answer, Answer.assessment_id, assessments),
        (Comment, Comment.assessment_id, assessments),
        (ReviewComment, ReviewComment.assessment_id, assessments),
        (ItemRating, ItemRating.assessment_id, assessments),
        (IndicatorValue, IndicatorValue.indicator_id, indicators),
    ):
        query = _db.select(func.count()).select_from(model).where(parent.in_(parents))
        state[model.__name__] = _db.session.scalar(query)
    state["review points resolved"] = _db.session.execute(
        _db.select(ReviewComment.id, ReviewComment.resolved_at)
        .where(ReviewComment.assessment_id.in_(assessments))
        .order_by(ReviewComment.id)
    ).all()
    state["answer levels"] = _db.session.execute(
        _db.select(Answer.item_id, Answer.current_level, Answer.target_level)
        .where(Answer.assessment_id.in_(assessments))
        .order_by(Answer.assessment_id, Answer.item_id)
    ).all()
    return state


def signed_in_client(app, role, users):
    client = app.test_client()
    if role == "anonymous":
        return client, csrf_from(client.get("/login"))
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": users[role].email, "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 302, f"{role} could not log in"
    return client, csrf_from(client.get("/account/password"))


def test_the_table_names_every_endpoint(app):
    """A new endpoint fails here until the matrix says who may call it."""
    covered = set()
    adapter = app.url_map.bind("localhost")
    for case in (*CASES, *API_CASES):
        url = case.url.format_map(_SampleIds())
        endpoint, _ = adapter.match(url.split("?")[0], method=case.method)
        covered.add((endpoint, case.method))
    missing = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    } - covered
    assert not missing, f"endpoints with no row in the access matrix: {sorted(missing)}"


def _to_login(response) -> bool:
    return response.headers.get("Location", "").startswith("/login")


class _SampleIds(dict):
    def __missing__(self, key):
        return "token" if key == "token" else 1


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_as_the_rules_say(app, role):
    users, ids = build_world()
    before = snapshot(ids["a"])
    client, token = signed_in_client(app, role, users)

    mismatches = []
    for case in CASES:
        url = case.url.format(**ids)
        if case.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        body = response.get_data().decode("utf-8", "replace")  # a PDF or an .xlsx is binary
        expected = case.expected(role)
        if response.status_code != expected:
            mismatches.append(f"{case.method} {case.url}: {response.status_code}, not {expected}")
        elif expected in (403, 404) and COMPANY_A in body and not case.names_company:
            mismatches.append(f"{case.method} {case.url}: refusal names the company")
        elif role == "anonymous" and case.anonymous is None and not _to_login(response):
            mismatches.append(f"{case.method} {case.url}: not sent to the login page")

    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)
    if role not in MAY_CHANGE_A:
        assert snapshot(ids["a"]) == before, f"{role} changed company A"


@pytest.mark.parametrize("role", BUREAUS)
def test_bureau_pages_never_name_a_company(app, role):
    users, _ = build_world()
    client, _ = signed_in_client(app, role, users)
    for url in ("/bureau/reports", "/bureau/reports.csv"):
        body = client.get(url).get_data(as_text=True)
        assert COMPANY_A not in body and "他社株式会社" not in body


def test_owner_of_a_cannot_reach_b_rows_through_a_urls(app):
    """IDOR: company A's id in the path, company B's member, grant, invitation or indicator id
    beside it. Every one is refused with 404 and company B is unchanged."""
    users, ids = build_world()
    b = _db.session.get(Company, ids["b"])
    outsider = users["outsider"]
    b_member = create_user("b-editor@matrix.example", PASSWORD)
    _db.session.add(Membership(company_id=b.id, user_id=b_member.id, role="editor"))
    _db.session.commit()
    b_membership = _db.session.scalar(
        _db.select(Membership.id).where(Membership.user_id == b_member.id)
    )
    b_invitation, _ = member_services.create_invitation(b, "x@example.jp", "viewer", outsider)
    b_grant = grant_services.grant_access(b, users["advisor_nogrant"].email, "read", outsider)
    b_indicator = make_indicator(b, outsider)
    b_draft = draft_assessment(b, outsider, year=this_fiscal_year())
    _db.session.commit()
    before = snapshot(b.id)

    client, token = signed_in_client(app, "owner", users)
    a = ids["a"]
    attempts = [
        f"/companies/{a}/members/{b_membership}/role",
        f"/companies/{a}/members/{b_membership}/remove",
        f"/companies/{a}/invitations/{b_invitation.id}/cancel",
        f"/companies/{a}/advisors/{b_grant.id}/revoke",
        f"/kpis/{b_indicator.id}/values",
        f"/kpis/{b_indicator.id}/revise",
        f"/assessments/{b_draft.id}/submit",
        f"/assessments/{b_draft.id}/comments",
        f"/assessments/{b_draft.id}/items/1/comments",
        f"/assessments/{b_draft.id}/items/1/rating",
        f"/companies/{b.id}/edit",
    ]
    for url in attempts:
        data = {"csrf_token": token, "role": "viewer", "body": "x", "reason": "x"}
        assert client.post(url, data=data).status_code == 404, url
    assert snapshot(b.id) == before


# -- the JSON API: the same rules, through bearer tokens ------------------------------------------
#
# Each signed-in role calls with a token of its own; "anonymous" sends none, "revoked_token" and
# "expired_token" send the owner's revoked or expired token, and "owner_session" is the owner
# signed in by cookie with no token: the API never accepts the session (which is why it can be
# exempt from CSRF). Refusals follow the pages: 404 for what the user may not see, 403 for an
# action the user may not take on a company the user sees, 401 without a valid token.

API = "/api/v1"
API_NO_TOKEN = ("anonymous", "revoked_token", "expired_token", "owner_session")
API_ROLES = (*SIGNED_IN, *API_NO_TOKEN)
COMPANY_MEMBERS_ONLY = (*ADVISORS, *BUREAUS, "admin")


@dataclass(frozen=True)
class ApiCase:
    method: str
    url: str
    ok: dict
    forbidden: tuple = ()
    public: bool = False
    body: object = None
    headers: dict = field(default_factory=dict)

    def expected(self, role: str) -> int:
        if self.public:
            return 200
        if role in API_NO_TOKEN:
            return 401
        if role in self.ok:
            return self.ok[role]
        return 403 if role in self.forbidden else 404


EVERY_TOKEN = each(SIGNED_IN, 200)
# Bodies valid for the schema but refused by the rules behind it, so nothing changes.
BAD_COMPANY = {"name": "検証", "prefecture_code": "99", "jsic_division": "E"}
TOO_EARLY = {"fiscal_year": 2000}
ONE_ANSWER = {"answers": [{"item_id": "1", "current": 1}]}

API_CASES = [
    ApiCase("GET", API + "/openapi.json", {}, public=True),
    ApiCase("GET", API + "/docs", {}, public=True),
    ApiCase("GET", API + "/indexes", EVERY_TOKEN),
    ApiCase("GET", API + "/indexes/2019-07", EVERY_TOKEN),
    ApiCase("GET", API + "/companies", EVERY_TOKEN),
    ApiCase(
        "POST",
        API + "/companies",
        each(MEMBER_ACCOUNTS, 422),
        forbidden=COMPANY_MEMBERS_ONLY,
        body=BAD_COMPANY,
    ),
    ApiCase("GET", API + "/companies/{a}", each(READERS_OF_A, 200)),
    ApiCase("GET", API + "/companies/{a}/assessments", each(READERS_OF_A, 200)),
    ApiCase(
        "POST",
        API + "/companies/{a}/assessments",
        each(EDITORS_OF_A, 422),
        forbidden=READ_ONLY,
        body=TOO_EARLY,
    ),
    ApiCase("GET", API + "/companies/{a}/indicators", each(READERS_OF_A, 200)),
    ApiCase("GET", API + "/assessments/{draft}", each(READERS_OF_A, 200)),
    ApiCase("GET", API + "/assessments/{done}/scores", each(READERS_OF_A, 200)),
    ApiCase(
        "PATCH",
        API + "/assessments/{draft}/answers",
        each(EDITORS_OF_A, 412),
        forbidden=READ_ONLY,
        body=ONE_ANSWER,
        headers={"If-Match": '"stale"'},
    ),
    ApiCase(
        "POST",
        API + "/assessments/{draft}/submit",
        each(EDITORS_OF_A, 409),
        forbidden=READ_ONLY,
        body={},
    ),
    ApiCase(
        "GET",
        API + "/reports",
        each(BUREAUS, 200),
        forbidden=(*MEMBER_ACCOUNTS, *ADVISORS, "admin"),
    ),
]


def api_clients(app, role, users):
    """(client, headers) for a role: a token of its own, a dead token, or none."""
    from datetime import timedelta

    from app.models import ApiToken

    client = app.test_client()
    if role == "anonymous":
        return client, {}
    if role == "owner_session":
        signed_in_client(app, "owner", users)  # a real login ...
        client, _ = signed_in_client(app, "owner", users)  # ... whose cookie is all it sends
        return client, {}
    owner = users["owner"]
    if role in ("revoked_token", "expired_token"):
        created = create_token(owner, role, 1)
        if role == "revoked_token":
            from app.api.tokens import revoke_token

            assert revoke_token(owner, created.token.id)
        else:
            token = _db.session.get(ApiToken, created.token.id)
            token.expires_at = token.created_at - timedelta(seconds=1)
            _db.session.commit()
        return client, {"Authorization": "Bearer " + created.secret}
    return client, {"Authorization": "Bearer " + create_token(users[role], role, None).secret}


@pytest.mark.parametrize("role", API_ROLES)
def test_every_api_endpoint_answers_each_role_as_the_rules_say(app, role):
    users, ids = build_world()
    before = snapshot(ids["a"])
    client, headers = api_clients(app, role, users)

    mismatches = []
    for case in API_CASES:
        url = case.url.format(**ids)
        kwargs = {"headers": {**headers, **case.headers}}
        if case.body is not None:
            kwargs["json"] = case.body
        response = client.open(url, method=case.method, **kwargs)
        expected = case.expected(role)
        body = response.get_data(as_text=True)
        if response.status_code != expected:
            mismatches.append(f"{case.method} {case.url}: {response.status_code}, not {expected}")
        elif expected >= 400:
            problem = response.get_json(silent=True) or {}
            if response.mimetype != "application/problem+json" or problem.get("status") != expected:
                mismatches.append(f"{case.method} {case.url}: not a problem document")
            elif COMPANY_A in body:
                mismatches.append(f"{case.method} {case.url}: refusal names the company")
        if response.status_code == 200 and not case.public and role in API_NO_TOKEN:
            mismatches.append(f"{case.method} {case.url}: answered without a valid token")

    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)
    assert snapshot(ids["a"]) == before, f"{role} changed company A"
