"""Peer benchmark positions looked up at read time: ranks per group, means per member

Revision ID: 7c4e2a9b1d53
Revises: 5a1c2e7b9d40
Create Date: 2026-12-05 01:10:00

A release used to store one row per member and peer group (benchmark_positions: ~4 per
company, the largest single cost of a national build). Releases made from this revision on store
per group, measure and distinct mean the percentile of a member with that mean
(benchmark_ranks), each member's own means (report_release_members.means) and the few members
whose position is withheld against the group's default (benchmark_position_overrides). Releases
made before keep their benchmark_positions rows, and the reader still reads them (their members'
means are NULL), so no company loses a benchmark it was shown. A downgrade drops the ranks and
the members' means: releases made in between then show no positions until the next release.
"""
from alembic import op
import sqlalchemy as sa


revision = "7c4e2a9b1d53"
down_revision = "5a1c2e7b9d40"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("report_release_members", sa.Column("means", sa.JSON(), nullable=True))
    op.add_column(
        "benchmark_cells",
        sa.Column("positions_withheld", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "benchmark_cells",
        sa.Column("overrides", sa.Integer(), server_default="0", nullable=False),
    )
    op.create_table(
        "benchmark_ranks",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("cell_key", sa.String(length=48), nullable=False),
        sa.Column("measure", sa.String(length=48), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("percentile", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["report_releases.id"],
            name=op.f("fk_benchmark_ranks_release_id_report_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "release_id", "cell_key", "measure", "value", name=op.f("pk_benchmark_ranks")
        ),
    )
    op.create_table(
        "benchmark_position_overrides",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("cell_key", sa.String(length=48), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("withheld", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["report_releases.id"],
            name=op.f("fk_benchmark_position_overrides_release_id_report_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "release_id", "cell_key", "company_id", name=op.f("pk_benchmark_position_overrides")
        ),
    )


def downgrade():
    op.drop_table("benchmark_position_overrides")
    op.drop_table("benchmark_ranks")
    with op.batch_alter_table("benchmark_cells") as batch:
        batch.drop_column("overrides")
        batch.drop_column("positions_withheld")
    with op.batch_alter_table("report_release_members") as batch:
        batch.drop_column("means")
