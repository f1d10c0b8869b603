"""release panel members (panel year-over-year figures of the bureau reports)

Revision ID: d08c4269f0a0
Revises: 845da9a84933
Create Date: 2026-12-03 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd08c4269f0a0'
down_revision = "845da9a84933"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_release_panel_members',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('previous_assessment_id', sa.Integer(), nullable=False),
    sa.Column('previous_submission', sa.Integer(), nullable=False),
    sa.Column('previous_index_version', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['report_releases.id'], name=op.f('fk_report_release_panel_members_release_id_report_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'company_id', name=op.f('pk_report_release_panel_members'))
    )


def downgrade():
    op.drop_table('report_release_panel_members')
