"""A 法人番号 typed with full-width digits, spaces or hyphens is normalised (NFKC) before its
check digit is verified (issue 11, smaller defects); what is not 13 digits is told so."""

import pytest

from app.companies.corporate_number import normalise
from app.models import Company

VALID = "7123456789012"
FORM = {
    "name": "全角番号株式会社",
    "prefecture_code": "13",
    "jsic_division": "E",
    "sme_sector": "manufacturing_and_other",
    "employees": "12",
    "capital_yen": "1000000",
    "fiscal_year_start_month": "4",
}
FIELD_ERROR = '.field:has(input[name="corporate_number"]) p.error'


@pytest.mark.parametrize(
    "typed",
    [
        "７１２３４５６７８９０１２",
        "7-1234-5678-9012",
        "７１２３ ４５６７－８９０１２",
        " 7123456789012 ",
    ],
)
def test_normalise(typed):
    assert normalise(typed) == VALID


@pytest.fixture()
def member(client_request):
    client_request.login_as("member")
    return client_request


def test_full_width_number_is_accepted_and_stored_as_ascii(member, db):
    member.post("companies.new", _data={**FORM, "corporate_number": "７１２３４５６７８９０１２"})
    assert db.session.scalar(db.select(Company.corporate_number)) == VALID


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "７１２３４５６７８９０１３",
            "法人番号が正しくありません（13桁の数字、チェックデジットを確認してください）。",
        ),
        ("７１２３４５６７８９０１", "法人番号は13桁の数字で入力してください。"),
        ("٧١٢٣٤٥٦٧٨٩٠١٢", "法人番号は13桁の数字で入力してください。"),  # Arabic-Indic digits
    ],
)
def test_wrong_numbers_get_the_right_message(member, db, typed, message):
    page = member.post(
        "companies.new", _data={**FORM, "corporate_number": typed}, _expected_status=200
    )
    assert page.texts(FIELD_ERROR) == [message]
    assert db.session.scalar(db.select(db.func.count(Company.id))) == 0
