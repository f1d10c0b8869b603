"""Year-over-year change (issue 10): derived when shown from both years' stored cards as they
are now, with the compared year named, a reopened year compared by its last submitted version,
and the same figure on the results page, the dashboard and the progress page."""

import pytest
from bs4 import BeautifulSoup

from app.assessments import services
from app.models import Assessment
from tests.conftest import csrf_from
from tests.integration.kpi_helpers import this_fiscal_year
from tests.integration.yoy_helpers import (
    ITEM_IDS,
    displayed_changes,
    expected_changes,
    reopen_year,
    save_answers,
    start_year,
    submit_year,
    year_table_changes,
)


def uniform(current, target=5, first=None):
    """Every item at ``current``; ``first`` = (n, level) sets the first n items instead."""
    levels = {i: (current, target) for i in ITEM_IDS}
    if first:
        for i in ITEM_IDS[: first[0]]:
            levels[i] = (first[1], target)
    return levels


def results_changes(client, assessment):
    response = client.get(f"/assessments/{assessment.id}/results")
    assert response.status_code == 200
    return displayed_changes(response.get_data(as_text=True))


def assert_pages_match_the_stored_cards(client, company, assessments):
    expected = expected_changes(company.id)
    for a in assessments:
        want = expected.get(a.fiscal_year, "draft")
        if want == "draft":
            continue
        shown = results_changes(client, a)
        if want is None:
            assert shown["tile"] is None and shown["overall"] == "—"
            continue
        assert shown["change_label"] == want["change_label"]
        assert shown["compared_col"] == f"{want['compared_label']}の現在値"
        assert shown["tile"] == f"{want['change_label']} {want['overall']}"
        for key in ("overall", "previous_overall", "frameworks", "groups", "items"):
            assert shown[key] == want[key], key
        assert (shown["note"] is not None) is want["reopened"]
    dashboard = client.get(f"/companies/{company.id}").get_data(as_text=True)
    progress = client.get(f"/companies/{company.id}/progress").get_data(as_text=True)
    on_dashboard = year_table_changes(dashboard, "DX推進指標 自己診断", "現在値の平均の変化")
    on_progress = year_table_changes(progress, "定性指標の年度推移", "全項目 現在値の変化")
    for year, want in expected.items():
        text = "—" if want is None else f"{want['overall']}（{want['change_label']}）"
        assert on_dashboard[year] == text
        assert on_progress[year] == text


def test_change_follows_a_reopened_and_resubmitted_earlier_year(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    last, this = start_year(company, owner, fy - 1), start_year(company, owner, fy)
    save_answers(last, owner, uniform(1, first=(14, 2)))  # mean 49/35 = 1.40
    submit_year(last, owner)
    save_answers(this, owner, uniform(1, first=(21, 2)))  # mean 56/35 = 1.60
    submit_year(this, owner)
    assert results_changes(client, this)["overall"] == "+0.20"

    reopen_year(last, owner)
    save_answers(last, owner, uniform(2, first=(14, 3)))  # mean 84/35 = 2.40
    submit_year(last, owner)

    shown = results_changes(client, this)
    assert shown["previous_overall"] == "2.40"
    assert shown["overall"] == "-0.80"  # not the +0.20 frozen at this year's submit
    assert shown["change_label"] == "前年度比" and shown["note"] is None
    assert_pages_match_the_stored_cards(client, company, [last, this])


def test_a_reopened_year_is_compared_by_its_last_submitted_version(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    last, this = start_year(company, owner, fy - 1), start_year(company, owner, fy)
    save_answers(last, owner, uniform(1))
    submit_year(last, owner)
    reopen_year(last, owner)
    save_answers(last, owner, uniform(4))  # a draft edit: not what the comparison uses
    save_answers(this, owner, uniform(3))
    submit_year(this, owner)

    shown = results_changes(client, this)
    assert shown["overall"] == "+2.00" and shown["previous_overall"] == "1.00"
    assert all(v == "+2" for v in shown["items"].values())
    assert shown["note"] == (
        f"{fy - 1}年度は再編集中のため、最後に提出された内容（第1版）と比較しています。"
    )
    html = client.get(f"/assessments/{this.id}/results").get_data(as_text=True)
    legend = BeautifulSoup(html, "html.parser").select_one(".chart.radar .key-previous")
    assert legend.text == f"{fy - 1}年度の現在値（第1版）"
    assert_pages_match_the_stored_cards(client, company, [last, this])


def test_an_earlier_year_submitted_later_is_compared(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    this = start_year(company, owner, fy)
    save_answers(this, owner, uniform(3))
    submit_year(this, owner)
    assert results_changes(client, this)["tile"] is None  # nothing earlier yet

    last = start_year(company, owner, fy - 1)
    save_answers(last, owner, uniform(2))
    submit_year(last, owner)
    shown = results_changes(client, this)
    assert shown["tile"] == "前年度比 +1.00"
    assert all(v == "+1.00" for v in shown["groups"].values())
    assert_pages_match_the_stored_cards(client, company, [last, this])


def test_two_years_back_is_named_by_its_year(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    older, this = start_year(company, owner, fy - 2), start_year(company, owner, fy)
    save_answers(older, owner, uniform(2))
    submit_year(older, owner)
    save_answers(this, owner, uniform(3))
    submit_year(this, owner)
    shown = results_changes(client, this)
    assert shown["change_label"] == f"{fy - 2}年度比"
    assert shown["compared_col"] == f"{fy - 2}年度の現在値"
    assert shown["tile"] == f"{fy - 2}年度比 +1.00"
    html = client.get(f"/assessments/{this.id}/results").get_data(as_text=True)
    assert "前年度" not in BeautifulSoup(html, "html.parser").select_one("main, body").get_text()
    assert_pages_match_the_stored_cards(client, company, [older, this])


def test_the_stored_card_stays_frozen_without_a_change(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    last, this = start_year(company, owner, fy - 1), start_year(company, owner, fy)
    save_answers(last, owner, uniform(1))
    submit_year(last, owner)
    save_answers(this, owner, uniform(2))
    submit_year(this, owner)
    db.session.expire_all()
    stored = db.session.get(Assessment, this.id)
    assert stored.scoring_version == "1"
    assert stored.scores["delta"] is None
    assert stored.scores["overall"]["current_mean"] == 2.0


# --- submit needs the profile confirmed -----------------------------------------------------------


def test_submit_without_a_confirmed_profile_is_refused(client, db, owner_company):
    owner, company = owner_company
    assessment = start_year(company, owner, this_fiscal_year())
    save_answers(assessment, owner, uniform(2))
    db.session.refresh(assessment)
    assessment.profile_confirmed_at = None  # e.g. a forged POST that skipped the profile step
    db.session.commit()

    with pytest.raises(services.ProfileNotConfirmed):
        services.submit(assessment, assessment.version, owner)
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).status == "draft"

    review = client.get(f"/assessments/{assessment.id}/review")
    soup = BeautifulSoup(review.get_data(as_text=True), "html.parser")
    version = soup.find("input", {"name": "version"})["value"]
    response = client.post(
        f"/assessments/{assessment.id}/submit",
        data={"csrf_token": csrf_from(review), "version": version},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}/steps/profile")
    db.session.expire_all()
    stored = db.session.get(Assessment, assessment.id)
    assert stored.status == "draft" and stored.scores is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    flashes = [f.get_text(strip=True) for f in BeautifulSoup(page, "html.parser").select(".flash")]
    assert any("会社情報の確認が済んでいないため提出できません" in f for f in flashes)


# --- how pages name the compared year (no second index version exists yet to drive a page) ------


def test_labels_name_the_compared_year_and_say_why_nothing_compares():
    from app.progress.comparison import change_text, labels_for
    from scoring import YearCard, compare_years, score_assessment, structure_from_index
    from tests.integration.yoy_helpers import INDEX

    structure = structure_from_index(INDEX)
    card = score_assessment(structure, uniform(2))
    this = YearCard(2026, "2019-07", card)
    other_version = YearCard(2024, "2030-01", card, reopened=True, revision=3)
    comparison = compare_years(this, [other_version, this])
    labels = labels_for(comparison)
    assert (labels.change, labels.compared) == ("2024年度比", "2024年度")
    assert labels.note == (
        "2024年度は再編集中のため、最後に提出された内容（第3版）と比較しています。"
        "2024年度は指標の版（2030-01）が異なるため、比較できません。"
    )
    assert change_text(comparison) == "比較不可（2024年度比）"
    assert change_text(None) == "—" and labels_for(None) is None
    previous = compare_years(this, [YearCard(2025, "2019-07", card), this])
    assert labels_for(previous).change == "前年度比" and labels_for(previous).note is None
    assert change_text(previous) == "+0.00（前年度比）"
