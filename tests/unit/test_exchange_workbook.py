"""The workbook module alone (no app): layout written, every refusal of a bad workbook naming
sheet, row and column, and text surviving a write/read character for character."""

import io
import os
import unicodedata
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from app.exchange import workbook as wbk
from questionnaires import load_index

INDEX = load_index("2019-07")
IDS = INDEX.item_ids
MAX_TEXT = 2000


def export(answers: dict | None = None, profile=None) -> bytes:
    answers = answers or {}
    rows = []
    for item in INDEX.items:
        a = answers.get(item.id, {})
        rows.append(
            wbk.ItemRow(
                item.id,
                item.category,
                item.subcategory or "",
                item.title,
                item.question or "",
                a.get("current"),
                a.get("target"),
                a.get("evidence", ""),
                a.get("action", ""),
            )
        )
    data = wbk.ExportData(
        profile=profile
        or [
            (wbk.KEY_CORPORATE_NUMBER, "7010001008844"),
            (wbk.KEY_FISCAL_YEAR, 2025),
            (wbk.KEY_INDEX_VERSION, "2019-07"),
        ],
        score_columns=("区分", "平均"),
        scores=[],
        scores_note="未提出",
        items=rows,
        kpis=[],
    )
    return wbk.build_workbook(data)


def read(data: bytes, filename: str = "book.xlsx") -> wbk.ImportedWorkbook:
    return wbk.read_answers(data, filename, IDS, MAX_TEXT)


def rejected(data: bytes, filename: str = "book.xlsx") -> list[wbk.Problem]:
    with pytest.raises(wbk.WorkbookRejected) as info:
        read(data, filename)
    return info.value.problems


def edited(data: bytes, edit) -> bytes:
    """The workbook after a person's edit in a spreadsheet program (openpyxl here)."""
    wb = load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(item_id: str) -> int:
    return 2 + IDS.index(item_id)


# -- layout -------------------------------------------------------------------------------------


def test_the_export_has_one_row_per_item_with_the_named_columns():
    wb = load_workbook(io.BytesIO(export({"1": {"current": 2, "target": 4}})))
    assert wb.sheetnames == [wbk.SHEET_ITEMS, wbk.SHEET_KPIS, wbk.SHEET_PROFILE]
    ws = wb[wbk.SHEET_ITEMS]
    assert [c.value for c in ws[1]] == list(wbk.ITEM_COLUMNS)
    assert [ws.cell(row=r, column=1).value for r in range(2, 2 + len(IDS))] == list(IDS)
    assert ws.max_row == 1 + len(IDS)
    assert (ws.cell(row=2, column=6).value, ws.cell(row=2, column=7).value) == (2, 4)


def test_text_that_starts_like_a_formula_is_stored_as_text_not_as_a_formula():
    data = export({"1": {"evidence": '=HYPERLINK("http://x")', "action": "+1"}})
    ws = load_workbook(io.BytesIO(data))[wbk.SHEET_ITEMS]
    for column in (8, 9):
        cell = ws.cell(row=2, column=column)
        assert cell.data_type == "s"
        assert cell.quotePrefix
    raw = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in raw
    assert read(data).answers["1"]["evidence"] == '=HYPERLINK("http://x")'


# -- round trip ---------------------------------------------------------------------------------

# Text as the app stores it: NFC, no surrounding white space, no control characters except
# TAB, CR and LF (app/assessments/forms.py), with emoji, line breaks and escape look-alikes.
PIECES = ["\n", "\r\n", "\r", "\t", "😀", "👨‍👩‍👧", "🇯🇵", "_x000D_", "_x005F_", "=", "'", " "]
storable = (
    st.lists(
        st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(PIECES)),
        max_size=40,
    )
    .map(lambda parts: unicodedata.normalize("NFC", "".join(parts)).strip())
    .filter(lambda s: len(s) <= MAX_TEXT)
)
level = st.one_of(st.none(), st.integers(0, 5))


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(IDS),
        st.fixed_dictionaries(
            {"current": level, "target": level, "evidence": storable, "action": storable}
        ),
        max_size=6,
    )
)
def test_write_then_read_gives_the_same_answers_character_for_character(answers):
    got = read(export(answers)).answers
    for item_id in IDS:
        expected = answers.get(
            item_id, {"current": None, "target": None, "evidence": "", "action": ""}
        )
        assert got[item_id] == expected


@given(st.text(max_size=40))
def test_ooxml_escaping_is_undone_exactly(text):
    assert wbk.from_cell_text(wbk.to_cell_text(text)) == text


# -- refusals -----------------------------------------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused():
    problems = rejected(b"name,level\n1,3\n", "book.csv")
    assert "ブック（.xlsx）ではありません" in problems[0].message


def test_an_encrypted_workbook_is_refused_as_password_protected():
    fake = wbk.OLE_MAGIC + b"\0" * 64 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64
    assert "パスワード" in rejected(fake)[0].message


def test_an_old_xls_file_is_refused():
    assert ".xls" in rejected(wbk.OLE_MAGIC + b"\0" * 512)[0].message


def test_a_macro_workbook_is_refused_by_name_and_by_content():
    assert "マクロ" in rejected(export(), "book.xlsm")[0].message
    buffer = io.BytesIO(export())
    with zipfile.ZipFile(buffer, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\0" * 100)
    assert "マクロ" in rejected(buffer.getvalue())[0].message


def test_a_zip_bomb_is_refused_from_the_central_directory_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (wbk.MAX_UNCOMPRESSED_BYTES + 1))
    data = buffer.getvalue()
    assert len(data) < wbk.MAX_FILE_BYTES  # small on the wire
    assert "圧縮" in rejected(data)[0].message


def test_entries_past_the_total_uncompressed_limit_are_refused(monkeypatch):
    """Each entry plausible (incompressible, ratio 1), their declared total too large."""
    monkeypatch.setattr(wbk, "MAX_UNCOMPRESSED_BYTES", 100 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        for n in range(5):
            z.writestr(f"xl/media/{n}.bin", os.urandom(30 * 1024))
    assert "展開後のサイズ" in rejected(buffer.getvalue())[0].message


def test_a_huge_file_is_refused():
    assert "大きすぎます" in rejected(b"PK" + b"\0" * wbk.MAX_FILE_BYTES)[0].message


def test_a_workbook_without_the_items_sheet_names_the_sheet():
    wb = Workbook()
    wb.active.title = "Sheet1"
    out = io.BytesIO()
    wb.save(out)
    problem = rejected(out.getvalue())[0]
    assert wbk.SHEET_ITEMS in problem.message and "Sheet1" in problem.message


def test_a_missing_column_is_named_with_sheet_and_row():
    def drop_action(wb):
        wb[wbk.SHEET_ITEMS].cell(row=1, column=9).value = "備考"

    problem = rejected(edited(export(), drop_action))[0]
    assert (problem.sheet, problem.row, problem.column) == (wbk.SHEET_ITEMS, 1, wbk.COL_ACTION)


@pytest.mark.parametrize(
    ("value", "words"),
    [(6, "0〜5"), (-1, "0〜5"), (2.5, "整数"), ("三", "整数"), ("2a", "整数"), (True, "整数")],
)
def test_a_bad_level_is_refused_naming_sheet_row_and_column(value, words):
    def put(wb):
        wb[wbk.SHEET_ITEMS].cell(row=row_of("4-2"), column=7).value = value

    problems = rejected(edited(export(), put))
    assert [(p.sheet, p.row, p.column) for p in problems] == [
        (wbk.SHEET_ITEMS, row_of("4-2"), wbk.COL_TARGET)
    ]
    assert words in problems[0].message


def test_every_bad_row_is_reported_not_only_the_first():
    def put(wb):
        ws = wb[wbk.SHEET_ITEMS]
        ws.cell(row=row_of("1"), column=6).value = 9
        ws.cell(row=row_of("9"), column=7).value = 1.5

    problems = rejected(edited(export(), put))
    assert {(p.row, p.column) for p in problems} == {
        (row_of("1"), wbk.COL_CURRENT),
        (row_of("9"), wbk.COL_TARGET),
    }


def test_whole_numbers_typed_as_text_or_stored_as_floats_are_levels():
    def put(wb):
        ws = wb[wbk.SHEET_ITEMS]
        ws.cell(row=row_of("1"), column=6).value = "３"
        ws.cell(row=row_of("1"), column=7).value = 4.0

    answers = read(edited(export(), put)).answers
    assert (answers["1"]["current"], answers["1"]["target"]) == (3, 4)


def test_a_formula_is_refused_naming_its_cell():
    def put(wb):
        wb[wbk.SHEET_ITEMS].cell(row=row_of("2"), column=6).value = "=1+2"

    problem = rejected(edited(export(), put))[0]
    assert (problem.sheet, problem.row, problem.column) == (wbk.SHEET_ITEMS, row_of("2"), "F")
    assert "数式" in problem.message


def test_merged_cells_are_refused():
    def merge(wb):
        wb[wbk.SHEET_ITEMS].merge_cells("H3:I3")

    problem = rejected(edited(export(), merge))[0]
    assert (problem.row, problem.column) == (3, "H")
    assert "H3:I3" in problem.message


def test_unknown_and_repeated_item_numbers_are_refused():
    def put(wb):
        ws = wb[wbk.SHEET_ITEMS]
        ws.cell(row=row_of("2"), column=1).value = "99"
        ws.cell(row=row_of("4"), column=1).value = "3"

    problems = rejected(edited(export(), put))
    assert {(p.row, p.column) for p in problems} == {
        (row_of("2"), wbk.COL_NO),
        (row_of("4"), wbk.COL_NO),
    }


def test_a_text_longer_than_the_limit_is_refused():
    def put(wb):
        wb[wbk.SHEET_ITEMS].cell(row=row_of("5"), column=8).value = "あ" * (MAX_TEXT + 1)

    problem = rejected(edited(export(), put))[0]
    assert (problem.row, problem.column) == (row_of("5"), wbk.COL_EVIDENCE)


def test_a_hand_filled_sheet_with_a_title_row_and_ipa_header_texts_is_read():
    wb = Workbook()
    ws = wb.active
    ws.title = wbk.SHEET_ITEMS
    ws.append(["DX推進指標 自己診断フォーマット"])
    ws.append(
        [
            "定性指標No.",
            "現在",
            "目標(例えば3年後)",
            "なぜその成熟度と判断したかの根拠,確認方法／エビデンス等(任意)",
            "アクション欄(任意)",
        ]
    )
    ws.append([1, 2, 3, "経営会議の議事録", "全社説明会"])
    ws.append(["4-1", None, None, None, None])
    out = io.BytesIO()
    wb.save(out)
    got = read(out.getvalue())
    assert got.answers == {
        "1": {"current": 2, "target": 3, "evidence": "経営会議の議事録", "action": "全社説明会"},
        "4-1": {"current": None, "target": None, "evidence": "", "action": ""},
    }
    assert got.index_version is None and got.corporate_number is None


def test_the_profile_sheet_gives_year_version_and_corporate_number():
    got = read(export())
    assert (got.fiscal_year, got.index_version, got.corporate_number) == (
        2025,
        "2019-07",
        "7010001008844",
    )


def test_xml_entity_expansion_is_refused_by_defusedxml_not_expanded():
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8)
    )
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE w [{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    source = zipfile.ZipFile(io.BytesIO(export()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            name = info.filename
            z.writestr(info, sheet if name == "xl/worksheets/sheet1.xml" else source.read(info))
    assert "読み込めませんでした" in rejected(out.getvalue())[0].message
