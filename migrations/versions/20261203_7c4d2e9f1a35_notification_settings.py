"""Notification mails (issue 11): a per-user opt-out and the draft reminder already sent

Revision ID: 7c4d2e9f1a35
Revises: 7c4d2e9f1a60
Create Date: 2026-12-03 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c4d2e9f1a35'
down_revision = '7c4d2e9f1a60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('notify_by_mail', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_reminder_sent_for', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('draft_reminder_sent_for')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notify_by_mail')
