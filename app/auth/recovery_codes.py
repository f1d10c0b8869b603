"""Recovery codes: single-use codes for logging in when the authenticator app is lost.

Ten codes of 10 characters (50 bits each, from `secrets`), shown once when made; only their
SHA-256 is stored. Using one is a conditional UPDATE, so a code works once even in two tabs.
Making new codes, turning 2FA off, or an administrator clearing it removes the old ones.
"""

import hashlib
import secrets
import unicodedata

from sqlalchemy import delete, func, update

from app.extensions import db
from app.models import RecoveryCode, User
from app.models._time import utcnow

COUNT = 10
LENGTH = 10
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def _normalise(code: str | None) -> str | None:
    if not code:
        return None
    text = unicodedata.normalize("NFKC", code).upper().replace("-", "").replace(" ", "")
    return text if len(text) == LENGTH and all(c in ALPHABET for c in text) else None


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def generate(user: User) -> list[str]:
    """New codes for ``user`` (the old ones stop working); shown to the user once."""
    delete_all(user)
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def consume(user: User, code: str | None) -> bool:
    normalised = _normalise(code)
    if normalised is None:
        return False
    claimed = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _digest(normalised),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def remaining(user: User) -> int:
    return db.session.scalar(
        db.select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def delete_all(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
