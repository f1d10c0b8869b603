"""Every string marked for translation has an English translation.

For each babel config the project has (babel-templates.cfg for templates/, babel-python.cfg for
app/), the strings are extracted with Babel's own extractor, exactly as `make
translations-extract` does, and each must have a non-empty, non-fuzzy entry in that
catalogue's English .po file. A string added to a template without `make translations-extract`
and a translation fails here, naming the string.
"""

import pathlib

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = pathlib.Path(__file__).resolve().parents[2]
CATALOGUES = {"templates": ROOT / "babel-templates.cfg", "python": ROOT / "babel-python.cfg"}
SKIPPED_DIRS = {"node_modules", "instance", "test-artifacts", "build", "__pycache__"}


def present_catalogues():
    return [name for name, cfg in CATALOGUES.items() if cfg.exists()]


def extracted_msgids(cfg: pathlib.Path) -> dict[tuple[str, str | None], str]:
    """(msgid, context) -> first file it appears in."""
    with cfg.open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(cfg))

    def keep_dir(path: str) -> bool:
        name = pathlib.Path(path).name
        return not name.startswith(".") and name not in SKIPPED_DIRS

    found = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, directory_filter=keep_dir
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), filename)
    return found


def english_catalogue(name: str):
    path = ROOT / "translations" / name / "en" / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run make translations-extract"
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale="en")


def test_the_template_catalogue_is_checked():
    assert "templates" in present_catalogues()


@pytest.mark.parametrize("name", present_catalogues())
def test_every_extracted_string_has_an_english_translation(name):
    found = extracted_msgids(CATALOGUES[name])
    assert found, f"nothing extracted with {CATALOGUES[name].name}"
    catalogue = english_catalogue(name)
    missing = []
    for (msgid, context), filename in sorted(found.items(), key=lambda kv: (kv[1], kv[0][0])):
        entry = catalogue.get(msgid, context=context)
        text = entry.string if entry is not None else None
        if isinstance(text, tuple | list):
            text = text[0]
        if entry is None or not text or not text.strip() or entry.fuzzy:
            missing.append(f"{filename}: {msgid!r}")
    assert missing == [], f"{len(missing)} strings without English translation:\n" + "\n".join(
        missing[:60]
    )


@pytest.mark.parametrize("name", present_catalogues())
def test_placeholders_survive_translation(name):
    """A translation that drops or renames %(name)s would raise or show a gap at runtime."""
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    wrong = [
        f"{message.id!r} -> {message.string!r}"
        for message in english_catalogue(name)
        if message.id
        and message.string
        and isinstance(message.id, str)
        and set(placeholder.findall(message.id)) != set(placeholder.findall(message.string))
    ]
    assert wrong == []


def test_catalogues_agree_where_they_share_a_message():
    """Flask-Babel merges the two catalogues and one silently wins for a msgid in both, so a
    page would show the other catalogue's English: shared msgids must translate alike (or take
    a context, as the audit-log labels do)."""
    templates, python = english_catalogue("templates"), english_catalogue("python")
    differ = [
        (m.id, m.string, other.string)
        for m in python
        if m.id and (other := templates.get(m.id, context=m.context)) and other.string != m.string
    ]
    assert differ == []
