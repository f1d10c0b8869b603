"""Message catalogues for tests: compile the committed .po files into the .mo files Flask-Babel
reads (so tests do not depend on `make`), and extract the Python strings as pybabel would."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
PYTHON_CATALOGUE = TRANSLATIONS / "python" / "en" / "LC_MESSAGES" / "messages.po"
# The same keywords as the extraction command in babel-python.cfg.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def compile_catalogues() -> list[Path]:
    """Write messages.mo next to every messages.po under translations/ (when older)."""
    written = []
    for po_path in sorted(TRANSLATIONS.glob("*/*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        written.append(mo_path)
    return written


def extract_python_messages() -> dict[str, list[str]]:
    """msgid -> places ("app/x.py:12"), extracted with babel-python.cfg's mapping."""
    with (ROOT / "babel-python.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, list[str]] = {}

    def only_app(dirpath: str) -> bool:  # not .venv or node_modules: the mapping is app/ only
        relative = Path(dirpath).relative_to(ROOT).parts
        return not relative or relative[0] == "app"

    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=only_app
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def read_python_catalogue():
    with PYTHON_CATALOGUE.open("rb") as po_file:
        return read_po(po_file)
