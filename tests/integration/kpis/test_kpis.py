"""Quantitative indicators: the journey (define, enter actuals, revise, progress), bad input that
changes nothing, missing years that stay missing, who may see and change what, new cycles and
the KPI step of the yearly questionnaire."""

from decimal import Decimal

import pytest

from app.models import AdvisorGrant, AuditEvent, Indicator, IndicatorValue, TargetRevision
from tests.conftest import csrf_from
from tests.integration.kpi_helpers import (
    FRESHNESS,
    counts,
    create_via_form,
    make_indicator,
    post_form,
    post_values,
    stored_values,
    summary_counts,
    this_fiscal_year,
)
from tests.pages import Page


def _shown_error(response, text: str) -> bool:
    """``text`` is shown as an error: in an error summary or beside a field."""
    page = Page(response)
    return any(text in m for m in page.error_summary() + page.field_errors())


def _by_name(db, name) -> Indicator:
    return db.session.scalar(db.select(Indicator).where(Indicator.name == name))


# --- the journey ------------------------------------------------------------------------------


def test_define_three_indicators_enter_actuals_revise_and_see_progress(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()

    # The catalogue lists METI's 22 examples in their three groups.
    catalogue = Page(client.get(f"/companies/{company.id}/kpis"))
    examples = 'section:has(> h2:-soup-contains("定量指標の例"))'
    assert catalogue.texts(f"{examples} h3") == [
        "DXによる競争力強化の到達度合い",
        "DXの取組状況",
        "ITシステム構築の取組状況",
    ]
    add_links = [a for a in catalogue.select(f"{examples} a") if a.get_text() == "この例から追加"]
    assert len(add_links) == 22

    # Adding from an example pre-fills its name and type and shows its description.
    new_page = Page(client.get(f"/companies/{company.id}/kpis/new?example=QI-02"))
    assert new_page.field_value("name") == "DX人材（事業）の数"
    assert new_page.field_value("value_type") == "people"
    assert any(
        "データやデジタル技術を使って何ができるかを理解し" in text
        for text in new_page.texts("main p")
    )

    response = create_via_form(
        client,
        company.id,
        example="QI-02",
        name="DX人材（事業）の数",
        definition="DX推進室の所属者と研修修了者の合計（年度末）",
        value_type="people",
        baseline_value="5",
        target_value="20",
    )
    assert response.status_code == 302
    people = _by_name(db, "DX人材（事業）の数")
    assert people.example_id == "QI-02" and people.unit == "人"
    assert (people.baseline_year, people.target_year) == (fy - 3, fy)  # target defaults to +3
    assert response.headers["Location"].endswith(f"/kpis/{people.id}")

    response = create_via_form(
        client,
        company.id,
        name="月次決算の所要日数",
        definition="月末から月次決算確定までの営業日数（12か月の平均）",
        value_type="number",
        unit="営業日",
        direction="lower",
        baseline_value="20",
        target_value="8",
    )
    assert response.status_code == 302
    closing = _by_name(db, "月次決算の所要日数")
    assert closing.direction == "lower" and closing.unit == "営業日" and closing.example_id is None

    new_page = Page(client.get(f"/companies/{company.id}/kpis/new?example=QI-05"))
    assert new_page.field_value("scale") == "リアルタイム\n日次\n週次\n月次"  # from the index
    response = create_via_form(
        client,
        company.id,
        example="QI-05",
        name="データ鮮度（売上データ）",
        definition="売上データの締め処理の頻度",
        value_type="ordered",
        scale="\n".join(FRESHNESS),
        direction="lower",  # ignored: an ordered scale is ranked best-highest
        baseline_value="月次",
        target_value="日次",
    )
    assert response.status_code == 302
    freshness = _by_name(db, "データ鮮度（売上データ）")
    assert freshness.scale == FRESHNESS and freshness.direction == "higher"
    assert Decimal(freshness.baseline_value) == 0 and Decimal(freshness.target_value) == 2

    # Three years of actuals (the closing-days indicator misses this year).
    assert post_values(client, people.id, {fy - 2: "10", fy - 1: "15", fy: "18"}).status_code == 302
    assert post_values(client, closing.id, {fy - 2: "16", fy - 1: "12"}).status_code == 302
    response = post_values(client, freshness.id, {fy - 2: "月次", fy - 1: "週次", fy: "週次"})
    assert response.status_code == 302
    assert stored_values(db, people.id) == {fy - 2: 10, fy - 1: 15, fy: 18}
    assert stored_values(db, freshness.id) == {fy - 2: 0, fy - 1: 1, fy: 1}

    # 18 of 20 in the target year: behind. 12 of 20→8 after two of three years: exactly on
    # the line (on track). 週次 of 月次→日次 in the target year: behind.
    progress_page = Page(client.get(f"/companies/{company.id}/progress"))
    assert summary_counts(progress_page, "定量指標（3件）") == {
        "achieved": 0,
        "on_track": 1,
        "behind": 2,
        "missing": 0,
        "no_data": 0,
    }

    # Revise the people target to 18: now achieved; the revision is kept with who and why.
    detail = f"/kpis/{people.id}"
    response = post_form(
        client,
        detail,
        f"{detail}/revise",
        {
            "revise-target_value": "18",
            "revise-target_year": str(fy),
            "revise-reason": "採用計画の見直し",
        },
    )
    assert response.status_code == 302
    revision = db.session.scalar(db.select(TargetRevision))
    assert (Decimal(revision.old_target_value), Decimal(revision.new_target_value)) == (20, 18)
    assert revision.revised_by_id == owner.id and revision.reason == "採用計画の見直し"
    history = Page(client.get(detail)).table(
        'section:has(> h2:-soup-contains("目標の変更履歴")) table'
    )
    assert history[0] == ["日時", "変更者", "変更前", "変更後", "理由"]
    [(_, who, before, after, reason)] = history[1:]
    assert (who, before, after, reason) == (
        "山田 太郎",
        f"{fy}年度: 20人",
        f"{fy}年度: 18人",
        "採用計画の見直し",
    )

    progress_page = Page(client.get(f"/companies/{company.id}/progress"))
    assert summary_counts(progress_page, "定量指標（3件）") == {
        "achieved": 1,
        "on_track": 1,
        "behind": 1,
        "missing": 0,
        "no_data": 0,
    }
    cards = progress_page.select("li.progress-card")
    assert len(cards) == 3 and all(card.select("g.line-plan") for card in cards)  # one chart each

    events = [e.event for e in db.session.scalars(db.select(AuditEvent))]
    assert events.count("kpi_created") == 3
    assert events.count("kpi_target_revised") == 1


def test_dashboard_links_to_kpis_and_progress(client, owner_company):
    _, company = owner_company
    dashboard = Page(client.get(f"/companies/{company.id}"))
    assert dashboard.select(f'main a[href="/companies/{company.id}/kpis"]')
    assert dashboard.select(f'main a[href="/companies/{company.id}/progress"]')


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["abc", "٣", "1e3", "NaN", "Infinity", "-Infinity", str(10**400), "-1", "1.5", "1,2.3.4", ""],
)
def test_bad_actual_is_refused_and_changes_nothing(client, db, owner_company, typed):
    owner, company = owner_company
    people = make_indicator(company, owner)
    fy = this_fiscal_year()
    post_values(client, people.id, {fy - 2: "10"})
    before = counts(db), stored_values(db, people.id)

    values = {fy - 1: typed, fy - 2: "11"} if typed else {fy - 1: "12", fy - 2: "x"}
    response = post_values(client, people.id, values)

    assert response.status_code == 400
    assert _shown_error(response, "入力内容にエラーがあります")
    assert (counts(db), stored_values(db, people.id)) == before
    assert stored_values(db, people.id) == {fy - 2: 10}  # the valid row was not saved either


def test_full_width_digits_and_thousands_separators_are_accepted(client, db, owner_company):
    owner, company = owner_company
    people = make_indicator(company, owner)
    fy = this_fiscal_year()
    response = post_values(client, people.id, {fy - 2: "１２３", fy - 1: "1,234"})
    assert response.status_code == 302
    assert stored_values(db, people.id) == {fy - 2: 123, fy - 1: 1234}


def test_percent_over_100_and_negative_counts_are_refused(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    share = make_indicator(
        company,
        owner,
        name="デジタルサービスの売上割合",
        value_type="percent",
        unit="%",
        baseline_value=Decimal("12.5"),
        target_value=Decimal(30),
    )
    response = post_values(client, share.id, {fy - 2: "150"})
    assert response.status_code == 400 and _shown_error(response, "100以下の値を入力してください")
    assert post_values(client, share.id, {fy - 2: "35.25"}).status_code == 302
    assert stored_values(db, share.id) == {fy - 2: Decimal("35.25")}

    response = create_via_form(
        client, company.id, name="アジャイル案件", value_type="count", baseline_value="-3"
    )
    assert response.status_code == 400
    assert _shown_error(response, "0以上の値を入力してください")
    assert _by_name(db, "アジャイル案件") is None


def test_ordered_value_must_be_on_the_scale(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    freshness = make_indicator(
        company,
        owner,
        name="データ鮮度",
        value_type="ordered",
        unit=None,
        scale=FRESHNESS,
        baseline_value=Decimal(0),
        target_value=Decimal(2),
    )
    # The chart labels the straight line with the scale's labels, never a made-up one.
    point_titles = Page(client.get(f"/kpis/{freshness.id}")).texts("svg circle title")
    assert f"{fy}年度: 計画 日次" in point_titles
    assert f"{fy - 2}年度: 計画 月次と週次の間" in point_titles
    response = post_values(client, freshness.id, {fy - 2: "毎時"})
    assert response.status_code == 400 and "選択肢から選んでください" in response.get_data(
        as_text=True
    )
    assert stored_values(db, freshness.id) == {}


def test_unit_change_after_values_exist_is_refused(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    edit = f"/kpis/{people.id}/edit"
    form = {
        "name": people.name,
        "definition": people.definition,
        "value_type": "people",
        "unit": "",
        "scale": "",
        "direction": "higher",
        "baseline_year": str(people.baseline_year),
        "baseline_value": "5",
    }
    # Before any actual the type may still change.
    response = post_form(client, edit, edit, {**form, "value_type": "number", "unit": "名"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (people.value_type, people.unit) == ("number", "名")

    post_values(client, people.id, {fy - 2: "10"})
    before = counts(db)
    for change in ({"value_type": "percent"}, {"value_type": "number", "unit": "千人"}):
        response = post_form(
            client, edit, edit, {**form, "value_type": "number", "unit": "名", **change}
        )
        assert response.status_code == 400
        assert _shown_error(response, "値の種類・単位・選択肢は変更できません")
        db.session.expire_all()
        assert (people.value_type, people.unit) == ("number", "名")
        assert counts(db) == before and stored_values(db, people.id) == {fy - 2: 10}

    # Other fields may still change.
    response = post_form(
        client,
        edit,
        edit,
        {**form, "value_type": "number", "unit": "名", "definition": "新しい定義"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert people.definition == "新しい定義"


def test_target_year_not_after_baseline_is_refused(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    for target_year in (fy - 4, fy - 3):
        response = create_via_form(
            client,
            company.id,
            name="独自指標",
            baseline_year=str(fy - 3),
            target_year=str(target_year),
        )
        assert response.status_code == 400
        assert _shown_error(response, "目標年度は基準年度")
    assert counts(db) == (0, 0, 0)

    people = make_indicator(company, owner)
    detail = f"/kpis/{people.id}"
    response = post_form(
        client,
        detail,
        f"{detail}/revise",
        {"revise-target_value": "30", "revise-target_year": str(people.baseline_year - 1)},
    )
    assert response.status_code == 400
    assert _shown_error(response, "目標年度は基準年度")
    db.session.expire_all()
    assert (people.target_year, Decimal(people.target_value)) == (fy, 20)
    assert counts(db) == (1, 0, 0)


def test_revising_to_the_same_target_or_before_an_actual_is_refused(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    post_values(client, people.id, {fy - 1: "12"})
    detail = f"/kpis/{people.id}"
    response = post_form(
        client,
        detail,
        f"{detail}/revise",
        {"revise-target_value": "20", "revise-target_year": str(fy)},
    )
    assert response.status_code == 400 and _shown_error(response, "現在の目標と同じです")
    response = post_form(
        client,
        detail,
        f"{detail}/revise",
        {"revise-target_value": "30", "revise-target_year": str(fy - 2)},
    )
    assert response.status_code == 400
    assert _shown_error(response, f"{fy - 1}年度の実績が入力済み")
    assert counts(db) == (1, 1, 0)


def test_duplicate_indicator_name_is_refused(client, db, owner_company):
    owner, company = owner_company
    make_indicator(company, owner, name="DX人材（事業）の数")
    for name in ("DX人材（事業）の数", "ＤＸ人材（事業）の数", "  DX人材（事業）の数 "):
        response = create_via_form(client, company.id, name=name, value_type="people")
        assert response.status_code == 400
        assert _shown_error(response, "同じ名前の指標が既にあります")
    assert counts(db) == (1, 0, 0)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"definition": ""}, "自社での定義を入力してください"),
        ({"name": ""}, "指標名を入力してください"),
        ({"baseline_value": "abc"}, "半角の数値で入力してください"),
        ({"target_value": ""}, "目標値を入力してください"),
        ({"value_type": "ordered", "scale": "月次"}, "選択肢を2〜10個"),
        ({"value_type": "ordered", "scale": "A\nA", "baseline_value": "A"}, "重複"),
        ({"value_type": "weight"}, "選択肢が正しくありません"),
        ({"direction": "sideways"}, "選択肢が正しくありません"),
        ({"baseline_year": "1999"}, "2000年度から"),
        ({"definition": "定義\x07"}, "制御文字"),
    ],
)
def test_bad_indicator_form_is_refused(client, db, owner_company, fields, message):
    _, company = owner_company
    response = create_via_form(client, company.id, **fields)
    assert response.status_code == 400
    assert _shown_error(response, message)
    assert counts(db) == (0, 0, 0)


def test_unknown_example_is_not_found(client, owner_company):
    _, company = owner_company
    assert client.get(f"/companies/{company.id}/kpis/new?example=QX-99").status_code == 404


def test_future_year_actual_is_refused(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    later = make_indicator(company, owner, baseline_year=fy - 1, target_year=fy + 2)
    response = post_values(client, later.id, {fy + 1: "7"})
    assert response.status_code == 400
    assert _shown_error(response, "まだ始まっていない年度")
    assert stored_values(db, later.id) == {}


def test_fields_for_years_outside_the_cycle_are_refused(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    for year in (people.baseline_year, fy - 10):
        response = post_values(client, people.id, {year: "7", fy - 1: "8"})
        assert response.status_code == 400
        assert _shown_error(response, "この画面にない入力欄")
    assert stored_values(db, people.id) == {}


# --- missing years stay missing ---------------------------------------------------------------


def test_a_missing_year_stays_missing(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    assert post_values(client, people.id, {fy - 2: "10", fy: "16"}).status_code == 302
    assert stored_values(db, people.id) == {fy - 2: 10, fy: 16}

    detail = Page(client.get(f"/kpis/{people.id}"))
    # an empty input, not a value carried over from a neighbour
    assert detail.field_value(f"value-{fy - 1}") == ""
    assert (detail.field_value(f"value-{fy - 2}"), detail.field_value(f"value-{fy}")) == (
        "10",
        "16",
    )

    # In the chart the actual line joins the baseline and fy-2 only; fy stands alone.
    [actual] = detail.select("g.line-actual")
    [polyline] = actual.select("polyline")
    assert len(polyline["points"].split()) == 2
    assert len(actual.select("circle")) == 3

    progress_page = Page(client.get(f"/companies/{company.id}/progress"))
    assert progress_page.text(".progress-card dd.missing") == f"{fy - 1}年度"

    # Clearing a year removes it, and it is then missing too.
    assert post_values(client, people.id, {fy: ""}).status_code == 302
    assert stored_values(db, people.id) == {fy - 2: 10}


# --- who may do what --------------------------------------------------------------------------


def test_viewer_sees_everything_but_cannot_change_anything(
    client, db, make_user, add_member, login, owner_company
):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    viewer = make_user(email="viewer@example.jp")
    add_member(company, viewer, "viewer")
    viewer_client = login(viewer.email, c=client.application.test_client())

    for url in (
        f"/companies/{company.id}/kpis",
        f"/kpis/{people.id}",
        f"/companies/{company.id}/progress",
    ):
        response = viewer_client.get(url)
        assert response.status_code == 200, url
    detail = Page(viewer_client.get(f"/kpis/{people.id}"))
    assert "実績を保存" not in detail.html and "目標を見直す" not in detail.html
    assert detail.select('main button[type="submit"]') == []  # the table is read-only
    catalogue = Page(viewer_client.get(f"/companies/{company.id}/kpis"))
    assert "この例から追加" not in catalogue.html
    assert catalogue.select(f'a[href^="/companies/{company.id}/kpis/new"]') == []

    token = csrf_from(viewer_client.get(f"/kpis/{people.id}"))
    before = counts(db)
    for url, data in (
        (f"/kpis/{people.id}/values", {f"value-{fy - 1}": "9"}),
        (f"/kpis/{people.id}/revise", {"revise-target_value": "1", "revise-target_year": str(fy)}),
        (f"/kpis/{people.id}/cycle", {"cycle-target_value": "1"}),
        (f"/kpis/{people.id}/edit", {"name": "改名"}),
        (f"/companies/{company.id}/kpis/new", {"name": "新しい指標"}),
    ):
        assert viewer_client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    assert viewer_client.get(f"/companies/{company.id}/kpis/new").status_code == 403
    assert counts(db) == before


def test_another_companys_indicator_is_not_found(
    client, db, make_user, make_company, owner_company
):
    owner, company = owner_company
    fy = this_fiscal_year()
    stranger = make_user(email="other@example.jp")
    other = make_company(stranger, name="他社株式会社")
    theirs = make_indicator(other, stranger, name="他社の指標")
    token = csrf_from(client.get(f"/companies/{company.id}/kpis"))

    for url in (
        f"/kpis/{theirs.id}",
        f"/kpis/{theirs.id}/edit",
        f"/companies/{other.id}/kpis",
        f"/companies/{other.id}/kpis/new",
        f"/companies/{other.id}/progress",
        "/kpis/999999",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"/kpis/{theirs.id}/values", {f"value-{fy - 1}": "9"}),
        (f"/kpis/{theirs.id}/revise", {"revise-target_value": "1"}),
        (f"/kpis/{theirs.id}/cycle", {"cycle-target_value": "1"}),
        (f"/companies/{other.id}/kpis/new", {"name": "侵入"}),
    ):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    assert counts(db) == (1, 0, 0)
    denied = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event == "access_denied")
    ).all()
    assert any(e.details.get("indicator_id") == theirs.id for e in denied)


def test_advisor_with_a_grant_sees_the_progress_page_read_only(
    client, db, make_user, login, owner_company
):
    owner, company = owner_company
    people = make_indicator(company, owner)
    advisor = make_user(role="advisor", email="advisor@example.jp")
    advisor_client = login(advisor.email, c=client.application.test_client())
    assert advisor_client.get(f"/companies/{company.id}/progress").status_code == 404

    db.session.add(AdvisorGrant(company_id=company.id, advisor_id=advisor.id, scope="read"))
    db.session.commit()
    progress_page = Page(advisor_client.get(f"/companies/{company.id}/progress"))
    assert progress_page.texts(".progress-card h3 a") == ["DX人材（事業）の数"]
    assert advisor_client.get(f"/kpis/{people.id}").status_code == 200
    token = csrf_from(advisor_client.get(f"/kpis/{people.id}"))
    response = advisor_client.post(
        f"/kpis/{people.id}/values", data={"csrf_token": token, "value-2000": "1"}
    )
    assert response.status_code == 404  # changing KPIs is a company member's action
    assert counts(db) == (1, 0, 0)


# --- new cycles -------------------------------------------------------------------------------


def test_new_cycle_starts_from_the_last_actual(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    detail = f"/kpis/{people.id}"
    post_values(client, people.id, {fy - 2: "10", fy - 1: "15"})

    # Before the target year's actual (and while the target year runs) no new cycle.
    before_target = Page(client.get(detail))
    assert "新しい3年サイクルを始める" not in before_target.html
    assert before_target.select('form[action$="/cycle"]') == []
    response = post_form(client, detail, f"{detail}/cycle", {"cycle-target_value": "40"})
    assert response.status_code == 400
    assert counts(db) == (1, 2, 0)

    post_values(client, people.id, {fy: "19"})
    assert "新しい3年サイクルを始める" in Page(client.get(detail)).texts("main h2")
    response = post_form(client, detail, f"{detail}/cycle", {"cycle-target_value": "40"})
    assert response.status_code == 302
    successor = db.session.scalar(db.select(Indicator).where(Indicator.cycle == 2))
    assert response.headers["Location"].endswith(f"/kpis/{successor.id}")
    assert (successor.baseline_year, Decimal(successor.baseline_value)) == (fy, 19)
    assert (successor.target_year, Decimal(successor.target_value)) == (fy + 3, 40)
    assert successor.previous_id == people.id and successor.name == people.name
    db.session.expire_all()
    assert people.archived_at is not None
    assert stored_values(db, people.id) == {fy - 2: 10, fy - 1: 15, fy: 19}  # history kept

    # The old cycle is read-only; starting again from it is refused.
    old_cycle = Page(client.get(detail))
    assert old_cycle.text("main p.flash-info").startswith("このサイクル")
    assert "実績を保存" not in old_cycle.html
    assert old_cycle.select('main button[type="submit"]') == []
    token = csrf_from(client.get(detail))
    response = client.post(f"{detail}/values", data={"csrf_token": token, f"value-{fy}": "1"})
    assert response.status_code == 303
    assert stored_values(db, people.id)[fy] == 19
    response = client.post(f"{detail}/cycle", data={"csrf_token": token, "cycle-target_value": "5"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Indicator.id))) == 2
    listing = Page(client.get(f"/companies/{company.id}/kpis"))
    [current] = listing.table('section:has(> h2:-soup-contains("自社の指標")) table')[1:]
    assert current[0] == f"{people.name} 第2サイクル"
    ended = listing.texts('section:has(> h2:-soup-contains("終了したサイクル")) li')
    assert ended == [f"{people.name}（第1サイクル: {fy - 3}〜{fy}年度）"]


# --- the KPI step of the yearly questionnaire -------------------------------------------------


def test_kpi_step_in_the_questionnaire(client, db, owner_company, make_user, add_member, login):
    from app.assessments import services as assessment_services
    from questionnaires import DEFAULT_VERSION

    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    freshness = make_indicator(
        company,
        owner,
        name="データ鮮度",
        value_type="ordered",
        unit=None,
        scale=FRESHNESS,
        baseline_value=Decimal(0),
        target_value=Decimal(2),
    )
    starts_now = make_indicator(
        company, owner, name="今年度からの指標", baseline_year=fy, target_year=fy + 3
    )
    assessment = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version=DEFAULT_VERSION
    )
    url = f"/assessments/{assessment.id}/kpis"

    step_page = Page(client.get(f"/assessments/{assessment.id}/steps/profile"))
    kpi_links = step_page.select(f'a[href="{url}"]')  # in the progress panel
    assert kpi_links and "定量指標" in kpi_links[0].get_text()
    kpi_page = Page(client.get(url))
    assert kpi_page.field(f"kpi-{people.id}") and kpi_page.field(f"kpi-{freshness.id}")
    assert kpi_page.select(f'[name="kpi-{starts_now.id}"]') == []
    assert kpi_page.text("span.muted").startswith("基準年度です")

    # A tampered field (an indicator not in this step) refuses the whole post.
    response = post_form(client, url, url, {f"kpi-{people.id}": "12", f"kpi-{starts_now.id}": "1"})
    assert response.status_code == 400 and counts(db)[1] == 0

    response = post_form(
        client, url, url, {f"kpi-{people.id}": "abc", f"kpi-{freshness.id}": "日次"}
    )
    assert response.status_code == 400 and counts(db)[1] == 0
    assert Page(response).field_value(f"kpi-{people.id}") == "abc"  # what was typed is kept

    response = post_form(
        client, url, url, {f"kpi-{people.id}": "１２", f"kpi-{freshness.id}": "日次", "nav": "next"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{assessment.id}/review")
    assert stored_values(db, people.id) == {fy: 12}
    assert stored_values(db, freshness.id) == {fy: 2}
    review = Page(client.get(f"/assessments/{assessment.id}/review"))
    assert f"{fy}年度の実績: 2件中 2件 入力済み" in review.texts("main p")
    detail = Page(client.get(f"/kpis/{people.id}"))
    assert detail.field_value(f"value-{fy}") == "12"  # the same value on the indicator's page

    # A viewer gets 403 on POST.
    viewer = make_user(email="viewer@example.jp")
    add_member(company, viewer, "viewer")
    viewer_client = login(viewer.email, c=client.application.test_client())
    assert viewer_client.get(url).status_code == 200
    token = csrf_from(viewer_client.get(url))
    response = viewer_client.post(url, data={"csrf_token": token, f"kpi-{people.id}": "99"})
    assert response.status_code == 403
    assert stored_values(db, people.id) == {fy: 12}
    assert db.session.scalar(db.select(db.func.count(IndicatorValue.id))) == 2
