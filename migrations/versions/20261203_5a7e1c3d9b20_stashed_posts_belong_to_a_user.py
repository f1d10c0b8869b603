"""Stashed posts always belong to the member whose expired session posted them (issue 9)

Anonymous stashes could be created by anyone (another site, an enumeration script); they are
deleted, and user_id becomes required and indexed (per-user cap, purge).

Revision ID: 5a7e1c3d9b20
Revises: 2f6d8c4e1b37
Create Date: 2026-12-03 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a7e1c3d9b20'
down_revision = '2f6d8c4e1b37'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text("DELETE FROM stashed_posts WHERE user_id IS NULL"))
    with op.batch_alter_table('stashed_posts', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_stashed_posts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stashed_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stashed_posts_user_id'))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
