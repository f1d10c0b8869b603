"""Password hashing (argon2id) and the password policy (NIST SP 800-63B: length, no
composition rules, a check against common passwords), plus zxcvbn's strength estimate fed with
the user's own details (name, e-mail, company), so "yamadataro2025" is weak for Yamada Taro."""

import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline attacks"
ZXCVBN_MAX_INPUT = 72  # zxcvbn refuses longer input (its run time grows with length)

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


def user_inputs(*details: str | None) -> list[str]:
    """zxcvbn's user_inputs from names, addresses and company names.

    zxcvbn matches whole dictionary words, so "Yamada Taro" becomes "yamada", "taro",
    "yamadataro" and "taroyamada" (neighbouring words joined both ways), and an address gives
    its local part, its domain and their pieces. Kanji names are not romanised.
    """
    words: list[str] = []
    for detail in details:
        text = unicodedata.normalize("NFKC", detail or "").lower()
        for part in text.split("@"):
            tokens = [t for t in re.split(r"[\W_]+", part) if t]
            words += tokens + ["".join(tokens)]
            for first, second in zip(tokens, tokens[1:], strict=False):
                words += [first + second, second + first]
    return list(dict.fromkeys(w for w in words if len(w) >= 2))


def is_weak(password: str, details: tuple[str, ...] = ()) -> bool:
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:ZXCVBN_MAX_INPUT], user_inputs=user_inputs(*details))
    return result["score"] < MIN_SCORE


def password_problems(password: str, context_words: tuple[str, ...] = ()) -> list[str]:
    """Reasons (in Japanese, for the form) why a new password is not acceptable.

    ``context_words`` are the user's details: display name, e-mail, organisation, company names.
    """
    from app.auth.common_passwords import is_common

    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("パスワードは%(min)d文字以上にしてください。", min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("パスワードは%(max)d文字以内にしてください。", max=MAX_LENGTH))
    if is_common(password, tuple(user_inputs(*context_words))):
        problems.append(
            _("よく使われるパスワード、または推測されやすい語を含むパスワードは使えません。")
        )
    elif len(password) >= MIN_LENGTH and is_weak(password, context_words):
        problems.append(
            _(
                "推測されやすいパスワードです（連続した文字、繰り返し、キーボードの並び、"
                "お名前・メールアドレス・会社名などを含むもの）。"
                "関係のない単語をいくつか組み合わせるなど、推測されにくいものにしてください。"
            )
        )
    return problems
