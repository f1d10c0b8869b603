"""Submitted assessments' sums of levels per part of the index, kept at submit time

Revision ID: 3d5e8a1c7f42
Revises: 7c4e2a9b1d53
Create Date: 2026-12-05 04:30:00

A report release read every answer row of two fiscal years to sum levels per assessment and
part (~7 M rows at 100k companies), and every answer row of its year again to count levels per
item. From this revision on, submit writes one row per assessment with those sums and its items'
levels packed in integers (app/reports/submission_sums.py), and a release reads them. The table starts
empty: the first release build after the upgrade computes the missing rows from the answers
(as every build did before) and stores them, so nothing needs to be filled here. A downgrade
drops the table; builds then read the answers again.
"""
from alembic import op
import sqlalchemy as sa


revision = "3d5e8a1c7f42"
down_revision = "7c4e2a9b1d53"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submission_part_sums",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("submission", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(length=40), nullable=False),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False)
            for name in ("all_cs", "all_cn", "all_ts", "all_tn", "cs", "cn", "ts", "tn")
        ),
        *(
            sa.Column(name, sa.BigInteger(), nullable=True)
            for name in ("cl0", "cl1", "tl0", "tl1")
        ),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assessment_id"),
    )


def downgrade():
    op.drop_table("submission_part_sums")
