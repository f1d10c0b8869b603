"""The .xlsx workbook of one assessment: written, and read back with every check (no Flask).

Layout (README, "Excel"): a sheet 定性指標 with one row per item, a sheet 定量指標 with the
company's indicators and their actuals, and a sheet 会社情報・スコア with the profile and the
scores. Reading takes the app's own export or a workbook a person filled in with those columns.

Reading is done in two stages, and nothing is handed on unless both pass:
1. ``check_container``: the bytes, before openpyxl sees them. Size, zip central directory
   (entry count, declared uncompressed sizes, compression ratio), encryption (an encrypted
   .xlsx is an OLE compound file, not a zip), macros (vbaProject.bin, macro content types).
2. ``read_answers``: openpyxl (with defusedxml installed, it parses the XML through it) reads the
   sheets; every row is validated and every problem is collected, each naming sheet, row and
   column.

Text survives a round trip character for character: Excel's XML cannot hold a carriage return
(XML parsers turn CR LF into LF), so text is written with OOXML's own escape ``_x000D_`` (and a
literal ``_xHHHH_`` in a text is protected as ``_x005F_xHHHH_``, as Excel does), and read back
by undoing exactly that. Text cells are always stored as strings, never formulas, and those that
start like a formula carry the cell style's quotePrefix, so editing them in Excel keeps them text.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache

from flask_babel import gettext as _

from app.web.cell_safety import formula_like

SHEET_ITEMS = "定性指標"
SHEET_KPIS = "定量指標"
SHEET_PROFILE = "会社情報・スコア"

COL_NO = "定性指標No."
COL_CATEGORY = "大分類"
COL_SUBCATEGORY = "中分類"
COL_TITLE = "項目"
COL_QUESTION = "質問"
COL_CURRENT = "現在"
COL_TARGET = "目標（3年後）"
COL_EVIDENCE = "根拠・エビデンス"
COL_ACTION = "アクション"
ITEM_COLUMNS = (
    COL_NO,
    COL_CATEGORY,
    COL_SUBCATEGORY,
    COL_TITLE,
    COL_QUESTION,
    COL_CURRENT,
    COL_TARGET,
    COL_EVIDENCE,
    COL_ACTION,
)
REQUIRED_COLUMNS = (COL_NO, COL_CURRENT, COL_TARGET, COL_EVIDENCE, COL_ACTION)
# Other spellings a person may have typed, or IPA's own header texts as far as known (SECONDARY,
# see README): compared after NFKC, without spaces and without a trailing （任意）.
COLUMN_ALIASES = {
    COL_NO: ("定性指標no.", "定性指標no", "no.", "no"),
    COL_CURRENT: ("現在", "現在値", "現在(0-5)", "現在(0〜5)", "現在(0~5)"),
    COL_TARGET: ("目標(3年後)", "目標", "目標値", "目標(例えば3年後)"),
    COL_EVIDENCE: (
        "根拠・エビデンス",
        "エビデンス",
        "なぜその成熟度と判断したかの根拠,確認方法/エビデンス等",
    ),
    COL_ACTION: ("アクション", "アクション欄", "今後のアクション"),
}

KEY_CORPORATE_NUMBER = "法人番号"
KEY_FISCAL_YEAR = "年度"
KEY_INDEX_VERSION = "指標の版"

MIN_LEVEL, MAX_LEVEL = 0, 5
HEADER_SEARCH_ROWS = 10  # a hand-filled sheet may have a title above the header row

# Limits of an upload (README): the file, the zip's entries and what they inflate to.
MAX_FILE_BYTES = 1024 * 1024
MAX_ENTRIES = 200
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_RATIO = 200  # declared uncompressed / compressed size of one entry
MAX_ROWS = 500  # rows of the 定性指標 sheet that are read at all

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_CONTENT = b"macroEnabled"


# --- OOXML text escaping -----------------------------------------------------------------------

_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")


def to_cell_text(text: str) -> str:
    """Text as stored in a cell: CR and other control characters (not TAB, LF) as _xHHHH_, and
    an underscore that would start such an escape as _x005F_."""
    return _NEEDS_ESCAPE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def from_cell_text(text: str) -> str:
    """Undo OOXML escaping (also what Excel itself writes for a CR in a cell)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


# --- problems ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # the column's header text, or its letter

    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(_("シート「%(sheet)s」", sheet=self.sheet))
        if self.row:
            parts.append(_("%(row)s行目", row=self.row))
        if self.column:
            parts.append(_("列「%(column)s」", column=self.column))
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class WorkbookRejected(ValueError):
    """The workbook cannot be imported; ``problems`` says where and why (nothing was read into
    the database)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _reject(message: str, **where) -> WorkbookRejected:
    return WorkbookRejected([Problem(message, **where)])


# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    category: str
    subcategory: str
    title: str
    question: str
    current: int | None
    target: int | None
    evidence: str
    action: str


@dataclass(frozen=True)
class KpiRow:
    name: str
    definition: str
    unit: str
    value_type: str
    direction: str
    baseline_year: int
    baseline: object  # Decimal, or a scale label
    target_year: int
    target: object
    status: str
    actuals: dict[int, object]  # fiscal year -> Decimal or label


@dataclass(frozen=True)
class ExportData:
    profile: list[tuple[str, object]]  # (label, value) in order
    score_columns: tuple[str, ...]
    scores: list[tuple]  # rows under score_columns; empty when never submitted
    scores_note: str
    items: list[ItemRow]
    kpis: list[KpiRow]


# openpyxl is imported where a workbook is built or read, not with the app: it and Pillow are
# ~7 MB of every worker's memory, and few requests export or import (bench/README.md, third round).
@cache
def _styles():
    """(header font, header fill, wrapped cell alignment)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    return (
        Font(bold=True),
        PatternFill("solid", fgColor="DDEBF7"),
        Alignment(wrap_text=True, vertical="top"),
    )


def _put(ws, row: int, column: int, value) -> None:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = to_cell_text(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if formula_like(value):
            cell.quotePrefix = True
    elif isinstance(value, bool):
        cell.value = "はい" if value else "いいえ"
    else:
        cell.value = value


def _header(ws, row: int, names) -> None:
    font, fill, _wrap = _styles()
    for col, name in enumerate(names, 1):
        _put(ws, row, col, name)
        ws.cell(row=row, column=col).font = font
        ws.cell(row=row, column=col).fill = fill


def build_workbook(data: ExportData) -> bytes:
    from openpyxl import Workbook

    header_font, _fill, wrap = _styles()
    wb = Workbook()
    items = wb.active
    items.title = SHEET_ITEMS
    _header(items, 1, ITEM_COLUMNS)
    for r, row in enumerate(data.items, 2):
        values = (
            row.item_id,
            row.category,
            row.subcategory,
            row.title,
            row.question,
            row.current,
            row.target,
            row.evidence,
            row.action,
        )
        for c, value in enumerate(values, 1):
            _put(items, r, c, value)
            items.cell(row=r, column=c).alignment = wrap
    for letter, width in zip("ABCDEFGHI", (10, 22, 22, 28, 60, 8, 12, 50, 50), strict=True):
        items.column_dimensions[letter].width = width
    items.freeze_panes = "B2"

    kpis = wb.create_sheet(SHEET_KPIS)
    years = sorted({y for k in data.kpis for y in k.actuals})
    head = [
        "指標名",
        "定義",
        "単位",
        "値の種類",
        "向き",
        "基準年度",
        "基準値",
        "目標年度",
        "目標値",
        "状態",
        *(f"{y}年度実績" for y in years),
    ]
    _header(kpis, 1, head)
    for r, k in enumerate(data.kpis, 2):
        fixed = (
            k.name,
            k.definition,
            k.unit,
            k.value_type,
            k.direction,
            k.baseline_year,
            k.baseline,
            k.target_year,
            k.target,
            k.status,
        )
        for c, value in enumerate((*fixed, *(k.actuals.get(y) for y in years)), 1):
            _put(kpis, r, c, value)
    kpis.column_dimensions["A"].width = 28
    kpis.column_dimensions["B"].width = 50
    kpis.freeze_panes = "B2"

    profile = wb.create_sheet(SHEET_PROFILE)
    _header(profile, 1, ("項目", "内容"))
    r = 2
    for label, value in data.profile:
        _put(profile, r, 1, label)
        _put(profile, r, 2, value)
        r += 1
    r += 1
    _put(profile, r, 1, "スコア")
    profile.cell(row=r, column=1).font = header_font
    r += 1
    if data.scores:
        _header(profile, r, data.score_columns)
        for row in data.scores:
            r += 1
            for c, value in enumerate(row, 1):
                _put(profile, r, c, value)
    else:
        _put(profile, r, 1, data.scores_note)
    profile.column_dimensions["A"].width = 34
    profile.column_dimensions["B"].width = 40

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- reading: the container --------------------------------------------------------------------


def check_container(data: bytes, filename: str) -> None:
    """Refuse anything that is not a plain .xlsx of a sane size, before any XML is parsed."""
    name = (filename or "").lower()
    if not data:
        raise _reject(_("ファイルが空です。"))
    if len(data) > MAX_FILE_BYTES:
        raise _reject(
            _("ファイルが大きすぎます（%(size)sMBまで）。", size=MAX_FILE_BYTES // (1024 * 1024))
        )
    if name.endswith((".xlsm", ".xltm", ".xlam")):
        raise _reject(_("マクロ付きのブック（.xlsm）は読み込めません。.xlsx で保存してください。"))
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise _reject(
                _(
                    "パスワードで保護（暗号化）されたブックは読み込めません。"
                    "パスワードを解除して保存し直してください。"
                )
            )
        raise _reject(_("古い形式（.xls）のファイルは読み込めません。.xlsx で保存してください。"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _reject(_("Excelのブック（.xlsx）ではありません。")) from None
    if len(entries) > MAX_ENTRIES:
        raise _reject(_("ブックの構成要素が多すぎます。"))
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > MAX_RATIO * max(entry.compress_size, 1) and entry.file_size > 65536:
            raise _reject(_("圧縮率が異常に高い部分があるため、読み込みません（圧縮爆弾の疑い）。"))
        if entry.flag_bits & 0x1:
            raise _reject(_("暗号化されたファイルは読み込めません。"))
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _reject(
            _(
                "展開後のサイズが大きすぎます（%(size)sMBまで）。",
                size=MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
            )
        )
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _reject(_("Excelのブック（.xlsx）ではありません。"))
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _reject(
            _("マクロを含むブックは読み込めません。マクロなしの .xlsx で保存してください。")
        )
    if MACRO_CONTENT in archive.read("[Content_Types].xml"):
        raise _reject(
            _("マクロを含むブックは読み込めません。マクロなしの .xlsx で保存してください。")
        )


# --- reading: the sheets -----------------------------------------------------------------------


@dataclass
class ImportedWorkbook:
    """What a workbook says, validated: answers by item id, in the sheet's order."""

    answers: dict[str, dict] = field(default_factory=dict)
    fiscal_year: int | None = None
    index_version: str | None = None
    corporate_number: str | None = None
    rows: dict[str, int] = field(default_factory=dict)  # profile key -> its row, for errors


def _normal_header(value) -> str:
    text = unicodedata.normalize("NFKC", str(value)).lower()
    text = re.sub(r"\s+", "", text)
    return re.sub(r"\(任意\)$", "", text)


_ALIASES = {
    _normal_header(alias): canonical
    for canonical, aliases in COLUMN_ALIASES.items()
    for alias in (canonical, *aliases)
}


def _formula_problems(ws) -> list[Problem]:
    problems = []
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                problems.append(
                    Problem(
                        _("数式は読み込めません。値として貼り付けてください。"),
                        ws.title,
                        cell.row,
                        cell.column_letter,
                    )
                )
    return problems


def _merged_problems(ws) -> list[Problem]:
    from openpyxl.utils import get_column_letter

    return [
        Problem(
            _("結合されたセル（%(coord)s）があります。結合を解除してください。", coord=rng.coord),
            ws.title,
            rng.min_row,
            get_column_letter(rng.min_col),
        )
        for rng in ws.merged_cells.ranges
    ]


def _level(value, where: dict) -> tuple[int | None, Problem | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if text == "":
            return None, None
        if re.fullmatch(r"[0-9]+", text):
            value = int(text)
        else:
            return None, Problem(_("レベルは0〜5の整数で入力してください。"), **where)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None, Problem(_("レベルは0〜5の整数で入力してください。"), **where)
    if isinstance(value, float | Decimal) and value != int(value):
        return None, Problem(
            _("レベルは整数で入力してください（%(value)s）。", value=value), **where
        )
    level = int(value)
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        return None, Problem(
            _("レベルは0〜5の範囲で入力してください（%(level)s）。", level=level), **where
        )
    return level, None


def _text(value, max_length: int, where: dict) -> tuple[str, Problem | None]:
    if value is None:
        return "", None
    if isinstance(value, bool | datetime | date | time | float):
        return "", Problem(_("文字として入力してください。"), **where)
    if isinstance(value, int | Decimal):
        value = str(value)
    text = unicodedata.normalize("NFC", from_cell_text(value)).strip()
    if any(unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in text):
        return "", Problem(_("使用できない制御文字が含まれています。"), **where)
    if len(text) > max_length:
        return "", Problem(
            _(
                "%(max_length)s文字以内で入力してください（%(count)s文字）。",
                max_length=max_length,
                count=len(text),
            ),
            **where,
        )
    return text, None


def _item_no(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "?"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        return text or None
    return "?"


def _profile_values(ws) -> tuple[dict[str, object], list[Problem]]:
    values: dict[str, object] = {}
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60), max_col=2):
        key = row[0].value
        if isinstance(key, str) and key.strip() in (
            KEY_CORPORATE_NUMBER,
            KEY_FISCAL_YEAR,
            KEY_INDEX_VERSION,
        ):
            values[key.strip()] = (row[1].value, row[1].row)
    return values, []


def read_answers(
    data: bytes, filename: str, known_item_ids: tuple[str, ...], max_text: int
) -> ImportedWorkbook:
    """Every check of README's list; raises WorkbookRejected with all problems found."""
    check_container(data, filename)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=False, data_only=False, keep_vba=False)
    except Exception:  # openpyxl raises many kinds on a broken file; none may escape as a 500
        raise _reject(
            _("ブックを読み込めませんでした。壊れているか .xlsx ではありません。")
        ) from None
    if SHEET_ITEMS not in wb.sheetnames:
        raise _reject(
            _(
                "シート「%(sheet_items)s」がありません（あるシート: %(sheetnames)s）。",
                sheet_items=SHEET_ITEMS,
                sheetnames="、".join(wb.sheetnames),
            )
        )
    ws = wb[SHEET_ITEMS]
    result = ImportedWorkbook()
    problems: list[Problem] = []
    problems += _formula_problems(ws) + _merged_problems(ws)

    header_row, columns = None, {}
    for row in ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS):
        found = {}
        for cell in row:
            if isinstance(cell.value, str):
                canonical = _ALIASES.get(_normal_header(cell.value))
                if canonical and canonical not in found:
                    found[canonical] = cell.column
        if COL_NO in found:
            header_row, columns = row[0].row, found
            break
    if header_row is None:
        raise WorkbookRejected(
            [
                *problems,
                Problem(
                    _(
                        "見出しの行（「%(col_no)s」の列）が%(header_search_rows)s行目までに見つかりません。",
                        col_no=COL_NO,
                        header_search_rows=HEADER_SEARCH_ROWS,
                    ),
                    SHEET_ITEMS,
                ),
            ]
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise WorkbookRejected(
            [
                *problems,
                *(
                    Problem(_("この列が見出しの行にありません。"), SHEET_ITEMS, header_row, c)
                    for c in missing
                ),
            ]
        )
    if ws.max_row - header_row > MAX_ROWS:
        raise _reject(
            _("行が多すぎます（%(max_rows)s行まで）。", max_rows=MAX_ROWS), sheet=SHEET_ITEMS
        )

    known = set(known_item_ids)
    seen: dict[str, int] = {}
    for row in ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row):
        r = row[0].row
        cells = {name: ws.cell(row=r, column=col).value for name, col in columns.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        raw_no = cells[COL_NO]
        if isinstance(raw_no, datetime | date):
            problems.append(
                Problem(
                    _("日付として読み込まれています。セルの書式を文字列にして入力してください。"),
                    SHEET_ITEMS,
                    r,
                    COL_NO,
                )
            )
            continue
        item_id = _item_no(raw_no)
        if item_id is None:
            problems.append(Problem(_("定性指標No.がありません。"), SHEET_ITEMS, r, COL_NO))
            continue
        if item_id not in known:
            problems.append(
                Problem(
                    _("この指標の版にない番号です（%(item_id)s）。", item_id=item_id),
                    SHEET_ITEMS,
                    r,
                    COL_NO,
                )
            )
            continue
        if item_id in seen:
            problems.append(
                Problem(
                    _(
                        "番号 %(item_id)s が2回あります（%(first)s行目と%(second)s行目）。",
                        item_id=item_id,
                        first=seen[item_id],
                        second=r,
                    ),
                    SHEET_ITEMS,
                    r,
                    COL_NO,
                )
            )
            continue
        seen[item_id] = r
        answer = {}
        for part, col in (("current", COL_CURRENT), ("target", COL_TARGET)):
            where = {"sheet": SHEET_ITEMS, "row": r, "column": col}
            answer[part], problem = _level(cells[col], where)
            if problem:
                problems.append(problem)
        for part, col in (("evidence", COL_EVIDENCE), ("action", COL_ACTION)):
            answer[part], problem = _text(
                cells[col], max_text, {"sheet": SHEET_ITEMS, "row": r, "column": col}
            )
            if problem:
                problems.append(problem)
        result.answers[item_id] = answer

    if SHEET_PROFILE in wb.sheetnames:
        profile = wb[SHEET_PROFILE]
        problems += _formula_problems(profile)
        values, _rows = _profile_values(profile)
        result.rows = {key: row for key, (_value, row) in values.items()}
        if KEY_INDEX_VERSION in values:
            value, _row = values[KEY_INDEX_VERSION]
            result.index_version = None if value is None else str(value).strip() or None
        if KEY_FISCAL_YEAR in values:
            value, row = values[KEY_FISCAL_YEAR]
            year = _item_no(value)
            if year is not None:
                year = year.removesuffix("年度")
                if not re.fullmatch(r"[0-9]{4}", year):
                    problems.append(
                        Problem(_("年度は西暦4桁で入力してください。"), SHEET_PROFILE, row, "B")
                    )
                else:
                    result.fiscal_year = int(year)
        if KEY_CORPORATE_NUMBER in values:
            value, _row = values[KEY_CORPORATE_NUMBER]
            number = _item_no(value)
            result.corporate_number = number if number and number.isdigit() else None
    if not result.answers and not problems:
        problems.append(Problem(_("回答の行がありません。"), SHEET_ITEMS))
    if problems:
        raise WorkbookRejected(problems)
    return result
