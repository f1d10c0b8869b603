"""release kpi members (quantitative indicators in the bureau reports)

Revision ID: 5e2f7c1a9b30
Revises: 0c8903d5aeb5
Create Date: 2026-12-03 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2f7c1a9b30'
down_revision = '0c8903d5aeb5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_release_kpi_members',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('example', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['report_releases.id'], name=op.f('fk_report_release_kpi_members_release_id_report_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'company_id', 'example', name=op.f('pk_report_release_kpi_members'))
    )


def downgrade():
    op.drop_table('report_release_kpi_members')
