"""法人番号 (corporate number): 13 digits whose first digit is a check digit.

Rule (国税庁「法人番号の指定」, check digit formula): with P_n the n-th digit of the 12-digit
base number counted from the right and Q_n = 1 for odd n, 2 for even n,
check digit = 9 - (sum(P_n * Q_n) mod 9).
"""

import re
import unicodedata

_THIRTEEN_DIGITS = re.compile(r"\A[0-9]{13}\Z")
# Separators people type between digit groups: spaces and hyphen-like marks (after NFKC, the
# full-width ones are ASCII already; the rest have no compatibility mapping).
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70]")


def normalise(text: str) -> str:
    """The number as typed (full-width digits １２３, spaces, hyphens) as plain ASCII digits.
    NFKC maps only compatibility forms, so digits of other scripts stay and are refused."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def is_thirteen_digits(number: str) -> bool:
    return bool(_THIRTEEN_DIGITS.match(number))


def check_digit(base12: str) -> int:
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - (total % 9)


def is_valid(number: str) -> bool:
    if not _THIRTEEN_DIGITS.match(number):
        return False
    return int(number[0]) == check_digit(number[1:])
