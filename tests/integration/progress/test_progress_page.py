"""The progress page: qualitative targets followed from earlier submitted years, year-over-year
maturity charts from the stored score snapshots, and the page's access rules."""

import pytest

from app.progress.history import score_history
from app.progress.qualitative import qualitative_sets
from tests.integration.kpi_helpers import (
    INDEX,
    counts,
    make_indicator,
    submitted_assessment,
    summary_counts,
    this_fiscal_year,
)

PROGRESS = "progress.company"  # the company progress page


def _two_submitted_years(company, owner):
    """Last year: every item at 1 aiming for 4, item 1 at 2 aiming for 5.
    This year: item 1 reached 5, item 2 moved to 2 (one third of the way), the rest stayed."""
    fy = this_fiscal_year()
    submitted_assessment(company, owner, fy - 1, lambda i: (2, 5) if i == "1" else (1, 4))
    submitted_assessment(company, owner, fy, lambda i: {"1": (5, 5), "2": (2, 5)}.get(i, (1, 4)))
    return fy


def test_qualitative_targets_from_two_submitted_years(client_request, db, owner_company):
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

    page = client_request.get(PROGRESS, company_id=company.id)
    assert summary_counts(page, f"定性指標の目標（{fy - 1}年度に設定、{fy + 2}年度目標") == {
        "achieved": 1,
        "on_track": 1,
        "behind": 33,
        "missing": 0,
        "no_data": 0,
    }
    assert summary_counts(page, f"定性指標の目標（{fy}年度に設定、{fy + 3}年度目標") == {
        "achieved": 0,
        "on_track": 0,
        "behind": 0,
        "missing": 0,
        "no_data": 35,
    }
    # One small trajectory chart per item and set year.
    charts = page.select('table.qual-table svg[aria-label$="の現在値と目標への直線"]')
    assert len(charts) == 70
    assert charts[0]["aria-label"] == "1 の現在値と目標への直線"


def test_year_over_year_charts_use_the_stored_scores(client_request, db, owner_company):
    owner, company = owner_company
    fy = _two_submitted_years(company, owner)

    history = score_history(company.id)
    assert [y.fiscal_year for y in history.years] == [fy - 1, fy]
    assert [title for title, _ in history.charts] == [
        "全項目",
        "DX推進の枠組み",
        "ITシステム構築の枠組み",
    ]
    first = history.years[0]
    assert first.overall == pytest.approx((36 / 35, 141 / 35))
    overall_chart = history.charts[0][1]
    current_line = next(line for line in overall_chart.lines if line.key == "current")
    assert len(current_line.points) == 2 and len(current_line.paths) == 1

    page = client_request.get(PROGRESS, company_id=company.id)
    history_panel = 'section:has(> h2:-soup-contains("定性指標の年度推移"))'
    rows = page.table(f"{history_panel} table")
    # This year: (5 + 2 + 33 × 1) / 35 = 1.14 current, (5 + 5 + 33 × 4) / 35 = 4.06 target.
    assert rows[0] == [
        "年度",
        "全項目 現在 / 目標",
        "DX推進の枠組み 現在 / 目標",
        "ITシステム構築の枠組み 現在 / 目標",
        "全項目 現在値の変化",
        "状態",
    ]
    assert [[row[0], row[1], row[-2], row[-1]] for row in rows[1:]] == [
        [f"{fy - 1}年度", "1.03 / 4.03", "—", "提出済み"],
        [f"{fy}年度", "1.14 / 4.06", "+0.11（前年度比）", "提出済み"],  # (40 - 36) / 35
    ]
    assert len(page.select(f"{history_panel} g.line-current")) == 3
    assert len(page.select(f"{history_panel} g.line-target")) == 3


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


def test_empty_progress_page(client_request, owner_company):
    _, company = owner_company
    page = client_request.get(PROGRESS, company_id=company.id)
    quantitative = page.select_one('section:has(> h2:-soup-contains("定量指標"))')
    assert quantitative.p.get_text().startswith("定量指標はまだありません")
    assert page.texts("p.muted")[-2:] == ["提出済みの自己診断がありません。"] * 2
    assert page.text('section:has(> h2:-soup-contains("まとめ")) p.muted') == (
        "提出済みの自己診断がないため、定性指標の目標はまだありません。"
    )


def test_progress_page_escapes_indicator_names(client_request, owner_company):
    owner, company = owner_company
    name = '<script>alert(1)</script>"><img src=x>'
    make_indicator(company, owner, name=name)
    page = client_request.get(PROGRESS, company_id=company.id)
    assert "<script>alert(1)</script>" not in page.html and "<img src=x>" not in page.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.html
    assert page.text(".progress-card h3 a") == name  # shown as typed
    assert page.select("script:-soup-contains('alert')") == [] and page.select("img") == []


def test_progress_page_needs_login_and_access(
    client_request, make_user, make_company, owner_company
):
    _, company = owner_company
    anonymous = client_request.new_session()
    response = anonymous.get(PROGRESS, company_id=company.id, _expected_status=302)
    assert "/login" in response.location
    stranger = make_user(email="other@example.jp")
    other = make_company(stranger, name="他社")
    refused = client_request.get(PROGRESS, company_id=other.id, _expected_status=404)
    assert "他社" not in refused.html


def test_submitted_assessment_kpi_step_is_read_only(client_request, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    assessment = submitted_assessment(company, owner, fy, lambda i: (1, 3))
    page = client_request.get("assessments.kpi_step", assessment_id=assessment.id)
    assert page.flashes("info") == [
        "この診断は提出済みです。実績は各指標のページで入力・修正できます。"
    ]
    assert page.field(f"kpi-{people.id}").has_attr("disabled")
    client_request.post(
        "assessments.kpi_step",
        _data={f"kpi-{people.id}": "9"},
        _from=page,
        _expected_status=303,
        assessment_id=assessment.id,
    )
    assert counts(db) == (1, 0, 0)
