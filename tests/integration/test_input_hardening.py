"""Issue 9, findings 3 and 10: bad input gets a 4xx with a clear message and nothing stored,
instead of a server error or a silently altered value."""

import io

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from app.assessments import services
from app.companies.fiscal import FIRST_FISCAL_YEAR
from app.models import Assessment, Company, User
from tests.conftest import csrf_from
from tests.integration.kpi_helpers import this_fiscal_year


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _heading(response) -> str:
    return _page(response).h1.get_text(strip=True)


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


COMPANY = {
    "name": "株式会社テスト",
    "is_sole_proprietor": "y",
    "corporate_number": "",
    "prefecture_code": "13",
    "jsic_division": "E",
    "sme_sector": "manufacturing_and_other",
    "employees": "12",
    "capital_yen": "1000000",
    "fiscal_year_start_month": "4",
}


@pytest.fixture()
def member(client, make_user, login):
    user = make_user(email="member@example.jp")
    login(user.email)
    return user


def _new_company(client, **changes):
    token = csrf_from(client.get("/companies/new"))
    return client.post("/companies/new", data={**COMPANY, **changes, "csrf_token": token})


# --- finding 3: no server errors ----------------------------------------------------------------


def test_a_json_body_with_non_string_values_is_refused(client, db, make_user):
    make_user(email="json@example.jp")
    token = csrf_from(client.get("/login"))
    response = client.post(
        "/login", json={"email": 5, "password": [1]}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 415
    assert "形式" in _heading(response)


def test_a_text_field_sent_as_a_file_part_is_refused(client, db, member):
    token = csrf_from(client.get("/companies/new"))
    data = {**COMPANY, "csrf_token": token, "name": (io.BytesIO(b"x"), "name.txt")}
    response = client.post("/companies/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 415
    assert _count(db, Company) == 0


def test_a_nul_character_in_any_field_is_refused(client, db, make_user):
    token = csrf_from(client.get("/login"))
    data = {"email": "a\x00b@example.jp", "password": "x", "csrf_token": token}
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert "制御文字" in _heading(response)


@pytest.mark.parametrize("bad", ["a%00b", "a%1Bb", "a%7Fb", "a%C2%85b"])
def test_control_characters_in_a_url_are_refused(client, bad):
    response = client.get(f"/login?next={bad}")
    assert response.status_code == 400
    assert "制御文字" in _heading(response)


@pytest.mark.parametrize(
    "path", ["/companies/2147483648", "/companies/" + "9" * 20, "/companies/٤"]
)
def test_ids_beyond_the_integer_column_are_not_found(client, member, path):
    assert client.get(path).status_code == 404


# --- finding 10: refused, not silently altered ----------------------------------------------


def test_a_repeated_field_is_refused(client, db, member):
    token = csrf_from(client.get("/companies/new"))
    data = MultiDict([*COMPANY.items(), ("name", "別の会社"), ("csrf_token", token)])
    response = client.post("/companies/new", data=data)
    assert response.status_code == 400
    assert "複数の値" in _heading(response) and "name" in _heading(response)
    assert _count(db, Company) == 0


def test_percent_encoded_invalid_utf8_is_refused(client, db, member):
    token = csrf_from(client.get("/companies/new"))
    body = "&".join(f"{k}={v}" for k, v in {**COMPANY, "csrf_token": token}.items() if k != "name")
    response = client.post(
        "/companies/new",
        data=(body + "&name=%FF%FE").encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "UTF-8" in _heading(response)
    assert _count(db, Company) == 0


@pytest.mark.parametrize("digits", ["①", "²", "𝟓", "٤"])
def test_digits_that_are_not_ascii_or_full_width_are_refused(client, db, member, digits):
    response = _new_company(client, employees=digits)
    assert response.status_code == 200
    error = _page(response).select_one("#employees-error")
    assert error is not None and "半角の整数" in error.get_text()
    assert _count(db, Company) == 0


def test_full_width_digits_stay_accepted(client, db, member):
    assert _new_company(client, employees="１２").status_code == 302
    assert db.session.scalar(db.select(Company.employees)) == 12


@pytest.mark.parametrize("month", ["𝟓", "٤"])
def test_a_choice_in_other_digits_is_refused(client, db, member, month):
    response = _new_company(client, fiscal_year_start_month=month)
    assert _page(response).select_one("#fiscal_year_start_month-error") is not None
    assert _count(db, Company) == 0


@pytest.mark.parametrize("bad", ["a\x1bb", "a\x7fb", "a\x85b"])
def test_control_characters_in_a_company_name_are_refused(client, db, member, bad):
    response = _new_company(client, name=bad)
    error = _page(response).select_one("#name-error")
    assert error is not None and "制御文字" in error.get_text()
    assert _page(response).select_one("#name")["value"] == bad  # what was typed is kept
    assert _count(db, Company) == 0


@pytest.mark.parametrize("bad", ["一行目\n二行目", "タブ\t入り", "a\u2028b"])
def test_a_company_name_must_be_one_line(client, db, member, bad):
    response = _new_company(client, name=bad)
    error = _page(response).select_one("#name-error")
    assert error is not None and "改行や制御文字" in error.get_text()
    assert _count(db, Company) == 0


def test_control_characters_in_a_display_name_are_refused(client, db):
    token = csrf_from(client.get("/signup"))
    pw = "a-long-and-fresh-passphrase-42"
    for name in ("名前\x1b", "名前\u0085", "名前\n二行目"):
        data = {
            "display_name": name,
            "email": "new@example.jp",
            "password": pw,
            "password_confirm": pw,
        }
        response = client.post("/signup", data={**data, "csrf_token": token})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert _page(response).select_one("#display_name-error") is not None
    assert _count(db, User) == 0


def test_a_line_break_in_an_organisation_is_refused(app, client, db, make_user, login):
    admin = make_user(role="admin", email="admin@example.jp")
    login(admin.email)
    token = csrf_from(client.get("/admin/users/new"))
    data = {
        "email": "staff@example.jp",
        "display_name": "職員",
        "role": "advisor",
        "organisation": "支援\n機関",
        "bureau_code": "",
        "csrf_token": token,
    }
    response = client.post("/admin/users/new", data=data)
    assert _page(response).select_one("#organisation-error") is not None
    assert db.session.scalar(db.select(User).where(User.email == "staff@example.jp")) is None


def test_fiscal_years_outside_the_index_years_up_to_this_one_are_refused(
    client, db, make_user, make_company, login
):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    login(owner.email)
    fy = this_fiscal_year()
    token = csrf_from(client.get(f"/companies/{company.id}"))
    url = f"/companies/{company.id}/assessments"
    for year in ("0000", "1899", str(FIRST_FISCAL_YEAR - 1), str(fy + 1), "9999"):
        response = client.post(url, data={"fiscal_year": year, "csrf_token": token})
        assert response.status_code == 400, year
        assert f"{FIRST_FISCAL_YEAR}年度から{fy}年度" in _heading(response)
    assert _count(db, Assessment) == 0
    for year in (fy, fy - 1, FIRST_FISCAL_YEAR):
        response = client.post(url, data={"fiscal_year": str(year), "csrf_token": token})
        assert response.status_code == 302, year
    assert sorted(db.session.scalars(db.select(Assessment.fiscal_year))) == sorted(
        {fy, fy - 1, FIRST_FISCAL_YEAR}
    )


def test_an_unknown_nav_value_is_refused_not_read_as_next(client, db, owner_with_assessment):
    from questionnaires import load_index
    from tests.integration.helpers import step_payload

    _, _, assessment = owner_with_assessment
    step = load_index("2019-07").steps[0]
    url = f"/assessments/{assessment.id}/steps/{step.id}"
    response = client.post(url, data=step_payload(step, 2, 3, page=client.get(url), nav="①"))
    assert response.status_code == 400
    assert services.answer_rows(assessment) == {}
