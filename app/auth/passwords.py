"""Password hashing (argon2id) and the password policy (NIST SP 800-63B: length, no
composition rules, a check against common passwords)."""

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps an unknown e-mail as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def _normalise(password: str) -> str:
    # NFC so that the same password typed on different systems verifies (no case folding).
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    return _hasher.hash(_normalise(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, _normalise(password)) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, context_words: tuple[str, ...] = ()) -> list[str]:
    """Reasons (in Japanese, for the form) why a new password is not acceptable."""
    from app.auth.common_passwords import is_common

    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"パスワードは{MIN_LENGTH}文字以上にしてください。")
    if len(password) > MAX_LENGTH:
        problems.append(f"パスワードは{MAX_LENGTH}文字以内にしてください。")
    if is_common(password, context_words):
        problems.append(
            "よく使われるパスワード、または推測されやすい語を含むパスワードは使えません。"
        )
    return problems
