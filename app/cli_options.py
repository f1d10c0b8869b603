"""Options shared by the timer-run mail commands (`remind-drafts`, `team remind`)."""

import click


def reminder_options(command):
    """--today (act as if today were this date) and --dry-run (count, send nothing)."""
    command = click.option("--dry-run", is_flag=True, help="Count the mails without sending them.")(
        command
    )
    return click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Act as if today were this date (JST by default).",
    )(command)
