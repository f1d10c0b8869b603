"""The English catalogue of the Python strings (translations/python) is complete, and no
Japanese text in app/ reaches a user without going through gettext.

(a) every msgid pybabel extracts from app/ with babel-python.cfg has a non-empty English
    translation whose placeholders match, and the catalogue holds no stale entries;
(b) a Japanese string literal in app/ is the argument of _ / gettext / lazy_gettext, unless it
    is in a place listed below with the reason it stays Japanese.
"""

import ast
import re
from pathlib import Path

from babel.messages.checkers import python_format

from tests.catalogues import ROOT, extract_python_messages, read_python_catalogue

APP = ROOT / "app"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
GETTEXT_CALLS = {"_", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}
PGETTEXT_CALLS = {"pgettext", "lazy_pgettext"}

# Whole files (or folders) whose Japanese literals are not UI text.
EXEMPT_PATHS = {
    "app/api/": "problem+json texts of the API stay as they are (API clients key on them)",
    "app/demo.py": "demo data: company names, evidence texts written by a fictional company",
    "app/exchange/workbook.py": (
        "sheet names, column headings and cell values of the IPA-compatible workbook (a file "
        "format read back on import); its refusal messages are wrapped"
    ),
    "app/exchange/history.py": "rows and headings of the history export file (file content)",
}
# Single literals, by file, that stay Japanese.
EXEMPT_LITERALS = {
    "app/advisors/naming.py": {
        # Legal forms matched in company names to sort them (data, not labels).
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
    },
    "app/web/locale.py": {
        # The language switch names each language in itself, so a reader who cannot read the
        # current page still finds theirs.
        "日本語",
    },
    "app/kpis/value_types.py": {
        # Units stored with each indicator (data, compared and exported), not labels.
        "円",
        "人",
        "件",
        "日",
        "回",
    },
    "app/web/line_charts.py": {
        # Japanese number-size suffixes on chart ticks (万, 億, 兆); an English tick notation
        # is a separate change.
        "兆",
        "億",
        "万",
    },
    "app/web/cell_safety.py": {"はい", "いいえ"},  # boolean cells of the CSV/xlsx exports
    # The Flask-free number helper's default for an impossible comparison (shared with the
    # exports); its callers on pages would have to pass a translated text instead.
    "app/web/numbers.py": {"比較不可"},
    # Issuer shown in authenticator apps; it must not change with the language of the page.
    "app/auth/totp.py": {"DX推進指標 自己診断"},
    "app/indexes/cli.py": {"Index versions (DX推進指標の版) as data files."},  # CLI help
    # Contents of the exported workbook (same file format as app/exchange/workbook.py).
    "app/exchange/services.py": {
        "現在",
        "目標",
        "根拠・エビデンス",
        "アクション",
        "回答中",
        "提出済み",
        "大きいほど良い",
        "小さいほど良い",
        "区分",
        "回答数（現在）",
        "現在値の平均",
        "目標値の平均",
        "現在値の中央値",
        "目標値の中央値",
        "ギャップ（目標−現在）",
        "全体",
        "会社名",
        "（個人事業主）",
        "本社所在地",
        "業種",
        "企業規模",
        "事業年度の開始月",
        "月",
        "状態",
        "スコアの版",
        "第",
        "版（再編集前に提出された内容）",
        "提出された内容",
        "出力日時",
        "未提出のため、スコアはありません。",
        "DX推進指標_自己診断_",
        "年度.xlsx",
        "過去のサイクル",
        "有効",
    },
}


def _call_name(node) -> str | None:
    return getattr(node.func, "id", None) or getattr(node.func, "attr", None)


def untranslated_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each Japanese literal in `path` that reaches no gettext call: plain
    strings and the literal parts of f-strings; docstrings are not UI."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if not JAPANESE.search(node.value):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Expr):  # a docstring
            continue
        is_call = isinstance(parent, ast.Call) and _call_name(parent) in GETTEXT_CALLS
        if is_call and parent.args and parent.args[0] is node:
            continue
        # pgettext(context, message): the message is the second argument.
        is_pcall = isinstance(parent, ast.Call) and _call_name(parent) in PGETTEXT_CALLS
        if is_pcall and len(parent.args) > 1 and parent.args[1] is node:
            continue
        found.append((node.lineno, node.value))
    return found


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_japanese_literals_in_app_go_through_gettext():
    problems = []
    for path in sorted(APP.rglob("*.py")):
        name = _relative(path)
        if any(name == p or (p.endswith("/") and name.startswith(p)) for p in EXEMPT_PATHS):
            continue
        allowed = EXEMPT_LITERALS.get(name, set())
        problems += [
            f"{name}:{line}: {text[:60]!r}"
            for line, text in untranslated_literals(path)
            if text not in allowed
        ]
    assert problems == [], "wrap these in _() / lazy_gettext() (or list them here with why)"


def test_allowlist_has_no_stale_entries():
    """An exemption for a literal that is gone (or now wrapped) is removed, so the list stays
    a true account of what is left in Japanese."""
    stale = []
    for name, literals in EXEMPT_LITERALS.items():
        present = {text for _line, text in untranslated_literals(ROOT / name)}
        stale += [f"{name}: {text!r}" for text in sorted(literals - present)]
    for name in EXEMPT_PATHS:
        assert (ROOT / name).exists(), name
    assert stale == []


def test_the_scan_sees_what_it_must_refuse(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""文書化の文字列。"""\n'
        "from flask_babel import gettext as _\n"
        'A = _("翻訳される")\n'
        'B = "翻訳されない"\n'
        'C = f"{A}件"\n'
        'D = _("%(n)s件", n=1)\n'
        'E = print("表示")\n'
        'F = pgettext("ctx", "文脈つき")\n'
        'G = pgettext("文脈", "x")\n',
        encoding="utf-8",
    )
    assert [text for _line, text in untranslated_literals(sample)] == [
        "翻訳されない",
        "件",
        "表示",
        "文脈",
    ]


def test_every_extracted_message_has_an_english_translation():
    extracted = extract_python_messages()
    assert len(extracted) > 400  # the extraction really ran over app/
    catalogue = read_python_catalogue()
    translated = {m.id: m.string for m in catalogue if m.id}
    missing = sorted(msgid for msgid in extracted if not translated.get(msgid))
    assert missing == [], "add these to translations/python/en/LC_MESSAGES/messages.po"
    stale = sorted(set(translated) - set(extracted))
    assert stale == [], "no longer in app/: remove from the catalogue (pybabel update)"


def test_translations_keep_the_placeholders():
    catalogue = read_python_catalogue()
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if "%(" in message.id:
            try:
                python_format(catalogue, message)
            except Exception as exc:  # TranslationError: names differ
                problems.append(f"{message.id!r}: {exc}")
        for name in re.findall(r"\{(\w+)\}", message.id):
            if "{" + name + "}" not in message.string:
                problems.append(f"{message.id!r}: lost {{{name}}}")
    assert problems == []


def test_english_texts_are_english():
    catalogue = read_python_catalogue()
    japanese = [m.id for m in catalogue if m.id and JAPANESE.search(m.string)]
    assert japanese == []
