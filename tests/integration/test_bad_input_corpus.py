"""Bad-input corpus (issue 9): every field of every form, posted the ways an attacker would.

Each form is listed once with a valid baseline; each of its fields in turn gets every bad value
that fits its kind (non-ASCII and out-of-range digits, huge integers, control characters,
1 MB and 20 MB texts) and every bad body shape (a repeated field, invalid percent-encoded UTF-8,
JSON with a non-string value or an array, a multipart file part), and each form is posted with
a missing, an expired and a foreign CSRF token. Every answer must be a 4xx or the form again
with an inline error (or, where the form gives one neutral answer to everything, that answer),
never a 5xx, and the database (but for the security log) must be unchanged. At the end each
baseline is posted as it is and must be accepted, so the refusals above are the bad values'.

Run with -s to see the counts (tried / rejected / neutral / 500 / stored wrongly).
"""

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote_plus

import pytest
from bs4 import BeautifulSoup

from app.assessments import services as assessment_services
from app.auth import reset
from app.extensions import db as _db
from app.members.services import create_invitation
from app.models import Membership
from questionnaires import DEFAULT_VERSION, load_index
from tests.conftest import PASSWORD, csrf_from
from tests.integration.kpi_helpers import create_via_form, this_fiscal_year

FORM_TYPE = "application/x-www-form-urlencoded"
NEW_PASSWORD = "a-fresh-and-long-passphrase-42"
STEP = load_index(DEFAULT_VERSION).steps[0]


class Raw(bytes):
    """A value already percent-encoded (invalid UTF-8 cannot be a str; 20 MB is built once)."""


MB = "x" * 1_000_000
TWENTY_MB = Raw(b"x" * 20_000_000)
DIGITS = ["①", "²", "𝟓", "٤", "１②"]
HUGE = ["9" * 20, "9" * 400, "-" + "9" * 20]  # beyond every field's bounds (15 digits at most)
CONTROL = ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b"]
BY_KIND = {
    # a level, a year, a count, an amount, a version, a choice or a checkbox value
    "number": DIGITS + HUGE + CONTROL + ["1" * 1_000_000],
    "choice": DIGITS + HUGE + CONTROL + [MB],
    "year": DIGITS + HUGE + CONTROL + ["0000", "1899", "9999", "2147483648"],
    "line": CONTROL + ["a\nb", MB],  # names, organisations, e-mail addresses
    "text": CONTROL + [MB],  # prose: digits of any script are fine in it
    "password": CONTROL + [MB],
}


@dataclass
class Form:
    name: str
    role: str
    url: str
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (kind, valid)
    twins: dict[str, str] = field(default_factory=dict)  # password -> password_confirm
    control: bool = True  # post the baseline at the end and expect it accepted
    neutral_ok: bool = False  # the form answers everything alike (no address oracle)


@dataclass
class Tally:
    tried: int = 0
    rejected: int = 0
    neutral: int = 0
    errors: list = field(default_factory=list)  # (form, case, status)
    stored: list = field(default_factory=list)  # (form, case, tables)
    neutral_cases: list = field(default_factory=list)
    last: dict | None = None  # the snapshot after the previous request (nothing runs between)


# --- the world ------------------------------------------------------------------------------


@pytest.fixture()
def world(app, make_user, make_company, add_member, login, db, monkeypatch):
    for key in (
        "LOGIN_LIMITS",
        "INVITE_LIMITS",
        "GRANT_LIMITS",
        "REPORT_EXPORT_LIMITS",
        "COMPANY_FORM_LIMITS",
    ):
        monkeypatch.setitem(app.config, key, "100000 per minute")
    fy = this_fiscal_year()
    owner = make_user(email="owner@example.jp", display_name="所有者")
    company = make_company(owner)
    editor = make_user(email="editor@example.jp")
    add_member(company, editor, "editor")
    advisor = make_user(role="advisor", email="advisor@example.jp")
    make_user(role="advisor", email="advisor2@example.jp")
    admin = make_user(role="admin", email="admin@example.jp")
    target = make_user(role="advisor", email="staff@example.jp")
    probe = make_user(email="probe@example.jp")
    invitee = make_user(email="invitee@example.jp")
    assessment = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version=DEFAULT_VERSION
    )
    from app.advisors.services import grant_access

    grant = grant_access(company, advisor.email, "comment", owner)
    _, invitation_token = create_invitation(company, invitee.email, "viewer", owner)
    reset_token = reset.issue_token(probe)
    db.session.commit()

    clients = {"anonymous": app.test_client()}
    expired = {}
    for role, user in (("owner", owner), ("advisor", advisor), ("admin", admin)):
        c = app.test_client()
        expired[role] = csrf_from(c.get("/login"))  # the pre-login session's token dies at login
        clients[role] = login(user.email, c=c)
    clients["invitee"] = login(invitee.email, c=app.test_client())
    bureau = make_user(role="bureau", email="bureau@example.jp", bureau_code="kanto")
    clients["bureau"] = login(bureau.email, c=app.test_client())
    expired["anonymous"] = csrf_from(app.test_client().get("/login"))
    expired["invitee"] = expired["owner"]
    tokens = {role: _token(c) for role, c in clients.items()}
    clients["owner"].get("/account/2fa")  # puts a TOTP secret into the session
    assert create_via_form(clients["owner"], company.id).status_code == 302
    from app.models import Indicator

    indicator = db.session.scalar(db.select(Indicator))
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == editor.id))
    return {
        "fy": fy,
        "owner": owner,
        "company": company,
        "assessment": assessment,
        "grant": grant,
        "indicator": indicator,
        "membership": membership,
        "target": target,
        "invitation_token": invitation_token,
        "reset_token": reset_token,
        "clients": clients,
        "tokens": tokens,
        "expired": expired,
    }


def _token(client) -> str:
    page = client.get("/account")
    return csrf_from(page if page.status_code == 200 else client.get("/login"))


def _forms(w) -> list[Form]:
    c, a, i = w["company"].id, w["assessment"].id, w["indicator"].id
    fy, year = w["fy"], w["indicator"].baseline_year + 1
    company_fields = {
        "name": ("line", "株式会社テスト"),
        "is_sole_proprietor": ("choice", "y"),
        "corporate_number": ("line", ""),
        "prefecture_code": ("choice", "13"),
        "jsic_division": ("choice", "E"),
        "sme_sector": ("choice", "manufacturing_and_other"),
        "employees": ("number", "１２"),  # full-width digits stay accepted
        "capital_yen": ("number", "1,000,000"),
        "fiscal_year_start_month": ("choice", "4"),
    }
    step_fields = {"version": ("number", "0"), "nav": ("choice", "next")}
    for item_id in STEP.item_ids:
        step_fields[f"item-{item_id}-current"] = ("number", "2")
        step_fields[f"item-{item_id}-target"] = ("number", "4")
        step_fields[f"item-{item_id}-evidence"] = ("text", "根拠①")
        step_fields[f"item-{item_id}-action"] = ("text", "")
    indicator_fields = {
        "example_id": ("line", ""),
        "name": ("line", "別の指標"),
        "definition": ("text", "定義"),
        "value_type": ("choice", "number"),
        "unit": ("line", ""),
        "scale": ("text", ""),
        "direction": ("choice", "higher"),
        "baseline_year": ("year", str(fy - 3)),
        "baseline_value": ("number", "10"),
    }
    new_password = {
        "password": ("password", NEW_PASSWORD),
        "password_confirm": ("password", NEW_PASSWORD),
    }
    twins = {"password": "password_confirm"}
    return [
        # Anonymous forms.
        Form(
            "login",
            "anonymous",
            "/login",
            {"email": ("line", "probe@example.jp"), "password": ("password", PASSWORD)},
        ),
        Form(
            "signup",
            "anonymous",
            "/signup",
            {"display_name": ("line", "新規"), "email": ("line", "new@example.jp")} | new_password,
            twins,
        ),
        Form(
            "forgot_password",
            "anonymous",
            "/password/forgot",
            {"email": ("line", "probe@example.jp")},
            neutral_ok=True,
        ),
        Form(
            "reset_password",
            "anonymous",
            f"/password/reset/{w['reset_token']}",
            dict(new_password),
            twins,
        ),
        Form(
            "login_2fa",
            "anonymous",
            "/login/2fa",
            {"code": ("number", "123456")},
            control=False,
            neutral_ok=True,  # without a password step first, everything goes back to /login
        ),
        # A member's company, questionnaire and KPIs.
        Form("company_new", "owner", "/companies/new", dict(company_fields)),
        Form("company_edit", "owner", f"/companies/{c}/edit", dict(company_fields)),
        Form(
            "assessment_start",
            "owner",
            f"/companies/{c}/assessments",
            {"fiscal_year": ("year", str(fy - 1)), "prefill": ("choice", "y")},
        ),
        Form("step", "owner", f"/assessments/{a}/steps/{STEP.id}", step_fields),
        Form(
            "profile_step", "owner", f"/assessments/{a}/steps/profile", {"nav": ("choice", "next")}
        ),
        Form(
            "submit",
            "owner",
            f"/assessments/{a}/submit",
            {"version": ("number", "0"), "confirm_lower_targets": ("choice", "y")},
            control=False,  # incomplete: answered with a flash, which is right
        ),
        Form(
            "reopen",
            "owner",
            f"/assessments/{a}/reopen",
            {"version": ("number", "0")},
            control=False,
        ),
        Form(
            "assessment_kpis",
            "owner",
            f"/assessments/{a}/kpis",
            {f"kpi-{i}": ("number", "12"), "nav": ("choice", "next")},
        ),
        Form(
            "kpi_new",
            "owner",
            f"/companies/{c}/kpis/new",
            indicator_fields | {"target_year": ("year", ""), "target_value": ("number", "20")},
        ),
        Form(
            "kpi_edit",
            "owner",
            f"/kpis/{i}/edit",
            indicator_fields | {"name": ("line", "改めた名前")},  # kpi_new's control takes 別の指標
        ),
        Form(
            "kpi_revise",
            "owner",
            f"/kpis/{i}/revise",
            {
                "revise-target_value": ("number", "30"),
                "revise-target_year": ("year", ""),
                "revise-reason": ("text", "見直し"),
            },
        ),
        Form(
            "kpi_cycle",
            "owner",
            f"/kpis/{i}/cycle",
            {"cycle-target_value": ("number", "30"), "cycle-target_year": ("year", "")},
            control=False,  # a new cycle needs last year's actual; refused with a notice
        ),
        Form("kpi_values", "owner", f"/kpis/{i}/values", {f"value-{year}": ("number", "11")}),
        Form(
            "grant",
            "owner",
            f"/companies/{c}/advisors",
            {"email": ("line", "advisor2@example.jp"), "scope": ("choice", "read")},
            neutral_ok=True,
        ),
        Form("revoke", "owner", f"/companies/{c}/advisors/{w['grant'].id}/revoke", control=False),
        Form(
            "invite",
            "owner",
            f"/companies/{c}/invitations",
            {"email": ("line", "new-member@example.jp"), "role": ("choice", "editor")},
        ),
        Form(
            "member_role",
            "owner",
            f"/companies/{c}/members/{w['membership'].id}/role",
            {"role": ("choice", "viewer")},
        ),
        Form(
            "member_remove",
            "owner",
            f"/companies/{c}/members/{w['membership'].id}/remove",
            control=False,
        ),
        Form(
            "accept_invitation",
            "invitee",
            f"/invitations/{w['invitation_token']}/accept",
            control=False,
        ),
        Form(
            "two_factor_enable",
            "owner",
            "/account/2fa/enable",
            {"current_password": ("password", PASSWORD), "code": ("number", "123456")},
            control=False,  # checked separately (needs the live code)
        ),
        Form(
            "two_factor_disable",
            "owner",
            "/account/2fa/disable",
            {"current_password": ("password", PASSWORD), "code": ("number", "123456")},
            control=False,
            neutral_ok=True,  # 2FA is off for this account: the page just says so
        ),
        Form(
            "change_password",
            "owner",
            "/account/password",
            {"current_password": ("password", PASSWORD)} | new_password,
            twins,
        ),
        Form("session_extend", "owner", "/session/extend", control=False),
        Form("logout", "owner", "/logout", control=False),
        # Advisors and the admin.
        Form(
            "comment",
            "advisor",
            f"/assessments/{a}/comments",
            {"body": ("text", "コメント①")},
        ),
        Form(
            "admin_new_user",
            "admin",
            "/admin/users/new",
            {
                "email": ("line", "new-staff@example.jp"),
                "display_name": ("line", "職員"),
                "role": ("choice", "advisor"),
                "organisation": ("line", "支援機関"),
                "bureau_code": ("choice", ""),
            },
        ),
        Form(
            "admin_role",
            "admin",
            f"/admin/users/{w['target'].id}/role",
            {"role": ("choice", "bureau"), "bureau_code": ("choice", "kanto")},
        ),
        *(
            Form(
                f"admin_{action}", "admin", f"/admin/users/{w['target'].id}/{action}", control=False
            )
            for action in ("disable", "enable", "send-reset", "clear-2fa")
        ),
    ]


# --- sending ----------------------------------------------------------------------------------


def _encode(pairs) -> bytes:
    parts = []
    for name, value in pairs:
        encoded = bytes(value) if isinstance(value, Raw) else quote_plus(value).encode()
        parts.append(quote_plus(name).encode() + b"=" + encoded)
    return b"&".join(parts)


def _baseline(form: Form) -> dict[str, str]:
    return {name: valid for name, (_kind, valid) in (form.fields or {}).items()}


def _cases(form: Form):
    """(label, how) pairs: how is ("form", pairs) / ("json", obj) / ("multipart", name)."""
    base = _baseline(form)
    for name, (kind, valid) in (form.fields or {}).items():
        for value in [*BY_KIND[kind], TWENTY_MB]:
            data = dict(base, **{name: value})
            if name in form.twins:
                data[form.twins[name]] = value
            yield f"{name}={value[:12]!r}", ("form", list(data.items()))
        yield f"{name} repeated", ("form", [*base.items(), (name, valid or "1")])
        pairs = [(k, Raw(b"%FF%FE") if k == name else v) for k, v in base.items()]
        yield f"{name} invalid UTF-8", ("form", pairs)
        yield f"{name} JSON number", ("json", dict(base, **{name: 5}))
        yield f"{name} JSON array", ("json", dict(base, **{name: [valid, "x"]}))
        yield f"{name} file part", ("multipart", name)
    if not form.fields:
        yield "extra repeated", ("form", [("x", "1"), ("x", "2")])
        yield "extra invalid UTF-8", ("form", [("x", Raw(b"%C3%28"))])
        yield "JSON body", ("json", {"x": 5})


def _send(client, url, how, token):
    kind, payload = how
    if kind == "form":
        pairs = [("csrf_token", token), *payload] if token else payload
        return client.post(url, data=_encode(pairs), content_type=FORM_TYPE)
    if kind == "json":
        return client.post(
            url,
            data=json.dumps(payload),
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
    return client.post(
        url,
        data={"csrf_token": token, payload: (io.BytesIO(b"x"), "f.txt")},
        content_type="multipart/form-data",
    )


def _sender(client, url, how, token):
    return lambda: _send(client, url, how, token)


def _outcome(response) -> str:
    if response.status_code >= 500:
        return "500"
    if response.status_code >= 400:
        return "rejected"
    if response.status_code == 200:
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        if page.select_one(".error, .error-summary"):
            return "rejected"
    return "neutral"


def _snapshot() -> dict:
    with _db.engine.connect() as conn:
        return {
            t.name: conn.execute(t.select().order_by(*t.primary_key.columns)).all()
            for t in _db.metadata.sorted_tables
            if t.name != "audit_events"  # refusals are logged there, as they should be
        }


def _try(tally: Tally, form: Form, label: str, send) -> None:
    before = tally.last or _snapshot()
    try:
        response = send()
        outcome = _outcome(response)
        status = response.status_code
    except Exception as exc:  # noqa: BLE001 - an exception is what a 500 would be
        outcome, status = "500", repr(exc)[:80]
    tally.tried += 1
    after = tally.last = _snapshot()
    changed = [name for name in before if before[name] != after[name]]
    if changed:
        tally.stored.append((form.name, label, changed))
    if outcome == "500":
        tally.errors.append((form.name, label, status))
    elif outcome == "rejected":
        tally.rejected += 1
    else:
        tally.neutral += 1
        tally.neutral_cases.append((form.name, label, status))


# --- the corpus -------------------------------------------------------------------------------


def test_bad_input_corpus(app, world, db, capsys):
    w, tally = world, Tally()
    forms = _forms(w)
    for form in forms:
        client, token = w["clients"][form.role], w["tokens"][form.role]
        for label, how in _cases(form):
            _try(tally, form, label, _sender(client, form.url, how, token))
        base = list(_baseline(form).items())
        foreign = w["tokens"]["admin" if form.role != "admin" else "owner"]
        for label, bad_token in (
            ("no CSRF token", None),
            ("expired CSRF token", w["expired"][form.role]),
            ("foreign CSRF token", foreign),
        ):
            _try(tally, form, label, _sender(client, form.url, ("form", base), bad_token))
    _bad_urls(tally, w)

    with capsys.disabled():
        print(
            f"\nbad-input corpus on {db.engine.dialect.name}: tried {tally.tried}, "
            f"rejected {tally.rejected}, neutral {tally.neutral}, "
            f"500 {len(tally.errors)}, stored wrongly {len(tally.stored)}; neutral answers by "
            f"form: {dict(Counter(case[0] for case in tally.neutral_cases))}"
        )
    assert tally.errors == [], "\n".join(map(str, tally.errors))
    assert tally.stored == [], "\n".join(map(str, tally.stored))
    # Only forms that answer everything alike may give their neutral answer to bad input.
    neutral_forms = {f.name for f in forms if f.neutral_ok} | {"get"}
    assert [c for c in tally.neutral_cases if c[0] not in neutral_forms] == []

    # Each baseline as it is is accepted, so the refusals above were the bad values'.
    refused = []
    for form in forms:
        if not form.control:
            continue
        client, token = w["clients"][form.role], w["tokens"][form.role]
        if form.role == "anonymous":  # signing up logs a client in: each gets a fresh one
            client = app.test_client()
            token = csrf_from(client.get("/login"))
        response = _send(client, form.url, ("form", list(_baseline(form).items())), token)
        if _outcome(response) != "neutral":
            page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            errors = [
                e.get_text(" ", strip=True) for e in page.select(".error, .error-summary, h1")
            ]
            refused.append((form.name, response.status_code, errors))
    assert refused == [], "\n".join(map(str, refused))


def _bad_urls(tally: Tally, w) -> None:
    """Ids beyond the integer column and non-ASCII digits in URLs; bad query strings."""
    owner, admin = w["clients"]["owner"], w["clients"]["admin"]
    get = Form("get", "owner", "")
    for template in ("/companies/{}", "/assessments/{}/review", "/kpis/{}", "/companies/{}/kpis"):
        for bad in ("2147483648", "9" * 20, "٤", "0"):
            url = template.format(bad)
            _try(tally, get, url, lambda u=url: owner.get(u))
    for bad in ("2147483648", "9" * 20):
        _try(tally, get, f"/admin/users/{bad}", lambda b=bad: admin.get(f"/admin/users/{b}"))
    c = w["company"].id
    queries = [
        (admin, "/admin/?q={}"),
        (admin, "/admin/?page={}"),
        (owner, f"/companies/{c}/audit?page={{}}"),
        (owner, f"/companies/{c}/kpis/new?example={{}}"),
        (owner, "/login?next={}"),
        (w["clients"]["bureau"], "/bureau/reports?year={}"),
        (w["clients"]["bureau"], "/bureau/reports?version={}"),
        (w["clients"]["bureau"], "/bureau/reports.csv?year={}"),
    ]
    for client, template in queries:
        for bad in ["%FF%FE", "a%00b", "a%1Bb", "a%C2%85b", quote_plus("①"), "9" * 400]:
            url = template.format(bad)
            _try(tally, get, url, lambda cl=client, u=url: cl.get(u))
