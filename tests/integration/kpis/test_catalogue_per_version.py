"""The KPI examples offered follow the index version of the company's assessment for the
running fiscal year (issue 15), and indicators made from an example of another version keep
showing and saving after the company changes version. Real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.assessments import services as assessment_services
from app.models import Indicator
from questionnaires import DEFAULT_VERSION, load_index
from tests.integration.kpi_helpers import (
    create_via_form,
    indicator_form,
    make_indicator,
    post_form,
    this_fiscal_year,
)
from tests.pages import Page

SYNTHETIC_FILE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "index_versions" / ("synthetic-2026.yaml")
)
SYNTHETIC = "synthetic-2026"
EXAMPLES = 'section:has(> h2:-soup-contains("定量指標の例"))'


@pytest.fixture()
def synthetic_loaded(app, db):
    result = app.test_cli_runner().invoke(args=["index", "load", str(SYNTHETIC_FILE)])
    assert result.exit_code == 0, result.output


def _offered(client, company) -> tuple[str, list[str], list[str]]:
    """(h2, group headings, example ids with an 「この例から追加」 link) of the KPI page."""
    page = Page(client.get(f"/companies/{company.id}/kpis"))
    assert page.status_code == 200
    ids = [
        a["href"].rsplit("example=", 1)[1]
        for a in page.select(f"{EXAMPLES} a")
        if a.get_text() == "この例から追加"
    ]
    return page.text(f"{EXAMPLES} h2"), page.texts(f"{EXAMPLES} h3"), ids


def _start(company, owner, year, version):
    return assessment_services.start_assessment(
        company, year, owner, prefill=False, index_version=version
    )


def test_examples_follow_the_version_of_this_years_assessment(
    client, db, owner_company, synthetic_loaded
):
    owner, company = owner_company
    default, synthetic = load_index(DEFAULT_VERSION), load_index(SYNTHETIC)

    # No assessment yet: the default version's catalogue.
    heading, groups, ids = _offered(client, company)
    assert f"{DEFAULT_VERSION}版" in heading
    assert groups == [g.name for g in default.kpi_groups]
    assert ids == [
        e.id for g in default.kpi_groups for e in default.kpi_examples if e.group_id == g.id
    ]

    # This year's assessment answers the synthetic version: its groups and examples only.
    _start(company, owner, this_fiscal_year(), SYNTHETIC)
    heading, groups, ids = _offered(client, company)
    assert f"{SYNTHETIC}版" in heading
    assert groups == ["試験用の成果指標", "試験用の取組指標"]
    assert sorted(ids) == sorted(e.id for e in synthetic.kpi_examples)
    page = Page(client.get(f"/companies/{company.id}/kpis"))
    assert "公式ではない版" in page.text(f"{EXAMPLES} .synthetic-version")
    assert f"（{SYNTHETIC}）は試験用の合成データ" in page.text("footer .index-citation")

    # A new indicator from a synthetic example is pre-filled and remembers the version;
    # a 2019 example id is not offered any more.
    new_page = Page(client.get(f"/companies/{company.id}/kpis/new?example=SX-02"))
    assert new_page.field_value("name") == "試験用の顧客数"
    assert new_page.field_value("value_type") == "people"
    old_id = default.kpi_examples[0].id
    assert client.get(f"/companies/{company.id}/kpis/new?example={old_id}").status_code == 404
    response = create_via_form(
        client, company.id, example="SX-02", name="試験用の顧客数", value_type="people"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    made = db.session.scalar(db.select(Indicator).where(Indicator.name == "試験用の顧客数"))
    assert (made.example_id, made.example_version) == ("SX-02", SYNTHETIC)
    # Posting an example of another version is refused, nothing stored.
    before = db.session.scalar(db.select(db.func.count(Indicator.id)))
    new_url = f"/companies/{company.id}/kpis/new"
    response = post_form(
        client, new_url, new_url, indicator_form(example_id=old_id, name="別の版の例")
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Indicator.id))) == before


def test_without_this_years_assessment_the_newest_earlier_version_counts(
    client, db, owner_company, synthetic_loaded
):
    owner, company = owner_company
    _start(company, owner, this_fiscal_year() - 1, SYNTHETIC)
    heading, groups, _ = _offered(client, company)
    assert f"{SYNTHETIC}版" in heading and groups == ["試験用の成果指標", "試験用の取組指標"]
    # A later year on the default version switches the catalogue back.
    _start(company, owner, this_fiscal_year(), DEFAULT_VERSION)
    heading, _, _ = _offered(client, company)
    assert f"{DEFAULT_VERSION}版" in heading


def test_indicators_from_another_versions_example_keep_working(
    client, db, owner_company, synthetic_loaded
):
    owner, company = owner_company
    example = load_index(DEFAULT_VERSION).kpi_examples[0]
    # One made through the form under the default catalogue, one from before the version was
    # recorded (example_version NULL).
    response = create_via_form(client, company.id, example=example.id, name="旧版の例の指標")
    assert response.status_code == 302
    made = db.session.scalar(db.select(Indicator).where(Indicator.name == "旧版の例の指標"))
    assert made.example_version == DEFAULT_VERSION
    legacy = make_indicator(company, owner, name="記録前の指標", example_id=example.id)
    assert legacy.example_version is None

    _start(company, owner, this_fiscal_year(), SYNTHETIC)  # the company changes version
    for indicator in (made, legacy):
        edit_url = f"/kpis/{indicator.id}/edit"
        page = Page(client.get(edit_url))
        assert page.status_code == 200
        assert page.text(".example-box strong") == example.name  # the example it came from
        assert Page(client.get(f"/kpis/{indicator.id}")).status_code == 200
        response = post_form(
            client,
            edit_url,
            edit_url,
            {
                "example_id": example.id,
                "name": indicator.name + "（改）",
                "definition": "定義を改めた",
                "value_type": indicator.value_type,
                "unit": indicator.unit or "",
                "scale": "",
                "direction": indicator.direction,
                "baseline_year": str(indicator.baseline_year),
                "baseline_value": "5",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:800]
        db.session.expire_all()
        saved = db.session.get(Indicator, indicator.id)
        assert saved.definition == "定義を改めた" and saved.example_id == example.id
    # The progress page lists both with the synthetic catalogue in force.
    assert client.get(f"/companies/{company.id}/progress").status_code == 200
