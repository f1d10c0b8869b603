"""`flask --app wsgi index validate FILE | load FILE | set-default VERSION | load-mapping FILE |
list`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from questionnaires import IndexDefinitionError

index_cli = AppGroup("index", help="Index versions (DX推進指標の版) as data files.")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read the file: {exc}") from exc


def _fail(exc: IndexDefinitionError) -> click.ClickException:
    return click.ClickException(str(exc))


def _summary(index) -> str:
    label = "SYNTHETIC (not official)" if index.synthetic else "official"
    return (
        f"{index.version_id}: {index.title} - {len(index.frameworks)} "
        f"{index.framework_label}, {index.item_count} items, "
        f"{sum(1 for i in index.items if i.criteria)} with item criteria, "
        f"{len(index.kpi_examples)} KPI examples, {label}"
    )


@index_cli.command("validate")
@click.argument("file")
def validate_command(file):
    """Check a version file; print every problem at once. Stores nothing."""
    from app.indexes.services import validate_definition

    try:
        index = validate_definition(_read(file), file)
    except IndexDefinitionError as exc:
        raise _fail(exc) from exc
    click.echo(f"valid: {_summary(index)}")


@index_cli.command("load")
@click.argument("file")
def load_command(file):
    """Validate a version file and store it in the database (immutable once used)."""
    from app.indexes.services import IndexVersionError, load_definition

    try:
        index, outcome = load_definition(_read(file), file)
    except IndexDefinitionError as exc:
        raise _fail(exc) from exc
    except IndexVersionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{outcome}: {_summary(index)}")


@index_cli.command("set-default")
@click.argument("version")
def set_default_command(version):
    """Use VERSION for new assessments (wins over the INDEX_VERSION setting)."""
    from app.indexes.services import IndexVersionError, set_default

    try:
        set_default(version)
    except IndexVersionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"default index version: {version}")


@index_cli.command("load-mapping")
@click.argument("file")
def load_mapping_command(file):
    """Validate an item mapping between two loaded versions and store it."""
    from app.indexes.services import load_mapping_definition

    try:
        older, newer, outcome = load_mapping_definition(_read(file), file)
    except IndexDefinitionError as exc:
        raise _fail(exc) from exc
    click.echo(f"{outcome}: mapping {older} -> {newer}")


@index_cli.command("list")
def list_command():
    """Every version with its status, item count and the assessments using it."""
    from app.indexes.services import version_rows

    for row in version_rows():
        items = row.index.item_count if row.index else "?"
        flags = " default" if row.is_default else ""
        origin = "packaged" if row.packaged else "stored"
        click.echo(
            f"{row.version_id}\t{origin}\t{'active' if row.active else 'inactive'}{flags}"
            f"\t{items} items\t{row.assessments} assessments"
        )
