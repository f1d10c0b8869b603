"""signup requests: an account is created only from a confirmed address

Revision ID: 5e3c1b7d9a20
Revises: 9b1e7a20c4d1
Create Date: 2026-12-03 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5e3c1b7d9a20'
down_revision = '9b1e7a20c4d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signup_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('display_name', sa.String(length=100), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('next_url', sa.String(length=500), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signup_requests')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_signup_requests_token_hash')),
    )
    with op.batch_alter_table('signup_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_requests_email'), ['email'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_signup_requests_expires_at'), ['expires_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('signup_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_requests_expires_at'))
        batch_op.drop_index(batch_op.f('ix_signup_requests_email'))
    op.drop_table('signup_requests')
