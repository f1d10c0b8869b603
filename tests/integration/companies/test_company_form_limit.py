"""Registering a company or saving its profile answers whether a 法人番号 is registered
already; one budget per account (COMPANY_FORM_LIMITS) over the web forms and the API keeps
that answer from becoming a list of the service's companies."""

from app.api.tokens import create_token
from app.models import Company
from tests.integration.companies.test_corporate_number_input import FIELD_ERROR, FORM, VALID

TAKEN = "既に登録されています"


def test_one_budget_per_account_over_the_forms_and_the_api(
    app, client_request, db, make_user, make_company, monkeypatch
):
    monkeypatch.setitem(app.config, "COMPANY_FORM_LIMITS", "3 per hour")
    make_company(make_user(email="first@example.jp"), name="先登録株式会社", corporate_number=VALID)
    member = client_request
    user = member.login_as("member")
    guess = {**FORM, "corporate_number": VALID}
    for _ in range(2):
        page = member.post("companies.new", _data=guess, _expected_status=200)
        assert TAKEN in " ".join(page.texts(FIELD_ERROR))
    api = app.test_client()

    def api_post(token):
        headers = {"Authorization": "Bearer " + token.secret}
        body = {
            "name": "API推測株式会社", "corporate_number": VALID, "prefecture_code": "13",
            "jsic_division": "E", "employees": 12, "capital_yen": 1000000,
            "fiscal_year_start_month": 4,
        }  # fmt: skip
        return api.post("/api/v1/companies", json=body, headers=headers)

    first_token, second_token = create_token(user, "a", None), create_token(user, "b", None)
    assert api_post(first_token).status_code == 409  # the third answer of the budget
    refused = api_post(second_token)  # a new token is the same account
    assert refused.status_code == 429
    assert refused.get_json(force=True)["code"] == "too_many_requests"
    page = member.post("companies.new", _data=guess, _expected_status=429)
    assert page.h1  # the error page says why
    member.get("companies.new")  # the form itself is still shown
    assert db.session.scalar(db.select(db.func.count(Company.id))) == 1
    # another account has its own budget
    other = client_request.new_session()
    other.login_as("member")
    page = other.post("companies.new", _data=guess, _expected_status=200)
    assert TAKEN in " ".join(page.texts(FIELD_ERROR))
