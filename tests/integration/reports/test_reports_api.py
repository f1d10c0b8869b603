"""GET /api/v1/reports: the bureau report as JSON, exactly the released tables the page shows
(same suppression, same filters), for bureau tokens only."""

from app.api.tokens import create_token
from tests.integration.reports.conftest import page_tables

API = "/api/v1/reports"
OSAKA = "27"


def call(client, user, **query):
    secret = create_token(user, "test", None).secret
    return client.get(API, query_string=query, headers={"Authorization": f"Bearer {secret}"})


def as_texts(table: dict) -> list[list[str]]:
    """The JSON table as the page's cell texts: header row, then rows (None shows as —)."""
    rows = [list(table["columns"])]
    for row in table["rows"]:
        rows.append(["—" if v is None else str(v) for v in row])
    return rows


def test_bureau_token_gets_the_page_tables(submitted, release, bureau_client, app, make_user):
    for level in (1, 2, 3, 3, 4):
        submitted("13", level, 5)
    for _ in range(5):
        submitted(OSAKA, 5, 5)  # 近畿, outside 関東: never in 関東's report
    release()
    session = bureau_client("kanto")
    page = page_tables(session.get("reports.index"))
    bureau = make_user(role="bureau", bureau_code="kanto", email="api-kanto@example.jp")

    response = call(app.test_client(), bureau)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == "関東経済産業局" and body["release"]["fiscal_year"] == 2025
    tables = {t["title"]: t for t in body["tables"]}
    assert list(tables) == list(page)  # the same tables, in the same order
    assert len(tables) >= 5
    for title, table in tables.items():
        assert as_texts(table) == page[title], title
    summary = next(t for t in body["tables"] if t["key"] == "summary")
    assert summary["rows"][0][:3] == ["全体（35項目）", 5, "2.60"]
    prefectures = next(t for t in body["tables"] if t["title"] == "都道府県別")
    assert "大阪府" not in str(prefectures["rows"])


def test_small_groups_stay_suppressed_in_json(submitted, release, app, make_user, bureau_client):
    for level in (1, 2, 3, 3):  # four companies: below the minimum group size
        submitted("13", level, 5)
    release()
    bureau = make_user(role="bureau", bureau_code="kanto", email="api-kanto@example.jp")
    body = call(app.test_client(), bureau).get_json()
    assert body["release"] is not None
    assert body["tables"] == []  # the page shows no table either
    assert page_tables(bureau_client("kanto").get("reports.index")) == {}
    assert "2.25" not in str(body)  # the four companies' mean


def test_other_roles_get_403_and_bad_filters_a_notice_or_422(app, make_user, make_company):
    owner = make_user(email="owner@example.jp")
    response = call(app.test_client(), owner)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    bureau = make_user(role="bureau", bureau_code="kanto", email="api-kanto@example.jp")
    response = call(app.test_client(), bureau, prefecture=OSAKA)  # outside 関東: ignored, said
    assert response.status_code == 200
    assert any("絞り込みの指定が正しくない" in n for n in response.get_json()["notices"])
    response = call(app.test_client(), bureau, industry="=1+1")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    response = call(app.test_client(), bureau, colour="red")  # unknown parameter
    assert response.status_code == 422
