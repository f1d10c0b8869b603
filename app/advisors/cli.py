"""`flask --app wsgi summaries rebuild|check`: the stored rows of the advisor's client list."""

import click
from flask.cli import AppGroup

summaries_cli = AppGroup("summaries", help="The company summaries of the advisor's client list.")


@summaries_cli.command("rebuild")
def rebuild_command():
    """Recompute every company's summary row."""
    from app.advisors.summaries import rebuild_all

    click.echo(f"rebuilt the summaries of {rebuild_all()} companies")


@summaries_cli.command("check")
def check_command():
    """Compare every stored row with a fresh computation; exit 1 and list the differences."""
    from app.advisors.summaries import differences

    found = differences()
    for line in found:
        click.echo(line)
    if found:
        raise SystemExit(1)
    click.echo("every summary matches a fresh computation")
