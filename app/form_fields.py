"""Strict form fields shared by features.

Python's int() accepts non-ASCII digits (int("٣") == 3), so numbers are checked as text first.
Full-width digits and thousands separators, which Japanese users type every day, are
normalised with NFKC; any other script's digits are rejected.
"""

import re
import unicodedata

from wtforms import StringField
from wtforms.validators import ValidationError

_INT = re.compile(r"\A-?[0-9]+\Z")


def parse_int_text(raw: str | int | None) -> int | None:
    """None for an empty value; ValueError for anything but an ASCII integer after NFKC."""
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw  # a value loaded from the database, not typed
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
    if text == "":
        return None
    if not _INT.match(text):
        raise ValueError(raw)
    return int(text)


class StrictIntegerField(StringField):
    """An optional integer with bounds; '' means no value."""

    def __init__(self, label=None, validators=None, minimum=None, maximum=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.number: int | None = None

    def pre_validate(self, form):
        try:
            self.number = parse_int_text(self.data)
        except ValueError:
            self.number = None
            raise ValidationError("半角の整数で入力してください。") from None
        if self.number is None:
            return
        if len(str(abs(self.number))) > 15:
            raise ValidationError("値が大きすぎます。")
        if self.minimum is not None and self.number < self.minimum:
            raise ValidationError(f"{self.minimum:,}以上の値を入力してください。")
        if self.maximum is not None and self.number > self.maximum:
            raise ValidationError(f"{self.maximum:,}以下の値を入力してください。")
