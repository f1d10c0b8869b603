"""Excel imports: uploads waiting for confirmation, and years marked as imported (issue 14)

Revision ID: 7c4e2a91d5b3
Revises: 5a7e1c3d9b20
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c4e2a91d5b3'
down_revision = '5a7e1c3d9b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_uploads',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('index_version', sa.String(length=32), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('assessment_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_import_uploads_assessment_id_assessments'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_import_uploads_company_id_companies'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_uploads_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_uploads')),
    )
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_uploads_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('imported_at')
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_uploads_user_id'))
    op.drop_table('import_uploads')
