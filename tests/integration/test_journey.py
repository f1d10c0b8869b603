"""The whole first slice through the Flask test client: sign up, profile, every step, resume,
review, submit, scores."""

from app.models import Answer, Assessment, Company
from questionnaires import load_index
from tests.conftest import PASSWORD, csrf_from
from tests.integration.helpers import step_payload, submit
from tests.integration.signup_helpers import sign_up
from tests.pages import Page

INDEX = load_index("2019-07")


def test_company_journey_end_to_end(client, db):
    # Sign up
    response = sign_up(client, "yamada@example.jp", "山田 太郎")
    assert response.status_code == 302 and response.headers["Location"].endswith("/companies/new")

    # Company profile (法人番号 with a valid check digit)
    page = client.get("/companies/new")
    response = client.post(
        "/companies/new",
        data={
            "name": "テスト工業株式会社",
            "corporate_number": "7123456789012",
            "prefecture_code": "22",
            "jsic_division": "E",
            "sme_sector": "manufacturing_and_other",
            "employees": "120",
            "capital_yen": "50,000,000",
            "fiscal_year_start_month": "4",
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 302
    company = db.session.scalar(db.select(Company))
    assert company.capital_yen == 50_000_000 and company.prefecture_code == "22"
    dashboard = Page(client.get(response.headers["Location"]))
    facts = {dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in dashboard.select("dt")}
    assert facts["本社所在地"].endswith("（管轄: 関東経済産業局）")  # 静岡県 belongs to 関東
    assert "中小企業者" in facts["企業規模"]

    # Start this fiscal year's assessment
    page = client.get(f"/companies/{company.id}")
    fy = int(Page(page).field_value("fiscal_year"))
    response = client.post(
        f"/companies/{company.id}/assessments",
        data={"csrf_token": csrf_from(page), "fiscal_year": str(fy)},
    )
    assessment = db.session.scalar(db.select(Assessment))
    assert assessment.index_version == "2019-07" and assessment.fiscal_year == fy
    response = client.get(response.headers["Location"])
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}/steps/profile")

    # Profile check, then the first two item steps
    page = client.get(f"/assessments/{assessment.id}/steps/profile")
    response = client.post(
        f"/assessments/{assessment.id}/steps/profile",
        data={"csrf_token": csrf_from(page), "nav": "next"},
    )
    first, second = INDEX.steps[0], INDEX.steps[1]
    assert response.headers["Location"].endswith(f"/steps/{first.id}")
    url = f"/assessments/{assessment.id}/steps/{first.id}"
    page = client.get(url)
    step = Page(page)
    # item 3 has no verified wording
    assert step.select_one("#item-3 .badge-warn").get_text() == "公式文言の確認待ち"
    assert step.select("#item-1 .badge-kq")  # a key question
    assert step.select_one("#item-1-current .level-name").get_text() == "未着手"  # level 0

    # An invalid post shows an error and keeps what was typed
    bad = step_payload(first, 2, 4, evidence="会議資料あり", page=page)
    bad["item-1-current"] = "7"
    response = client.post(url, data=bad)
    refused = Page(response)
    assert response.status_code == 400
    assert refused.texts("#item-1-current p.error") == ["0〜5のレベルから選択してください。"]
    assert refused.field_value("item-1-evidence") == "会議資料あり"
    assert refused.field_value("item-2-current") == "2"  # valid input is kept checked
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0

    response = client.post(url, data=step_payload(first, 2, 4, evidence="会議資料あり", page=page))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/steps/{second.id}"
    )
    url2 = f"/assessments/{assessment.id}/steps/{second.id}"
    page = client.get(url2)
    response = client.post(url2, data=step_payload(second, 1, 3, page=page, nav="save_exit"))
    assert response.headers["Location"].endswith(f"/companies/{company.id}")

    # Log out, log back in, resume at the first incomplete step
    page = client.get(f"/companies/{company.id}")
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert client.get(f"/assessments/{assessment.id}").status_code == 302
    page = client.get("/login")
    client.post(
        "/login",
        data={"email": "yamada@example.jp", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    response = client.get(f"/assessments/{assessment.id}")
    assert response.headers["Location"].endswith(f"/steps/{INDEX.steps[2].id}")
    resumed = Page(client.get(url))
    assert resumed.field_value("item-1-evidence") == "会議資料あり"
    assert resumed.text("p.progress-count") == "8 / 35 項目 回答済み"
    assert resumed.text("p.progress-count strong") == "8"

    # The review page names what is missing; submit is refused while items are missing
    review = Page(client.get(f"/assessments/{assessment.id}/review"))
    assert review.text(".error-summary h2") == "未回答の項目が27件あります"
    assert len(review.error_summary()) == 27
    response = submit(client, assessment.id)
    assert db.session.get(Assessment, assessment.id).status == "draft"

    for step in INDEX.steps[2:]:
        u = f"/assessments/{assessment.id}/steps/{step.id}"
        page = client.get(u)
        assert client.post(u, data=step_payload(step, 3, 4, page=page)).status_code == 302
    response = submit(client, assessment.id)
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}/results")
    db.session.expire_all()
    stored = db.session.get(Assessment, assessment.id)
    assert stored.status == "submitted" and stored.scoring_version == "1"
    # 3 items at 2, 5 at 1, 27 at 3: (6 + 5 + 81) / 35
    assert abs(stored.scores["overall"]["current_mean"] - 92 / 35) < 1e-9

    results = Page(client.get(f"/assessments/{assessment.id}/results"))
    overview = 'section:has(> h2:-soup-contains("全体・枠組み別")) table'
    header, overall, *_ = results.table(overview)
    assert overall[1] == "2.63"  # 92/35 = 2.628...
    # overall medians: 27 of 35 items at 3 (current), all targets 4 or 3
    assert overall[header.index("中央値 現在 / 目標")] == "3.00 / 4.00"
    assert header[-2] == "全国平均 現在値 IPA 2024年度"
    assert results.select("section.chart-panel svg")
    # read-only after submit
    page = client.get(url)
    assert Page(page).flashes("info") == ["この診断は閲覧のみです。"]
