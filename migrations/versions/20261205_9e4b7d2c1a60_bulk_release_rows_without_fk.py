"""Release members, panel members and benchmark ranks without a foreign key to their release

Revision ID: 9e4b7d2c1a60
Revises: 3d5e8a1c7f42
Create Date: 2026-12-05 11:00:00

A release build writes ~100k rows into each of report_release_members and
report_release_panel_members per 100k companies (and tens of thousands of benchmark_ranks), in
the transaction that creates the release row itself. PostgreSQL checks a foreign key row by row,
one lookup of the parent per inserted row: 0.6 s per 100k members, ~1.3-2 s of a 100k build's
database time in all (bench/README.md, "Release build: panel sums with numpy, …"). Only
the release build writes these rows, always with their release, and the app never deletes a
release, so the keys guarded nothing the build does not; the smaller tables keep theirs. Code
that deletes releases deletes these rows itself (bench.reports.delete_releases): a plain
DELETE FROM report_releases no longer takes them along. A downgrade puts the keys back (and
fails if rows without a release were left meanwhile).
"""
from alembic import op


revision = "9e4b7d2c1a60"
down_revision = "3d5e8a1c7f42"
branch_labels = None
depends_on = None

TABLES = ("report_release_members", "report_release_panel_members", "benchmark_ranks")


def _name(table):
    return f"fk_{table}_release_id_report_releases"


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(_name(table), type_="foreignkey")


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(
                _name(table), "report_releases", ["release_id"], ["id"], ondelete="CASCADE"
            )
