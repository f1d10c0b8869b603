"""Application code knows no index version's structure: the items, frameworks and their count
come from the loaded index (questionnaires/), so a revised version is data, not code.

Fails when Python code under app/ (app/demo.py, the demo data, aside) or a template names an
item id or a framework id of the 2019 index, or assumes its 35 items."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from questionnaires import load_index

ROOT = Path(__file__).resolve().parents[2]
EXEMPT = {ROOT / "app" / "demo.py"}
INDEX = load_index("2019-07")
FRAMEWORK_IDS = {f.id for f in INDEX.frameworks}
# Ids with a dash ("4-1") are unmistakable anywhere; bare numbers ("3") only where the code
# looks an item up (index.item("3"), answers["3"], ...).
DASHED_ITEM_IDS = {i.id for i in INDEX.items if "-" in i.id}
ITEM_IDS = {i.id for i in INDEX.items}
ITEM_COUNT = len(INDEX.items)
COUNT_TEXT = re.compile(rf"(?<![0-9.]){ITEM_COUNT}\s*(項目|items?\b)")
LOOKUPS = {"item", "has_item", "group", "framework", "items_in_framework", "predecessor"}


def _python_files():
    return [p for p in sorted((ROOT / "app").rglob("*.py")) if p not in EXEMPT]


def _template_files():
    return sorted((ROOT / "templates").rglob("*.html"))


def offences_in_python(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, int) and not isinstance(value, bool) and value == ITEM_COUNT:
                found.append(f"line {node.lineno}: the literal {ITEM_COUNT} (the 2019 item count)")
            elif isinstance(value, str):
                if value in FRAMEWORK_IDS:
                    found.append(f"line {node.lineno}: framework id {value!r}")
                elif value in DASHED_ITEM_IDS:
                    found.append(f"line {node.lineno}: item id {value!r}")
                elif COUNT_TEXT.search(value):
                    found.append(f"line {node.lineno}: {ITEM_COUNT} items assumed in {value!r}")
        elif isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Constant) and key.value in ITEM_IDS:
                found.append(f"line {node.lineno}: item id {key.value!r} used as a key")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in LOOKUPS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and arg.value in ITEM_IDS | FRAMEWORK_IDS:
                        found.append(f"line {node.lineno}: {name}({arg.value!r})")
    return found


def offences_in_template(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if COUNT_TEXT.search(line):
            found.append(f"line {number}: {ITEM_COUNT} items assumed")
        for quoted in re.findall(r"""['"]([A-Za-z0-9-]+)['"]""", line):
            if quoted in FRAMEWORK_IDS or quoted in DASHED_ITEM_IDS:
                found.append(f"line {number}: index id {quoted!r}")
        if re.search(r"""\.item\(\s*['"][0-9]""", line):
            found.append(f"line {number}: an item looked up by a literal id")
    return found


def test_python_code_names_no_index_structure():
    problems = {
        str(path.relative_to(ROOT)): offences
        for path in _python_files()
        if (offences := offences_in_python(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_templates_name_no_index_structure():
    problems = {
        str(path.relative_to(ROOT)): offences
        for path in _template_files()
        if (offences := offences_in_template(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_the_scan_catches_each_kind_of_assumption():
    """The scanners are not vacuous: each forbidden pattern is reported."""
    assert offences_in_python('x = answers["3"]')
    assert offences_in_python('index.item("9")')
    assert offences_in_python('ids = ["4-1", "x"]')
    assert offences_in_python('if fw.id == "mgmt": pass')
    assert offences_in_python("n = 35")
    assert offences_in_python('label = "全35項目"')
    assert offences_in_template("<p>35項目すべて</p>")
    assert offences_in_template("{% if f.id == 'it' %}")
    assert offences_in_template("{{ index.item('3').title }}")
    assert not offences_in_python('label = f"全{len(index.items)}項目"; x = {"a": 1}[k]')
    assert not offences_in_template("<p>{{ index.item_count }}項目すべて</p>")
