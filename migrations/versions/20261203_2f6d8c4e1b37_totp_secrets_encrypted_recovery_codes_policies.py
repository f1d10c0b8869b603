"""TOTP secrets encrypted at rest, recovery codes, per-role 2FA policy

Revision ID: 2f6d8c4e1b37
Revises: 5e3c1b7d9a20
Create Date: 2026-12-03 11:10:00

Existing plaintext secrets are encrypted with the running configuration's key
(TOTP_ENCRYPTION_KEY, or the development key derived from SECRET_KEY), so run `flask db upgrade`
with the same environment as the application.
"""
import sqlalchemy as sa
from alembic import op

revision = '2f6d8c4e1b37'
down_revision = '5e3c1b7d9a20'
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("totp_secret", sa.String),
    sa.column("totp_secret_encrypted", sa.String),
)


def upgrade():
    from app.secret_box import encrypt

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_encrypted', sa.String(length=255), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))
    ).all()
    for row in rows:
        conn.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(totp_secret_encrypted=encrypt(row.totp_secret))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret')

    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)
    op.create_table(
        'two_factor_policies',
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('member','advisor','bureau','admin')",
            name=op.f('ck_two_factor_policies_role'),
        ),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'], name=op.f('fk_two_factor_policies_updated_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('role', name=op.f('pk_two_factor_policies')),
    )


def downgrade():
    from app.secret_box import decrypt

    op.drop_table('two_factor_policies')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(users.c.id, users.c.totp_secret_encrypted)
        .where(users.c.totp_secret_encrypted.is_not(None))
    ).all()
    for row in rows:
        conn.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(totp_secret=decrypt(row.totp_secret_encrypted))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret_encrypted')
