"""Company summaries: the stored rows of the advisor's client list (issue 12)

Revision ID: 5a1c2e7b9d40
Revises: 5a1c7e9d2b40
Create Date: 2026-12-03 21:50:00

The rows are computed, not entered: after upgrading run `flask summaries rebuild` (the client
list also computes a missing row when it is first read).
"""
from alembic import op
import sqlalchemy as sa


revision = "5a1c2e7b9d40"
down_revision = "5a1c7e9d2b40"
branch_labels = None
depends_on = None

SORT_TEXT = sa.String(400).with_variant(sa.String(400, collation="C"), "postgresql")


def upgrade():
    op.create_table(
        "company_summaries",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name_key", SORT_TEXT, nullable=False),
        sa.Column("name_normal", SORT_TEXT, nullable=False),
        sa.Column("size", sa.String(16), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("state_rank", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("card_year", sa.Integer(), nullable=True),
        sa.Column("index_version", sa.String(32), nullable=True),
        sa.Column("current_mean", sa.Float(), nullable=True),
        sa.Column("target_mean", sa.Float(), nullable=True),
        sa.Column("change", sa.Float(), nullable=True),
        sa.Column("previous_year", sa.Integer(), nullable=True),
        sa.Column("comparable", sa.Boolean(), nullable=False),
        sa.Column("on_track", sa.Integer(), nullable=False),
        sa.Column("behind", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("open_points", sa.Integer(), nullable=False),
        sa.Column("last_activity", sa.DateTime(timezone=True), nullable=True),
        sa.Column("item_levels", sa.JSON(), nullable=True),
        sa.Column("as_of_year", sa.Integer(), nullable=False),
        sa.Column("next_year_starts", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_company_summaries_assessment_id_assessments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_summaries_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_company_summaries")),
    )
    op.create_index(
        op.f("ix_company_summaries_next_year_starts"),
        "company_summaries",
        ["next_year_starts"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_company_summaries_next_year_starts"), table_name="company_summaries")
    op.drop_table("company_summaries")
