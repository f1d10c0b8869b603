"""normalise stored e-mail addresses (NFKC, case) so the unique index means one address

Revision ID: 9b1e7a20c4d1
Revises: c9099c9f2994
Create Date: 2026-12-03 10:00:00

Sign-up and look-ups now normalise addresses with NFKC and case folding (app.auth.users.
normalise_email), so "ｏｗｎｅｒ@demo.example" is "owner@demo.example". Rows stored before keep
their old spelling and could no longer log in, or could sit beside their twin: rewrite them.
Two accounts that become the same address cannot both keep it; the migration stops and names
them, for an administrator to merge or rename by hand (nothing is changed in that case).
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '9b1e7a20c4d1'
down_revision = 'c9099c9f2994'
branch_labels = None
depends_on = None


def _normalise(email):
    return unicodedata.normalize("NFKC", email).strip().lower()


def upgrade():
    conn = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    rows = conn.execute(sa.select(users.c.id, users.c.email)).all()
    owners = {}
    for row in rows:
        owners.setdefault(_normalise(row.email), []).append(row.id)
    clashes = {email: ids for email, ids in owners.items() if len(ids) > 1}
    if clashes:
        raise RuntimeError(f"accounts whose addresses differ only in width or case: {clashes}")
    for row in rows:
        if _normalise(row.email) != row.email:
            conn.execute(
                users.update().where(users.c.id == row.id).values(email=_normalise(row.email))
            )
    invitations = sa.table(
        "invitations", sa.column("id", sa.Integer), sa.column("email", sa.String)
    )
    for row in conn.execute(sa.select(invitations.c.id, invitations.c.email)).all():
        if _normalise(row.email) != row.email:
            conn.execute(
                invitations.update()
                .where(invitations.c.id == row.id)
                .values(email=_normalise(row.email))
            )


def downgrade():
    pass  # the old spellings are not kept; normalised addresses work with the old code too
