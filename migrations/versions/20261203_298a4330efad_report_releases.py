"""Bureau report releases (issue 13): dated snapshots that bureau pages and downloads read,
the members each release counted, and each cell's published, carried or suppressed figures

Revision ID: 298a4330efad
Revises: 7c4e2a91d5b3
Create Date: 2026-12-03 13:55:11.467637

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '298a4330efad'
down_revision = '7c4e2a91d5b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('index_version', sa.String(length=32), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('companies', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_report_releases_released_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_releases'))
    )
    with op.batch_alter_table('report_releases', schema=None) as batch_op:
        batch_op.create_index('ix_report_releases_period', ['fiscal_year', 'index_version'], unique=False)

    op.create_table('report_release_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('cell_key', sa.String(length=48), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source_release_id', sa.Integer(), nullable=True),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['release_id'], ['report_releases.id'], name=op.f('fk_report_release_cells_release_id_report_releases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_release_id'], ['report_releases.id'], name=op.f('fk_report_release_cells_source_release_id_report_releases'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_release_cells')),
    sa.UniqueConstraint('release_id', 'cell_key', name=op.f('uq_report_release_cells_release_id_cell_key'))
    )
    with op.batch_alter_table('report_release_cells', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_release_cells_release_id'), ['release_id'], unique=False)

    op.create_table('report_release_members',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('submission', sa.Integer(), nullable=False),
    sa.Column('bureau_code', sa.String(length=16), nullable=False),
    sa.Column('prefecture_code', sa.String(length=2), nullable=False),
    sa.Column('jsic_division', sa.String(length=1), nullable=False),
    sa.Column('size_class', sa.String(length=16), nullable=False),
    sa.Column('cohort', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['report_releases.id'], name=op.f('fk_report_release_members_release_id_report_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'company_id', name=op.f('pk_report_release_members'))
    )


def downgrade():
    op.drop_table('report_release_members')
    with op.batch_alter_table('report_release_cells', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_release_cells_release_id'))

    op.drop_table('report_release_cells')
    with op.batch_alter_table('report_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_report_releases_period')

    op.drop_table('report_releases')
