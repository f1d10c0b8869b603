"""KPI indicators remember the index version their catalogue example came from (issue 15)

Revision ID: 845da9a84933
Revises: 407b57cd2345
Create Date: 2026-12-03 17:25:00

Existing rows keep NULL: the version they were made under was not recorded, and the app then
looks the example up in the company's catalogue version, else the default version.
"""
from alembic import op
import sqlalchemy as sa


revision = '845da9a84933'
down_revision = '407b57cd2345'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kpi_indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('example_version', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('kpi_indicators', schema=None) as batch_op:
        batch_op.drop_column('example_version')
