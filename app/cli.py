"""Command-line tools: `flask --app wsgi seed-demo`, `flask --app wsgi users ...`,
`flask --app wsgi stashes purge`, `flask --app wsgi remind-drafts`,
`flask --app wsgi backup-sqlite DEST`, `flask --app wsgi restore-sqlite SRC`,
`flask --app wsgi reports release|check|rebuild-sums|check-sums`, `flask --app wsgi team remind`,
`flask --app wsgi index ...` (app/indexes/cli.py),
`flask --app wsgi summaries rebuild|check` (app/advisors/cli.py)."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli_options import reminder_options
from app.extensions import db
from app.models import Membership, User

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option(
    "--role", type=click.Choice(["member", "advisor", "bureau", "admin"]), default="member"
)
@click.option("--name", "display_name", default="")
@click.option("--organisation", default=None, help="Advisor's organisation name.")
@click.option("--company", "company_id", type=int, default=None)
@click.option("--company-role", type=click.Choice(["owner", "editor", "viewer"]), default=None)
@click.option(
    "--bureau", "bureau_code", default=None, help="Bureau code (e.g. kanto) or 'national'."
)
def create_user_command(
    email, password, role, display_name, organisation, company_id, company_role, bureau_code
):
    from app.auth.users import UserError, create_user
    from app.models import Company

    if (company_id is None) != (company_role is None):
        raise click.UsageError("--company and --company-role go together")
    if company_id is not None and role != "member":
        raise click.UsageError("only members belong to a company")
    _check_bureau_option(role, bureau_code)
    if company_id is not None and db.session.get(Company, company_id) is None:
        raise click.UsageError(f"no company with id {company_id}")
    try:
        user = create_user(
            email,
            password,
            role=role,
            display_name=display_name,
            organisation=organisation,
            bureau_code=bureau_code,
        )
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    if company_id is not None:
        db.session.add(Membership(company_id=company_id, user_id=user.id, role=company_role))
    db.session.commit()
    click.echo(f"created user {user.id} <{user.email}> role={user.role}")


def _check_bureau_option(role, bureau_code):
    from questionnaires import reference

    if role == "bureau":
        valid = {b.code for b in reference.bureaus()} | {"national"}
        if bureau_code not in valid:
            raise click.UsageError(f"--bureau must be one of {sorted(valid)}")
    elif bureau_code:
        raise click.UsageError("--bureau is only for bureau staff")


@users_cli.command("list")
def list_users_command():
    for user in db.session.scalars(db.select(User).order_by(User.id)):
        state = "disabled" if user.is_disabled else "active"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{user.bureau_code or ''}\t{state}")


@users_cli.command("disable")
@click.option("--email", required=True)
def disable_user_command(email):
    from app.audit import record
    from app.auth.users import end_all_sessions, find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException("no such user")
    user.is_disabled = True
    end_all_sessions(user)
    record("user_disabled", details={"target_user_id": user.id, "via": "cli"})
    db.session.commit()
    click.echo(f"disabled {user.email}")


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["member", "advisor", "bureau", "admin"]), required=True)
@click.option("--bureau", "bureau_code", default=None)
def set_role_command(email, role, bureau_code):
    from app.audit import record
    from app.auth.users import end_all_sessions, find_user

    _check_bureau_option(role, bureau_code)
    user = find_user(email)
    if user is None:
        raise click.ClickException("no such user")
    if role != "member" and db.session.scalar(
        db.select(Membership.id).where(Membership.user_id == user.id)
    ):
        raise click.ClickException("remove the user's company memberships first")
    old = user.role
    user.role, user.bureau_code = role, bureau_code if role == "bureau" else None
    end_all_sessions(user)
    record("role_change", user_id=user.id, details={"from": old, "to": role, "via": "cli"})
    db.session.commit()
    click.echo(f"{user.email}: {old} -> {role}")


@click.command("seed-demo")
def seed_demo_command():
    """Demo accounts and data, only on an empty database and never in production."""
    from app.demo import seed_demo

    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("seed-demo is refused when APP_ENV=production")
    if db.session.scalar(db.select(db.func.count(User.id))):
        click.echo("database not empty: demo data not seeded")
        return
    for line in seed_demo():
        click.echo(line)


stashes_cli = AppGroup("stashes", help="Step forms kept after an idle timeout.")


@stashes_cli.command("purge")
def purge_stashes_command():
    """Delete stashed step posts older than a day and Excel imports older than an hour (run
    hourly from cron or a systemd timer)."""
    from app.assessments.stash import purge_old_stashes
    from app.exchange.services import purge_expired_uploads

    click.echo(f"purged {purge_old_stashes()} stashed posts")
    click.echo(f"purged {purge_expired_uploads()} Excel imports")


@click.command("backup-sqlite")
@click.argument("destination", type=click.Path(dir_okay=False))
def backup_sqlite_command(destination):
    """Copy the SQLite database to DESTINATION (a new file) with SQLite's online backup API,
    safe while the application runs."""
    from app.backup import BackupError, backup_sqlite

    try:
        counts = backup_sqlite(current_app.config["SQLALCHEMY_DATABASE_URI"], destination)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {len(counts)} tables, {sum(counts.values())} rows to {destination}")


@click.command("restore-sqlite")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm replacing the configured database.")
def restore_sqlite_command(source, yes):
    """Replace the configured SQLite database with the backup SOURCE (stop the workers first)."""
    from app.backup import BackupError, restore_sqlite

    if not yes:
        raise click.UsageError("this replaces every row of the database: add --yes")
    db.engine.dispose()  # no pooled connection of this process keeps the old pages
    try:
        counts = restore_sqlite(source, current_app.config["SQLALCHEMY_DATABASE_URI"])
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {len(counts)} tables, {sum(counts.values())} rows from {source}")


reports_cli = AppGroup("reports", help="Bureau report releases.")


@reports_cli.command("release")
@click.option("--year", "fiscal_year", type=int, required=True, help="Fiscal year, e.g. 2025.")
@click.option(
    "--version", "index_version", default=None, help="Index version (default: the admin default)."
)
def release_command(fiscal_year, index_version):
    """Publish a dated release of the bureau reports from the submissions as they are now."""
    from app.indexes.services import default_version
    from app.reports.releases import ReleaseError, create_release

    version = index_version or default_version()
    try:
        release = create_release(fiscal_year, version)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"release {release.id}: {fiscal_year} {version}, {release.companies} companies, "
        f"{release.released_at:%Y-%m-%d %H:%M} UTC"
    )


@reports_cli.command("check")
@click.option("--release", "release_id", type=int, required=True)
def check_command(release_id):
    """Recompute a release from the live answers and compare every unchanged cell."""
    from app.reports.releases import ReleaseError, check_release

    try:
        compared, changed, differences = check_release(release_id)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{compared} cells equal the live query, {changed} changed since the release")
    if differences:
        raise click.ClickException("differ from the live query: " + ", ".join(differences))


@reports_cli.command("rebuild-sums")
def rebuild_sums_command():
    """Store the sums of levels of every submitted assessment that has none (or a stale one)."""
    from app.reports.submission_sums import rebuild

    current = rebuild()  # commits batch by batch
    click.echo(f"{current} submitted assessments have current sums")


@reports_cli.command("check-sums")
def check_sums_command():
    """Compare the sums of levels stored at submit time with the answers they came from."""
    from app.reports.submission_sums import check

    compared, differing = check()
    equal = compared - len(differing)
    click.echo(f"{equal} of {compared} stored submission sums equal the answers")
    if differing:
        ids = ", ".join(map(str, differing))
        raise click.ClickException(f"{len(differing)} differ (assessment ids): {ids}")


@click.command("remind-drafts")
@reminder_options
def remind_drafts_command(today, dry_run):
    """Mail owners of a draft of the current fiscal year before the submission deadline
    (SUBMISSION_DEADLINE, MM-DD; DRAFT_REMINDER_DAYS before it). Run daily by a timer."""
    from app.companies.fiscal import today_jst
    from app.notifications.reminders import ReminderSettingError, remind_drafts
    from app.web.mail import wait_for_background_mail

    day = today.date() if today else today_jst()
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    # Links in the mails are built outside any request: from PUBLIC_BASE_URL.
    with current_app.test_request_context("/", base_url=base):
        try:
            run = remind_drafts(day, dry_run=dry_run)
        except ReminderSettingError as exc:
            raise click.ClickException(str(exc)) from exc
        wait_for_background_mail(timeout=60)
    verb = "would send" if dry_run else "sent"
    click.echo(
        f"deadline {run.deadline.isoformat()}: {verb} {run.mails} reminder mails "
        f"for {run.assessments} draft assessments"
    )


tokens_cli = AppGroup("tokens", help="Personal access tokens of the JSON API.")


@tokens_cli.command("create")
@click.option("--email", required=True, help="The account the token acts for.")
@click.option("--name", default="", help="What the token is for (shown in the account page).")
@click.option("--expires-days", type=int, default=None, help="Days until it expires (none: never).")
def create_token_command(email, name, expires_days):
    """Create a token and print it once (only its hash is stored)."""
    from app.api.tokens import TokenRefused, create_token
    from app.auth.users import normalise_email

    user = db.session.scalar(db.select(User).where(User.email == normalise_email(email)))
    if user is None or user.is_disabled:
        raise click.ClickException("no active account with that e-mail address")
    try:
        created = create_token(user, name, expires_days)
    except TokenRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created token {created.token.id} for <{user.email}> (shown once, store it now):")
    click.echo(created.secret)


def register_cli(app):
    from app.advisors.cli import summaries_cli
    from app.indexes.cli import index_cli
    from app.team.cli import team_cli

    app.cli.add_command(index_cli)
    app.cli.add_command(summaries_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(backup_sqlite_command)
    app.cli.add_command(restore_sqlite_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(stashes_cli)
    app.cli.add_command(remind_drafts_command)
    app.cli.add_command(team_cli)
    app.cli.add_command(seed_demo_command)
