"""How client names sort. Without a stored reading (the company profile has no kana field, and
readings of kanji names are not guessed), names sort by code point after three normalisations
that need no reading: NFKC (full-width letters and digits, half-width katakana), katakana as
hiragana (サクラ next to さくら), and the legal form left out (株式会社さくら精機 next to さくら
精機株式会社, not among the 株 names). Names in kanji still sort by code point."""

import re
import unicodedata

# Legal forms written before or after the name (long forms before their abbreviations).
_LEGAL_FORMS = (
    "特定非営利活動法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "NPO法人",
    "(株)",
    "(有)",
    "(同)",
    "㈱",
    "㈲",
)
_LEGAL = re.compile("|".join(re.escape(f) for f in _LEGAL_FORMS))
_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}  # ァ..ヶ -> ぁ..ゖ


def name_sort_key(name: str) -> tuple[str, str]:
    normal = unicodedata.normalize("NFKC", name)
    bare = _LEGAL.sub("", normal).strip() or normal
    return bare.translate(_KATAKANA).casefold(), normal
