"""Strict form fields and text filters shared by features.

Python's int() accepts non-ASCII digits (int("٣") == 3), so numbers are checked as text first.
Full-width digits and thousands separators, which Japanese users type every day, are mapped to
ASCII; anything else that NFKC would turn into a digit (①, ², 𝟓) and any other script's digits
are rejected.
"""

import re
import unicodedata
from decimal import Decimal

from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import ValidationError

_INT = re.compile(r"\A-?[0-9]+\Z")
_FULLWIDTH_ASCII = range(0xFF01, 0xFF5F)  # ！ to ～, the full-width forms of ASCII


def number_text(raw: str) -> str:
    """A typed number as ASCII: full-width ASCII (and the ideographic space) mapped, stripped.

    Raises ValueError for any other non-ASCII character, so that "①", "²", "𝟓" or "٤" are
    refused rather than read as digits (NFKC alone would turn the first three into 1, 2, 5).
    """
    out = []
    for c in raw:
        if c.isascii():
            out.append(c)
        elif ord(c) in _FULLWIDTH_ASCII:
            out.append(chr(ord(c) - 0xFEE0))
        elif c == "\u3000":
            out.append(" ")
        else:
            raise ValueError(raw)
    return "".join(out).strip()


def strip_text(value):
    """Filter: surrounding white space off (e-mail addresses and other one-line inputs)."""
    return value.strip() if isinstance(value, str) else value


def nfc_text(value):
    """Filter: NFC and surrounding white space off, so prose compares and stores one way."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


# Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F) but tab, line
# feed and carriage return; one regular expression, not a category look-up per character.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_chars(text: str | None) -> bool:
    """PostgreSQL text cannot hold NUL, and other control characters have no place in prose
    (tab and line breaks are fine)."""
    return bool(text) and _CONTROL_CHARS.search(text) is not None


def no_control_chars(_form, field):
    """Validator: see has_control_chars."""
    if has_control_chars(field.data):
        raise ValidationError(_("使用できない制御文字が含まれています。"))


def ascii_int(value) -> int:
    """SelectField coerce: int() would read "𝟓" or "٤" as a choice; only ASCII digits do."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT.match(value) and len(value) <= 9:
        return int(value)
    raise ValueError(value)


def checkbox_value(_form, field):
    """Validator for a BooleanField: a checked box posts its value ("y"); WTForms would read
    any other text, "①" or "false " included, as checked."""
    if field.raw_data and field.raw_data[0] not in ("y", ""):
        raise ValidationError(_("チェックボックスの値が正しくありません。"))


def single_line(_form, field):
    """Validator for names: no control characters at all, line breaks and tabs included
    (categories Cc, Zl, Zp: NUL, ESC, DEL, U+0085, U+2028...)."""
    if field.data and any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in field.data):
        raise ValidationError(_("改行や制御文字は使用できません。"))


def parse_int_text(raw: str | int | None) -> int | None:
    """None for an empty value; ValueError for anything but an integer (see number_text)."""
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw  # a value loaded from the database, not typed
    text = number_text(raw).replace(",", "")
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
            raise ValidationError(_("半角の整数で入力してください。")) from None
        if self.number is None:
            return
        if len(str(abs(self.number))) > 15:
            raise ValidationError(_("値が大きすぎます。"))
        if self.minimum is not None and self.number < self.minimum:
            raise ValidationError(
                _("%(minimum)s以上の値を入力してください。", minimum=f"{self.minimum:,}")
            )
        if self.maximum is not None and self.number > self.maximum:
            raise ValidationError(
                _("%(maximum)s以下の値を入力してください。", maximum=f"{self.maximum:,}")
            )


_DECIMAL = re.compile(r"\A(?P<sign>-?)(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?\Z")
MAX_SIGNIFICANT_DIGITS = 15  # a double keeps 15 digits, so SQLite's REAL storage stays exact


def parse_decimal_text(raw: str | Decimal | int | None, places: int = 6) -> Decimal | None:
    """None for an empty value; ValueError for anything but a plain decimal (see number_text).

    "１２３" and "1,234.5" are accepted; "٣", "1e3", "NaN", "Infinity", more than 15 digits
    or more than ``places`` decimal places are not.
    """
    if raw is None:
        return None
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        return Decimal(raw)  # a value loaded from the database, not typed
    text = number_text(raw).replace(",", "")
    if text == "":
        return None
    match = _DECIMAL.match(text)
    if not match:
        raise ValueError(raw)
    digits = match["int"].lstrip("0") + (match["frac"] or "").rstrip("0")
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(raw)
    if match["frac"] and len(match["frac"].rstrip("0")) > places:
        raise ValueError(raw)
    return Decimal(text)


class StrictDecimalField(StringField):
    """An optional decimal with bounds; '' means no value. ``integer`` refuses fractions."""

    def __init__(
        self,
        label=None,
        validators=None,
        minimum=None,
        maximum=None,
        integer=False,
        places=6,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.integer, self.places = integer, places
        self.number: Decimal | None = None

    def pre_validate(self, form):
        self.number = None
        try:
            number = parse_decimal_text(self.data, self.places)
        except ValueError:
            raise ValidationError(
                _(
                    "半角の数値で入力してください（15桁以内、小数点以下%(places)d桁まで）。",
                    places=self.places,
                )
            ) from None
        if number is None:
            return
        if self.integer and number != number.to_integral_value():
            raise ValidationError(_("整数で入力してください。"))
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(
                _("%(minimum)s以上の値を入力してください。", minimum=f"{self.minimum:,}")
            )
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(
                _("%(maximum)s以下の値を入力してください。", maximum=f"{self.maximum:,}")
            )
        self.number = number
