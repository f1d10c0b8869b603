"""The progress page: qualitative targets followed from earlier submitted years, year-over-year
maturity charts from the stored score snapshots, and the page's access rules."""

import re

import pytest

from app.progress.history import score_history
from app.progress.qualitative import qualitative_sets
from tests.conftest import csrf_from
from tests.integration.kpi_helpers import (
    INDEX,
    counts,
    make_indicator,
    status_count,
    submitted_assessment,
    this_fiscal_year,
)


@pytest.fixture()
def owner_company(make_user, make_company, login):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    login(owner.email)
    return owner, company


def _two_submitted_years(company, owner):
    """Last year: every item at 1 aiming for 4, item 1 at 2 aiming for 5.
    This year: item 1 reached 5, item 2 moved to 2 (one third of the way), the rest stayed."""
    fy = this_fiscal_year()
    submitted_assessment(company, owner, fy - 1, lambda i: (2, 5) if i == "1" else (1, 4))
    submitted_assessment(company, owner, fy, lambda i: {"1": (5, 5), "2": (2, 5)}.get(i, (1, 4)))
    return fy


def test_qualitative_targets_from_two_submitted_years(client, db, owner_company):
    owner, company = owner_company
    fy = _two_submitted_years(company, owner)

    sets = qualitative_sets(company.id, fy)
    assert [s.set_year for s in sets] == [fy, fy - 1]  # newest first
    latest, earlier = sets
    assert earlier.target_year == fy + 2 and earlier.later_years == [fy]
    by_item = {t.item.id: t for t in earlier.targets}
    assert len(by_item) == len(INDEX.items) == 35
    assert by_item["1"].status.code == "achieved"
    # Item 2: 1 -> 2 of 1 -> 4 is one third, exactly the straight line after one of 3 years.
    assert by_item["2"].status.code == "on_track"
    assert by_item["2"].status.progress == pytest.approx(1 / 3)
    assert by_item["3"].status.code == "behind" and by_item["3"].status.progress == 0
    assert earlier.counts == {
        "achieved": 1,
        "on_track": 1,
        "behind": 33,
        "missing": 0,
        "no_data": 0,
    }
    # Nothing submitted after this year yet: no data, never a guess.
    assert latest.counts == {"achieved": 0, "on_track": 0, "behind": 0, "missing": 0, "no_data": 35}

    html = client.get(f"/companies/{company.id}/progress").get_data(as_text=True)
    heading = f"{fy - 1}年度に設定、{fy + 2}年度目標"
    assert status_count(html, "achieved", heading) == 1
    assert status_count(html, "on_track", heading) == 1
    assert status_count(html, "behind", heading) == 33
    assert status_count(html, "no_data", f"{fy}年度に設定、{fy + 3}年度目標") == 35
    # One small trajectory chart per item and set year.
    assert len(re.findall(r'aria-label="[^"]*の現在値と目標への直線"', html)) == 70


def test_year_over_year_charts_use_the_stored_scores(client, db, owner_company):
    owner, company = owner_company
    fy = _two_submitted_years(company, owner)

    history = score_history(company.id)
    assert [y.fiscal_year for y in history.years] == [fy - 1, fy]
    assert [title for title, _ in history.charts] == [
        "全35項目",
        "DX推進の枠組み",
        "ITシステム構築の枠組み",
    ]
    first = history.years[0]
    assert first.overall == pytest.approx((36 / 35, 141 / 35))
    overall_chart = history.charts[0][1]
    current_line = next(line for line in overall_chart.lines if line.key == "current")
    assert len(current_line.points) == 2 and len(current_line.paths) == 1

    html = client.get(f"/companies/{company.id}/progress").get_data(as_text=True)
    table = html[html.index("定性指標の年度推移") :]
    assert f"{fy - 1}年度</th><td>1.03 / 4.03</td>" in table
    assert table.count('<g class="line line-current">') == 3
    assert table.count('<g class="line line-target">') == 3


def test_a_year_without_submission_breaks_the_score_line(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    submitted_assessment(company, owner, fy - 2, lambda i: (1, 3))
    submitted_assessment(company, owner, fy, lambda i: (2, 4))
    history = score_history(company.id)
    chart = history.charts[0][1]
    assert [t.label for t in chart.x_ticks] == [str(fy - 2), str(fy - 1), str(fy)]
    current_line = next(line for line in chart.lines if line.key == "current")
    assert current_line.paths == () and len(current_line.points) == 2  # no line across the gap


def test_empty_progress_page(client, owner_company):
    _, company = owner_company
    html = client.get(f"/companies/{company.id}/progress").get_data(as_text=True)
    assert "定量指標はまだありません" in html
    assert "提出済みの自己診断がありません" in html


def test_progress_page_escapes_indicator_names(client, owner_company):
    owner, company = owner_company
    make_indicator(company, owner, name='<script>alert(1)</script>"><img src=x>')
    html = client.get(f"/companies/{company.id}/progress").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_progress_page_needs_login_and_access(client, app, make_user, make_company, owner_company):
    _, company = owner_company
    anonymous = app.test_client()
    response = anonymous.get(f"/companies/{company.id}/progress")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    stranger = make_user(email="other@example.jp")
    other = make_company(stranger, name="他社")
    assert client.get(f"/companies/{other.id}/progress").status_code == 404


def test_submitted_assessment_kpi_step_is_read_only(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    assessment = submitted_assessment(company, owner, fy, lambda i: (1, 3))
    url = f"/assessments/{assessment.id}/kpis"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert "この診断は提出済みです" in html
    assert re.search(rf'name="kpi-{people.id}"[^>]*disabled', html)
    response = client.post(url, data={"csrf_token": csrf_from(page), f"kpi-{people.id}": "9"})
    assert response.status_code == 303
    assert counts(db) == (1, 0, 0)
