"""`flask users ...`: create with each role, company membership, bureau codes, disable, set-role."""

import pytest

from app.models import AuditEvent, Membership, User
from tests.conftest import PASSWORD


@pytest.fixture()
def run(app, db):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=["users", *args])
        db.session.expire_all()  # the command committed through its own session
        return result

    return invoke


def user(db, email) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        ("member", []),
        ("advisor", ["--organisation", "よろず支援拠点"]),
        ("bureau", ["--bureau", "kanto"]),
        ("bureau", ["--bureau", "national"]),
        ("admin", []),
    ],
)
def test_create_with_each_role(run, db, role, extra):
    result = run(
        "create", "--email", "New@Example.jp", "--password", PASSWORD, "--role", role, *extra
    )
    assert result.exit_code == 0, result.output
    assert f"role={role}" in result.output
    created = user(db, "new@example.jp")
    assert created.role == role
    assert created.bureau_code == (extra[1] if role == "bureau" else None)
    if role == "advisor":
        assert created.organisation == "よろず支援拠点"


def test_create_member_of_a_company(run, db, make_company):
    company = make_company()
    result = run(
        "create",
        "--email",
        "ed@example.jp",
        "--password",
        PASSWORD,
        "--company",
        str(company.id),
        "--company-role",
        "editor",
    )
    assert result.exit_code == 0, result.output
    membership = db.session.scalar(db.select(Membership))
    assert membership.company_id == company.id and membership.role == "editor"
    assert membership.user_id == user(db, "ed@example.jp").id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "bureau"], "--bureau must be one of"),
        (["--role", "bureau", "--bureau", "mars"], "--bureau must be one of"),
        (["--role", "advisor", "--bureau", "kanto"], "--bureau is only for bureau staff"),
        (["--company", "1"], "--company and --company-role go together"),
        (["--company-role", "owner"], "--company and --company-role go together"),
        (["--role", "advisor", "--company", "1", "--company-role", "owner"], "only members"),
        (["--company", "999", "--company-role", "owner"], "no company with id 999"),
        (["--role", "root"], "Invalid value for '--role'"),
    ],
)
def test_create_refuses_bad_options(run, db, args, message):
    result = run("create", "--email", "x@example.jp", "--password", PASSWORD, *args)
    assert result.exit_code == 2 and message in result.output
    assert user(db, "x@example.jp") is None


def test_create_refuses_weak_passwords_and_duplicates(run, db, make_user):
    result = run("create", "--email", "weak@example.jp", "--password", "password123")
    assert result.exit_code == 1 and user(db, "weak@example.jp") is None
    make_user(email="taken@example.jp")
    result = run("create", "--email", "TAKEN@example.jp", "--password", PASSWORD)
    assert result.exit_code == 1 and "既に登録されています" in result.output


def test_list_shows_every_user(run, make_user):
    make_user(email="a@example.jp")
    make_user(role="bureau", email="b@example.jp", bureau_code="tohoku")
    result = run("list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert "b@example.jp\tbureau\ttohoku\tactive" in lines[1]


def test_disable_ends_sessions_and_logs(run, db, make_user, app, login):
    target = make_user(email="leaver@example.jp")
    client = app.test_client()
    login(target.email, c=client)
    result = run("disable", "--email", "Leaver@example.jp")
    assert result.exit_code == 0, result.output
    stored = user(db, "leaver@example.jp")
    assert stored.is_disabled and stored.session_version == 2
    assert client.get("/account").status_code == 302
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.event == "user_disabled"))
    assert event.details == {"target_user_id": stored.id, "via": "cli"}
    assert run("disable", "--email", "nobody@example.jp").exit_code == 1


def test_set_role(run, db, make_user, make_company):
    target = make_user(email="staff@example.jp")
    result = run("set-role", "--email", target.email, "--role", "bureau", "--bureau", "kyushu")
    assert result.exit_code == 0, result.output
    stored = user(db, "staff@example.jp")
    assert (stored.role, stored.bureau_code, stored.session_version) == ("bureau", "kyushu", 2)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.event == "role_change"))
    assert event.details == {"from": "member", "to": "bureau", "via": "cli"}

    result = run("set-role", "--email", target.email, "--role", "advisor")
    assert result.exit_code == 0
    assert user(db, "staff@example.jp").bureau_code is None

    assert run("set-role", "--email", target.email, "--role", "bureau").exit_code == 2
    assert (
        run("set-role", "--email", target.email, "--role", "admin", "--bureau", "kanto").exit_code
        == 2
    )
    assert user(db, "staff@example.jp").role == "advisor"
    assert run("set-role", "--email", "nobody@example.jp", "--role", "admin").exit_code == 1


def test_set_role_refused_for_company_members(run, db, make_user, make_company):
    owner = make_user(email="owner@example.jp")
    make_company(owner)
    result = run("set-role", "--email", owner.email, "--role", "advisor")
    assert result.exit_code == 1 and "memberships" in result.output
    assert user(db, "owner@example.jp").role == "member"
