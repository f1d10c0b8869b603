"""Stored XSS: every free-text value a user can store is shown escaped on every page that shows
it, and nothing a company typed ever reaches the bureau's report page or its CSV export.

Covered, each with every payload in member_helpers.XSS_PAYLOADS:
- company name (the only free text of the company profile; the other fields are choices,
  numbers or a check-digit-validated 法人番号);
- evidence and planned action of every item, also read-only, in the two-tab conflict table,
  restored from a POST stashed by an expired session, and prefilled into the next year;
- comments, with their author's display name and the advisor's organisation;
- KPI name, definition, unit, ordered-scale labels and target-revision reason, also once the
  cycle is archived;
- display names typed at sign-up and by an administrator, advisor organisations;
- e-mail addresses as the audit log (actor and summary), member list, grants and admin pages
  show them (the forms refuse such addresses; the CLI stores them as typed). Invitation
  addresses are covered in test_members.py.

Values go in through the real forms (test client, CSRF token taken from the page). Where a field
is shorter than a payload (unit: 20 characters, scale label: 30), the payload is cut to fit;
the cut still holds the markup that would break out. Each page is fetched and checked with
member_helpers.assert_escaped: the escaped text is there, the raw text is not.
"""

import csv
import io
import re
import time

import pytest
from markupsafe import escape

from app.assessments import services
from app.comments.services import add_comment
from app.kpis.value_types import SCALE_LABEL_MAX
from app.models import Assessment, Company, Indicator, Membership, User
from app.models.kpi import KPI_UNIT_MAX
from app.web.mail import outbox
from tests.conftest import PASSWORD
from tests.integration.helpers import step_payload, submit
from tests.integration.kpi_helpers import (
    create_via_form,
    make_indicator,
    post_form,
    post_values,
    this_fiscal_year,
)
from tests.integration.member_helpers import (
    INDEX,
    XSS_PAYLOADS,
    assert_escaped,
    draft_assessment,
    grant,
    invite,
    last_link_to,
    post_with_csrf,
    submitted_assessment,
)
from tests.integration.signup_helpers import sign_up

RESET_LINK = re.compile(r"https?://[^\s/]+(/password/reset/[\w-]+)")

# Every test below runs once per payload.
pytestmark = pytest.mark.parametrize("payload", XSS_PAYLOADS)


# --- checking pages ---------------------------------------------------------------------------


def fetch(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, f"GET {url}: {response.status_code}"
    return response.get_data(as_text=True)


def check_escaped(html: str, texts, where: str) -> None:
    for text in texts:
        try:
            assert_escaped(html, text)
        except AssertionError:
            raise AssertionError(f"{text!r} is not shown escaped on {where}") from None


def expect_escaped(client, urls, *texts) -> None:
    """Every page loads and shows each text escaped, never raw."""
    for url in urls:
        check_escaped(fetch(client, url), texts, url)


def expect_not_raw(client, urls, *texts) -> None:
    """Pages that do not show the texts: they must not carry them raw either."""
    for url in urls:
        html = fetch(client, url)
        for text in texts:
            assert text not in html or str(escape(text)) == text, f"{text!r} raw on {url}"


def expect_absent(body: str, payload: str, where: str) -> None:
    """Neither the raw nor the escaped payload (bureau pages never show company text)."""
    assert payload not in body, f"payload on {where}"
    assert str(escape(payload)) not in body, f"escaped payload on {where}"


def follow(client, response) -> str:
    """The page a POST redirected to (where its flash message is shown)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return fetch(client, response.headers["Location"])


def fitted(payload: str, limit: int) -> str:
    """The payload cut to a short field's limit; the cut still opens a tag."""
    return payload[:limit]


# --- pages ------------------------------------------------------------------------------------


def assessment_pages(assessment) -> list[str]:
    """Every page of one assessment a viewer can open (results only once submitted)."""
    a = f"/assessments/{assessment.id}"
    pages = [f"{a}/steps/profile", *(f"{a}/steps/{s.id}" for s in INDEX.steps)]
    pages += [f"{a}/kpis", f"{a}/review"]
    if assessment.status == "submitted":
        pages.append(f"{a}/results")
    return pages


def step_pages(assessment) -> list[str]:
    return [f"/assessments/{assessment.id}/steps/{s.id}" for s in INDEX.steps]


def company_view_pages(company) -> list[str]:
    """Company pages for everyone who may view it (members and advisors with a grant)."""
    c = f"/companies/{company.id}"
    return [c, f"{c}/kpis", f"{c}/progress"]


def company_edit_pages(company) -> list[str]:
    c = f"/companies/{company.id}"
    return [f"{c}/edit", f"{c}/kpis/new"]


def company_admin_pages(company) -> list[str]:
    """The owner's pages: members, advisor grants, audit log."""
    c = f"/companies/{company.id}"
    return [f"{c}/members", f"{c}/advisors", f"{c}/audit"]


def kpi_view_pages(indicator, draft) -> list[str]:
    return [
        f"/companies/{indicator.company_id}/kpis",
        f"/kpis/{indicator.id}",
        f"/companies/{indicator.company_id}/progress",
        f"/assessments/{draft.id}/kpis",
    ]


# --- storing values ---------------------------------------------------------------------------


def company_form(name: str) -> dict:
    return {
        "name": name,
        "is_sole_proprietor": "y",
        "corporate_number": "",
        "prefecture_code": "13",
        "jsic_division": "E",
        "sme_sector": "manufacturing_and_other",
        "employees": "",
        "capital_yen": "",
        "fiscal_year_start_month": "4",
    }


def create_company(client, db, name: str) -> Company:
    response = post_with_csrf(client, "/companies/new", "/companies/new", company_form(name))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    company = db.session.scalar(db.select(Company).order_by(Company.id.desc()).limit(1))
    assert company.name == name  # stored exactly as typed
    return company


def answer_step(client, assessment, step, evidence: str, action: str, page=None):
    """POST one step through its form: the same evidence and action on every item."""
    url = f"/assessments/{assessment.id}/steps/{step.id}"
    page = page or client.get(url)
    data = step_payload(step, 2, 3, evidence=evidence, page=page)
    data.update({f"item-{item_id}-action": action for item_id in step.item_ids})
    return client.post(url, data=data)


def answer_everything(client, assessment, evidence: str, action: str) -> None:
    profile = f"/assessments/{assessment.id}/steps/profile"
    assert post_with_csrf(client, profile, profile, {"nav": "next"}).status_code == 302
    for step in INDEX.steps:
        assert answer_step(client, assessment, step, evidence, action).status_code == 302


def comment(client, assessment, body: str) -> None:
    review = f"/assessments/{assessment.id}/review"
    url = f"/assessments/{assessment.id}/comments"
    assert post_with_csrf(client, review, url, {"body": body}).status_code == 302


def advisor_client(app, client, login, make_user, company, scope="read"):
    """An advisor granted access by the owner (logged in through ``client``), logged in."""
    advisor = make_user(role="advisor", email="advisor@example.jp", display_name="支援者")
    assert grant(client, company.id, advisor.email, scope).status_code == 302
    return login(advisor.email, c=app.test_client())


def admin_client(app, login, make_user):
    admin = make_user(role="admin", email="admin@example.jp", display_name="管理者")
    return login(admin.email, c=app.test_client())


def set_password_from_mail(app, email: str) -> None:
    """Follow the set-password link mailed to a new staff account."""
    body = next(m["body"] for m in reversed(outbox()) if m["to"] == email)
    path = RESET_LINK.search(body).group(1)
    c = app.test_client()
    data = {"password": PASSWORD, "password_confirm": PASSWORD}
    assert post_with_csrf(c, path, path, data).status_code == 302


# --- company name -----------------------------------------------------------------------------


def test_company_name_is_escaped_on_every_page(
    app, client, db, make_user, make_company, login, payload
):
    owner = make_user(email="owner@example.jp")
    login(owner.email)
    make_company(owner, name="別会社")  # two companies: the list is shown, not skipped
    company = create_company(client, db, payload)
    fy = this_fiscal_year()
    submitted = submitted_assessment(company, owner, year=fy - 1)
    draft = draft_assessment(company, owner, year=fy)
    assert create_via_form(client, company.id, name="売上高").status_code == 302
    indicator = db.session.scalar(db.select(Indicator).where(Indicator.company_id == company.id))

    viewer_pages = [
        *company_view_pages(company),
        *assessment_pages(draft),
        *assessment_pages(submitted),
        f"/kpis/{indicator.id}",
    ]
    expect_escaped(
        client,
        [
            "/companies/",
            *viewer_pages,
            *company_edit_pages(company),
            f"/kpis/{indicator.id}/edit",
            *company_admin_pages(company),
        ],
        payload,
    )

    advisor = advisor_client(app, client, login, make_user, company, scope="comment")
    expect_escaped(advisor, ["/advisor/clients", *viewer_pages], payload)
    # A refused comment shows the form again under the company's name.
    review = f"/assessments/{draft.id}/review"
    refused = post_with_csrf(advisor, review, f"/assessments/{draft.id}/comments", {"body": ""})
    assert refused.status_code == 400
    check_escaped(refused.get_data(as_text=True), [payload], "the refused comment form")

    # The invitation page, before and after login, and the "joined" message after accepting.
    assert invite(client, company.id, "invitee@example.jp", "viewer").status_code == 302
    link = last_link_to("invitee@example.jp")
    expect_escaped(app.test_client(), [link], payload)
    make_user(email="invitee@example.jp")
    invitee = login("invitee@example.jp", c=app.test_client())
    expect_escaped(invitee, [link], payload)
    joined = follow(invitee, post_with_csrf(invitee, link, f"{link}/accept"))
    assert "に参加しました" in joined
    check_escaped(joined, [payload], "the dashboard after joining")


# --- evidence and planned action --------------------------------------------------------------


def test_evidence_and_action_are_escaped_wherever_answers_are_shown(
    app, client, db, make_user, make_company, login, payload
):
    owner = make_user(email="owner@example.jp")
    login(owner.email)
    company = make_company(owner)
    fy = this_fiscal_year()
    evidence, action = f"根拠{payload}", f"行動{payload}"
    last_year = draft_assessment(company, owner, year=fy - 1)
    answer_everything(client, last_year, evidence, action)
    advisor = advisor_client(app, client, login, make_user, company)

    shown = [*step_pages(last_year), f"/assessments/{last_year.id}/review"]
    for c in (client, advisor):  # editable for the owner, read-only for the advisor
        expect_escaped(c, shown, evidence, action)

    assert submit(client, last_year.id).status_code == 302
    db.session.refresh(last_year)
    assert last_year.status == "submitted"
    for c in (client, advisor):  # read-only for both now
        expect_escaped(c, shown, evidence, action)
        expect_not_raw(c, [f"/assessments/{last_year.id}/results"], evidence, action)

    # This year's assessment starts from last year's answers.
    dashboard = f"/companies/{company.id}"
    started = post_with_csrf(
        client,
        dashboard,
        f"{dashboard}/assessments",
        {"fiscal_year": str(fy), "prefill": "y"},
    )
    assert started.status_code == 302
    this_year = db.session.scalar(db.select(Assessment).where(Assessment.fiscal_year == fy))
    assert this_year.prefilled_from_id == last_year.id
    prefilled = [*step_pages(this_year), f"/assessments/{this_year.id}/review"]
    expect_escaped(client, prefilled, evidence, action)


def test_evidence_in_a_conflict_or_a_restored_stash_is_escaped(
    app, client, db, make_user, make_company, login, payload
):
    owner = make_user(email="owner@example.jp")
    login(owner.email)
    assessment = draft_assessment(make_company(owner), owner, year=this_fiscal_year())
    step = INDEX.steps[0]
    url = f"/assessments/{assessment.id}/steps/{step.id}"

    # Two tabs: the second save shows the first tab's stored text next to its own.
    tab_a, tab_b = client.get(url), client.get(url)
    first = ("先に保存" + payload, "先の行動" + payload)
    assert answer_step(client, assessment, step, *first, page=tab_a).status_code == 302
    second = ("あとから" + payload, "後の行動" + payload)
    conflict = answer_step(client, assessment, step, *second, page=tab_b)
    assert conflict.status_code == 409
    check_escaped(conflict.get_data(as_text=True), [first[0], *second], "the conflict page")

    # A POST arriving after the idle timeout is stashed, and offered back after login.
    page = client.get(url)
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - app.config["SESSION_IDLE_SECONDS"] - 60
    stashed = ("保留" + payload, "保留の行動" + payload)
    expired = answer_step(client, assessment, step, *stashed, page=page)
    assert expired.status_code == 302 and "/login" in expired.headers["Location"]
    login(owner.email)
    restored = fetch(client, url)
    assert "前回保存できなかった入力内容を復元しました" in restored
    check_escaped(restored, stashed, "the restored step page")


# --- comments, staff names and organisations --------------------------------------------------


def test_comments_and_advisor_names_are_escaped(
    app, client, db, make_user, make_company, login, payload
):
    name, organisation, body = f"氏名{payload}", f"所属{payload}", f"コメント{payload}"
    admin = admin_client(app, login, make_user)
    created = post_with_csrf(
        admin,
        "/admin/users/new",
        "/admin/users/new",
        {
            "email": "advisor@example.jp",
            "display_name": name,
            "role": "advisor",
            "organisation": organisation,
            "bureau_code": "",
        },
    )
    advisor_user = db.session.scalar(db.select(User).where(User.email == "advisor@example.jp"))
    assert created.status_code == 302
    assert (advisor_user.display_name, advisor_user.organisation) == (name, organisation)
    expect_escaped(admin, ["/admin/", f"/admin/users/{advisor_user.id}"], name, organisation)

    owner = make_user(email="owner@example.jp")
    login(owner.email)
    company = make_company(owner)
    submitted = submitted_assessment(company, owner, year=this_fiscal_year() - 1)
    draft = draft_assessment(company, owner, year=this_fiscal_year())
    assert grant(client, company.id, advisor_user.email, "comment").status_code == 302
    expect_escaped(client, [f"/companies/{company.id}/advisors"], name, organisation)

    set_password_from_mail(app, advisor_user.email)
    advisor = login(advisor_user.email, c=app.test_client())
    expect_escaped(advisor, ["/account", "/advisor/clients"], name)
    expect_escaped(advisor, ["/account"], organisation)
    comment(advisor, draft, body)
    comment(advisor, submitted, body)
    threads = [f"/assessments/{draft.id}/review", f"/assessments/{submitted.id}/results"]
    for c in (client, advisor):
        expect_escaped(c, threads, name, organisation, body)


def test_member_display_name_is_escaped_on_every_page(app, client, db, make_user, login, payload):
    assert sign_up(client, "member@example.jp", payload).status_code == 302
    member = db.session.scalar(db.select(User).where(User.email == "member@example.jp"))
    assert member.display_name == payload
    company = create_company(client, db, "表示名株式会社")
    fy = this_fiscal_year()
    draft = draft_assessment(company, member, year=fy)
    assert create_via_form(client, company.id, name="売上高").status_code == 302
    indicator = db.session.scalar(db.select(Indicator))
    detail = f"/kpis/{indicator.id}"
    assert post_values(client, indicator.id, {fy - 1: "12"}).status_code == 302  # 入力者
    revise = {"revise-target_value": "30", "revise-target_year": str(fy)}
    revised = post_form(client, detail, f"{detail}/revise", revise)
    assert revised.status_code == 302  # 変更者
    comment(client, draft, "よろしくお願いします")

    review = f"/assessments/{draft.id}/review"
    pages = ["/account", *company_view_pages(company), *company_admin_pages(company)]
    expect_escaped(client, [*pages, review, detail], payload)  # the header shows it everywhere

    advisor = advisor_client(app, client, login, make_user, company)
    expect_escaped(advisor, [review, detail], payload)  # comment author, 入力者 and 変更者
    admin = admin_client(app, login, make_user)
    expect_escaped(admin, ["/admin/", f"/admin/users/{member.id}"], payload)


# --- e-mail addresses (audit log, members, grants, admin) -------------------------------------


def test_email_addresses_are_escaped_in_the_audit_log_and_elsewhere(
    app, client, db, make_user, make_company, login, payload
):
    owner = make_user(email="owner@example.jp")
    login(owner.email)
    company = make_company(owner)
    editor_email, advisor_email = f"{payload}@example.jp", f"{payload}@advisor.example.jp"
    runner = app.test_cli_runner()
    for args in (
        ["--email", editor_email, "--company", str(company.id), "--company-role", "editor"],
        ["--email", advisor_email, "--role", "advisor"],
    ):
        result = runner.invoke(args=["users", "create", "--password", PASSWORD, *args])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    editor_user = db.session.scalar(db.select(User).where(User.email == editor_email))
    advisor_user = db.session.scalar(db.select(User).where(User.email == advisor_email))
    assert editor_user and advisor_user  # stored as typed

    # The editor saves the profile: the audit log names them as the actor.
    editor = login(editor_email, c=app.test_client())
    edit = f"/companies/{company.id}/edit"
    assert post_with_csrf(editor, edit, edit, company_form("会社名")).status_code == 302
    expect_escaped(editor, ["/account"], editor_email)

    # The owner changes the editor's role and grants the advisor: both flash the address.
    membership = db.session.scalar(
        db.select(Membership).where(Membership.user_id == editor_user.id)
    )
    members = f"/companies/{company.id}/members"
    role_url = f"{members}/{membership.id}/role"
    changed = follow(client, post_with_csrf(client, members, role_url, {"role": "viewer"}))
    check_escaped(changed, [editor_email], "the members page after a role change")
    granted = follow(client, grant(client, company.id, advisor_email, "read"))
    check_escaped(granted, [advisor_email], "the grants page after granting")

    expect_escaped(client, [f"/companies/{company.id}/audit"], editor_email, advisor_email)
    expect_escaped(client, [members], editor_email)
    expect_escaped(client, [f"/companies/{company.id}/advisors"], advisor_email)
    admin = admin_client(app, login, make_user)
    expect_escaped(admin, ["/admin/"], editor_email, advisor_email)
    expect_escaped(admin, [f"/admin/users/{editor_user.id}"], editor_email)
    expect_escaped(admin, [f"/admin/users/{advisor_user.id}"], advisor_email)
    advisor = login(advisor_email, c=app.test_client())
    expect_escaped(advisor, ["/account"], advisor_email)


# --- KPIs -------------------------------------------------------------------------------------


@pytest.fixture()
def kpi_company(app, client, make_user, make_company, login):
    """(owner's client, advisor's client, company, this year's draft assessment)."""
    owner = make_user(email="owner@example.jp")
    login(owner.email)
    company = make_company(owner)
    draft = draft_assessment(company, owner, year=this_fiscal_year())
    advisor = advisor_client(app, client, login, make_user, company)
    return client, advisor, company, draft


def test_kpi_name_definition_unit_and_reason_are_escaped(db, kpi_company, payload):
    client, advisor, company, draft = kpi_company
    fy = this_fiscal_year()
    name, definition = f"指標{payload}", f"定義{payload}"
    unit, reason = fitted(payload, KPI_UNIT_MAX), f"理由{payload}"
    created = create_via_form(
        client,
        company.id,
        name=name,
        definition=definition,
        unit=unit,
        baseline_year=str(fy - 3),
        baseline_value="10",
        target_value="20",
    )
    assert created.status_code == 302
    indicator = db.session.scalar(db.select(Indicator))
    assert (indicator.name, indicator.definition, indicator.unit) == (name, definition, unit)
    detail = f"/kpis/{indicator.id}"
    revise = {"revise-target_value": "30", "revise-target_year": str(fy), "revise-reason": reason}
    assert post_form(client, detail, f"{detail}/revise", revise).status_code == 302
    assert post_values(client, indicator.id, {fy - 2: "12", fy - 1: "15"}).status_code == 302

    index, progress = f"/companies/{company.id}/kpis", f"/companies/{company.id}/progress"
    step = f"/assessments/{draft.id}/kpis"
    for c in (client, advisor):
        expect_escaped(c, [index, progress], name, unit)  # values are shown with their unit
        expect_escaped(c, [detail], name, definition, unit, reason)
        expect_escaped(c, [step], name, definition, unit)  # the unit next to the input
        expect_not_raw(c, [f"/assessments/{draft.id}/review"], name, definition, unit, reason)
    expect_escaped(client, [f"{detail}/edit"], name, definition, unit)

    # Once the target year's actual is in, a new cycle archives this one; both stay escaped.
    assert post_values(client, indicator.id, {fy: "18"}).status_code == 302
    cycle = post_form(client, detail, f"{detail}/cycle", {"cycle-target_value": "40"})
    assert cycle.status_code == 302
    successor = cycle.headers["Location"]
    for c in (client, advisor):
        expect_escaped(c, [index], name)  # the archived cycle is listed too
        expect_escaped(c, [detail], name, definition, unit, reason)
        expect_escaped(c, [successor], name, definition, unit)


def test_kpi_ordered_scale_labels_are_escaped(db, kpi_company, payload):
    client, advisor, company, draft = kpi_company
    fy = this_fiscal_year()
    label = fitted(payload, SCALE_LABEL_MAX)
    created = create_via_form(
        client,
        company.id,
        name="データ鮮度",
        value_type="ordered",
        scale=f"{label}\n週次\n月次",
        baseline_year=str(fy - 3),
        baseline_value="月次",
        target_value=label,
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:800]
    indicator = db.session.scalar(db.select(Indicator))
    assert indicator.scale == [label, "週次", "月次"]
    assert post_values(client, indicator.id, {fy - 2: "週次", fy - 1: label}).status_code == 302

    # Shown as text, as <option>s of the value inputs and as the charts' axis labels.
    pages = kpi_view_pages(indicator, draft)
    for c in (client, advisor):
        expect_escaped(c, pages, label)
    expect_escaped(client, [f"/kpis/{indicator.id}/edit"], label)


# --- bureau report and CSV --------------------------------------------------------------------


def test_bureau_report_and_csv_never_show_company_text(
    app, db, make_user, make_company, login, payload
):
    """Five companies in 東京都 (enough for figures to be shown) put the payload in every text
    they can; the bureau's page and CSV show neither it nor its escaped form."""
    owner = make_user(email="owner@example.jp")
    fy = this_fiscal_year()
    for n in range(5):
        company = make_company(owner, name=f"企業{n}{payload}", prefecture="13")
        assessment = draft_assessment(company, owner, year=fy - 1)
        answer_with_services(assessment, owner, f"根拠{payload}", f"行動{payload}")
        add_comment(assessment, owner, f"コメント{payload}")
        make_indicator(company, owner, name=f"指標{payload}", definition=f"定義{payload}")
    result = app.test_cli_runner().invoke(args=["reports", "release", "--year", str(fy - 1)])
    assert result.exit_code == 0, result.output  # bureau pages show released figures only

    for bureau in ("kanto", "national"):
        staff = make_user(role="bureau", email=f"{bureau}@example.jp", bureau_code=bureau)
        c = login(staff.email, c=app.test_client())
        for url in ("/bureau/reports", f"/bureau/reports?year={fy - 1}"):
            html = fetch(c, url)
            assert "東京都" in html  # the report for the five companies is there
            expect_absent(html, payload, f"{url} ({bureau})")
        response = c.get("/bureau/reports.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        text = response.get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        overall = next(r for r in rows if r and r[0] == "全体（35項目）")
        assert overall[1] == "5"  # figures shown, not suppressed
        expect_absent(text, payload, f"/bureau/reports.csv ({bureau})")


def answer_with_services(assessment, user, evidence: str, action: str) -> None:
    """Answer and submit through the service layer (the form path is tested above)."""
    services.confirm_profile(assessment)
    for step in INDEX.steps:
        values = {
            item_id: {"current": 3, "target": 4, "evidence": evidence, "action": action}
            for item_id in step.item_ids
        }
        assert services.save_step(assessment, step, values, 0, user) is None
    assert services.submit(assessment, assessment.version, user)
