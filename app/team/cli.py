"""`flask --app wsgi team remind`: remind the participants of open team rounds (draft years)
who have not submitted their own view. Run daily by a timer; at most one reminder a day each."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli_options import reminder_options

team_cli = AppGroup("team", help="Team mode (assess as a team).")


@team_cli.command("remind")
@reminder_options
def remind_command(today, dry_run):
    """Mail every unfinished participant of a draft year's open team round their link again."""
    from app.companies.fiscal import today_jst
    from app.team.reminders import remind_all
    from app.web.mail import wait_for_background_mail

    day = today.date() if today else today_jst()
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    # Links in the mails are built outside any request: from PUBLIC_BASE_URL.
    with current_app.test_request_context("/", base_url=base):
        rounds, run = remind_all(day, dry_run=dry_run)
        wait_for_background_mail(timeout=60)
    if dry_run:
        click.echo(f"{day.isoformat()}: would send {run.due} reminder mails ({rounds} rounds)")
    else:
        click.echo(
            f"{day.isoformat()}: sent {len(run.sent)} reminder mails in {rounds} team rounds"
            f" ({run.already} participants already reminded today)"
        )
