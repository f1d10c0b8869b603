"""Offline check against common passwords and context words.

The common-password list is the 'passwords' frequency list shipped with the zxcvbn package
(derived from leaked-password corpora), so no network access is needed at run time.
"""

import re
from functools import lru_cache

# Words specific to this service that attackers would try first (ASVS 6.2.11).
CONTEXT_WORDS = ("dx", "dxsuishin", "suishin", "shihyo", "meti", "ipa", "keisansho", "password")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _core(password: str) -> str:
    # "Password2025!" and "password" are the same guess: strip digits and symbols at the ends.
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def is_common(password: str, context_words: tuple[str, ...] = ()) -> bool:
    lowered = password.lower()
    if lowered in _common() or _core(password) in _common():
        return True
    core = _core(password)
    words = tuple(w.lower() for w in CONTEXT_WORDS + tuple(context_words) if w)
    # Reject a password that is only a context word plus digits/symbols, e.g. "dxsuishin2025!".
    return any(core == w or core.replace(" ", "") == w for w in words)
