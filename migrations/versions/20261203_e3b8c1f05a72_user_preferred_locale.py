"""Users' UI language (the header's 日本語 / English switch, issue 11 item 8)

Revision ID: e3b8c1f05a72
Revises: d08c4269f0a0
Create Date: 2026-12-03 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b8c1f05a72'
down_revision = "d08c4269f0a0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred_locale', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('preferred_locale')
