"""Peer benchmarks materialised with each report release (issue 12)

Revision ID: ede4cb316177
Revises: e3b8c1f05a72
Create Date: 2026-12-03 17:20:00

Releases made before this revision have no benchmarks; the next `flask reports release` of a
period stores them.
"""
from alembic import op
import sqlalchemy as sa


revision = 'ede4cb316177'
down_revision = "e3b8c1f05a72"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('benchmark_cells',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('cell_key', sa.String(length=48), nullable=False),
    sa.Column('companies', sa.Integer(), nullable=False),
    sa.Column('medians', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['report_releases.id'], name=op.f('fk_benchmark_cells_release_id_report_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'cell_key', name=op.f('pk_benchmark_cells'))
    )
    op.create_table('benchmark_positions',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('cell_key', sa.String(length=48), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('submission', sa.Integer(), nullable=False),
    sa.Column('percentiles', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['report_releases.id'], name=op.f('fk_benchmark_positions_release_id_report_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'company_id', 'cell_key', name=op.f('pk_benchmark_positions'))
    )
    # The reader looks a company's rows up by company and assessment.
    op.create_index('ix_benchmark_positions_company', 'benchmark_positions', ['company_id', 'assessment_id'])


def downgrade():
    op.drop_index('ix_benchmark_positions_company', table_name='benchmark_positions')
    op.drop_table('benchmark_positions')
    op.drop_table('benchmark_cells')
