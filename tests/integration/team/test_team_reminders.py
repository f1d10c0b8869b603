"""Reminders to unfinished participants: `flask team remind` (draft years' open rounds only,
once a day whatever runs it) and the owner's button (in-memory outbox of the log backend)."""

from datetime import timedelta

from app.assessments import services as questionnaire
from app.team import services as team
from app.web.mail import outbox
from tests.integration.team.team_helpers import INDEX, fill_answers, join, post_form, rate_all

ALL_STEPS = [s.id for s in INDEX.steps]


def _participant(db, make_user, company, assessment, owner, email, perspective="it_dept"):
    user = make_user(email=email)
    join(db, company, user, "viewer")
    return team.add_participant(assessment, user.id, perspective, ALL_STEPS, owner)


def _world(db, make_user, make_company, owner_with_assessment):
    owner, company, draft = owner_with_assessment
    team.start(draft, owner)
    _participant(db, make_user, company, draft, owner, "waiting@example.jp")
    done = _participant(db, make_user, company, draft, owner, "done@example.jp", "executive")
    rate_all(draft, done, 2)
    # a stopped round and a submitted year: nobody there is reminded
    other = make_company(owner, name="終了株式会社")
    stopped = questionnaire.start_assessment(
        other, draft.fiscal_year, owner, prefill=False, index_version="2019-07"
    )
    team.start(stopped, owner)
    _participant(db, make_user, other, stopped, owner, "stopped@example.jp")
    team.stop(stopped, owner)
    last_year = questionnaire.start_assessment(
        company, draft.fiscal_year - 1, owner, prefill=False, index_version="2019-07"
    )
    team.start(last_year, owner)
    _participant(db, make_user, company, last_year, owner, "lastyear@example.jp")
    fill_answers(last_year, owner)
    assert questionnaire.submit(last_year, last_year.version, owner)
    return owner, company, draft


def _remind(app, *args):
    result = app.test_cli_runner().invoke(args=["team", "remind", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_reminds_unfinished_participants_once_a_day(
    app, db, make_user, make_company, owner_with_assessment
):
    from app.companies.fiscal import today_jst

    today, tomorrow = today_jst().isoformat(), (today_jst() + timedelta(days=1)).isoformat()
    owner, company, draft = _world(db, make_user, make_company, owner_with_assessment)
    outbox().clear()
    assert "would send 1 reminder mails" in _remind(app, "--today", today, "--dry-run")
    assert outbox() == []
    output = _remind(app, "--today", today)
    assert "sent 1 reminder mails in 1 team rounds" in output
    (mail,) = outbox()
    assert mail["to"] == "waiting@example.jp"
    assert mail["subject"].startswith("【リマインド】")
    assert f"/assessments/{draft.id}/team/mine" in mail["body"]
    # the same day again: nobody; the next day: the same person once more
    assert "sent 0 reminder mails" in _remind(app, "--today", today)
    assert len(outbox()) == 1
    _remind(app, "--today", tomorrow)
    assert [m["to"] for m in outbox()] == ["waiting@example.jp"] * 2


def test_the_owners_button_and_the_cli_share_the_day(
    app, client, db, make_user, make_company, owner_with_assessment
):
    from app.companies.fiscal import today_jst

    owner, company, draft = _world(db, make_user, make_company, owner_with_assessment)
    manage = f"/assessments/{draft.id}/team"
    outbox().clear()
    assert post_form(client, manage, f"{manage}/remind").status_code == 302
    assert [m["to"] for m in outbox()] == ["waiting@example.jp"]
    assert post_form(client, manage, f"{manage}/remind").status_code == 302
    assert len(outbox()) == 1  # once a day
    assert "sent 0 reminder mails" in _remind(app, "--today", today_jst().isoformat())
    assert len(outbox()) == 1


def test_the_timer_skips_opted_out_participants_and_writes_in_each_language(
    app, db, make_user, make_company, owner_with_assessment
):
    from app.companies.fiscal import today_jst
    from app.models import User

    owner, company, draft = _world(db, make_user, make_company, owner_with_assessment)
    english = _participant(db, make_user, company, draft, owner, "english@example.jp")
    english.user.preferred_locale = "en"
    quiet = _participant(db, make_user, company, draft, owner, "quiet@example.jp")
    quiet.user.notify_by_mail = False
    db.session.commit()
    outbox().clear()
    today = today_jst().isoformat()
    assert "would send 2 reminder mails" in _remind(app, "--today", today, "--dry-run")
    assert "sent 2 reminder mails" in _remind(app, "--today", today)
    by_address = {m["to"]: m for m in outbox()}
    assert sorted(by_address) == ["english@example.jp", "waiting@example.jp"]
    assert by_address["waiting@example.jp"]["subject"].startswith("【リマインド】")
    assert by_address["english@example.jp"]["subject"] == (
        "[Reminder] DX Promotion Index: please take part in the team self-assessment"
    )
    assert "/team/mine" in by_address["english@example.jp"]["body"]
    assert db.session.get(User, quiet.user.id).notify_by_mail is False


def test_a_removed_member_or_disabled_account_is_not_reminded(
    app, client, db, make_user, make_company, owner_with_assessment
):
    """Leaving the company ends the mails about its round (the row stays for the history);
    neither the timer, its dry run nor the owner's button mails a former member."""
    from app.companies.fiscal import today_jst
    from app.members import services as members
    from app.models import Membership

    owner, company, draft = _world(db, make_user, make_company, owner_with_assessment)
    leaver = _participant(db, make_user, company, draft, owner, "leaver@example.jp")
    disabled = _participant(db, make_user, company, draft, owner, "disabled@example.jp")
    disabled.user.is_disabled = True
    db.session.commit()
    membership = db.session.scalar(
        db.select(Membership).where(Membership.user_id == leaver.user_id)
    )
    members.remove_member(company, membership.id, owner)
    outbox().clear()
    today = today_jst().isoformat()
    assert "would send 1 reminder mails" in _remind(app, "--today", today, "--dry-run")
    manage = f"/assessments/{draft.id}/team"
    assert post_form(client, manage, f"{manage}/remind").status_code == 302
    assert [m["to"] for m in outbox()] == ["waiting@example.jp"]
    assert "sent 0 reminder mails" in _remind(app, "--today", today)
    assert len(outbox()) == 1
