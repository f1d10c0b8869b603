"""Index versions as data (issue 15): loaded version files, the default for new assessments,
item mappings between versions

Revision ID: 7c4d2e9f1a60
Revises: 298a4330efad
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c4d2e9f1a60'
down_revision = '298a4330efad'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'index_versions',
        sa.Column('version_id', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=True),
        sa.Column('definition', sa.Text(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'],
            name=op.f('fk_index_versions_updated_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('version_id', name=op.f('pk_index_versions')),
    )
    op.create_table(
        'index_mappings',
        sa.Column('from_version', sa.String(length=32), nullable=False),
        sa.Column('to_version', sa.String(length=32), nullable=False),
        sa.Column('definition', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('from_version', 'to_version', name=op.f('pk_index_mappings')),
    )


def downgrade():
    op.drop_table('index_mappings')
    op.drop_table('index_versions')
