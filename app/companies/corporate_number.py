"""法人番号 (corporate number): 13 digits whose first digit is a check digit.

Rule (国税庁「法人番号の指定」, check digit formula): with P_n the n-th digit of the 12-digit
base number counted from the right and Q_n = 1 for odd n, 2 for even n,
check digit = 9 - (sum(P_n * Q_n) mod 9).
"""

import re

_THIRTEEN_DIGITS = re.compile(r"\A[0-9]{13}\Z")


def check_digit(base12: str) -> int:
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - (total % 9)


def is_valid(number: str) -> bool:
    if not _THIRTEEN_DIGITS.match(number):
        return False
    return int(number[0]) == check_digit(number[1:])
