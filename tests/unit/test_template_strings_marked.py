"""No Japanese text in a template outside `_()` / `{% trans %}`: a string that is not marked
cannot be translated, and the English page would show it in Japanese.

Comments are ignored. ALLOWED lists the few places where Japanese must stay, with the reason.
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# Kana, kanji, Japanese punctuation and full-width forms.
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
MARKED = [
    re.compile(r"\{#.*?#\}", re.S),  # comments
    re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.S),
    re.compile(r"""\b(?:_|gettext|ngettext|lazy_gettext)\(\s*('[^']*'|"[^"]*")""", re.S),
]
# template -> (the exact Japanese fragments allowed there, why they stay).
ALLOWED: dict[str, tuple[set[str], str]] = {}


def unmarked(text: str) -> list[str]:
    for pattern in MARKED:
        text = pattern.sub(" ", text)
    return [line.strip() for line in text.splitlines() if JAPANESE.search(line)]


def test_the_scan_sees_unmarked_japanese():
    assert unmarked("<p>{{ _('保存') }}</p>\n<p>保存</p>\n{# 保存 #}") == ["<p>保存</p>"]
    assert unmarked("{% trans n=1 %}{{ n }}件{% endtrans %}") == []


def test_every_japanese_template_string_is_marked_for_translation():
    found = []
    for path in sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]):
        name = path.relative_to(TEMPLATES).as_posix()
        allowed, _reason = ALLOWED.get(name, (set(), ""))
        for line in unmarked(path.read_text(encoding="utf-8")):
            if not any(fragment in line for fragment in allowed):
                found.append(f"{name}: {line[:120]}")
    assert found == [], "Japanese outside _() / trans:\n" + "\n".join(found)
