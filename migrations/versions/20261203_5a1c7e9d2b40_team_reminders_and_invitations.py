"""Team mode: a participant's last reminder, and invitations that make a participant

Revision ID: 5a1c7e9d2b40
Revises: 5e2f7c1a9b30
Create Date: 2026-12-03 22:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c7e9d2b40'
down_revision = '5e2f7c1a9b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('team_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'team_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('perspective', sa.String(length=16), nullable=False),
        sa.Column('item_ids', sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "perspective IN ('executive','business','dx_dept','it_dept','other')",
            name=op.f('ck_team_invitations_perspective'),
        ),
        sa.ForeignKeyConstraint(
            ['invitation_id'], ['invitations.id'],
            name=op.f('fk_team_invitations_invitation_id_invitations'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['round_id'], ['team_rounds.id'],
            name=op.f('fk_team_invitations_round_id_team_rounds'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_invitations')),
        sa.UniqueConstraint('invitation_id', name=op.f('uq_team_invitations_invitation_id')),
    )
    with op.batch_alter_table('team_invitations', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_team_invitations_round_id'), ['round_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('team_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_invitations_round_id'))
    op.drop_table('team_invitations')
    with op.batch_alter_table('team_participants', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
