"""The advisor's client portfolio (/advisor/clients): each column, sorting by every column,
every filter, bad filter values, a bounded number of SQL statements whatever the number of
clients; the portfolio view (only the advisor's own clients); the meeting report."""

import pytest
from sqlalchemy import event

from app.advisors.summaries import rebuild_all
from app.extensions import db as _db
from app.models import AdvisorGrant, ReviewComment
from app.models._time import utcnow
from tests.integration.kpi_helpers import make_indicator, this_fiscal_year
from tests.integration.portfolio_helpers import INDEX, add_assessment, add_client
from tests.pages import normalise

FY = this_fiscal_year()
ITEMS = [item.id for item in INDEX.items]


def table(page) -> list[dict[str, str]]:
    """The client table as one {column heading: cell text} per row, in page order."""
    found = page.select_one("table.client-table")
    if found is None:
        return []
    headings = [normalise(th.get_text(" ")).rstrip(" ▲▼") for th in found.select("thead th")]
    rows = []
    for tr in found.select("tbody tr"):
        cells = [normalise(c.get_text(" ")) for c in tr.find_all(["th", "td"])]
        row = dict(zip(headings, cells, strict=True))
        row["name"] = normalise(tr.th.a.get_text())
        rows.append(row)
    return rows


def names(page) -> list[str]:
    return [r["name"] for r in table(page)]


@pytest.fixture()
def portfolio(db, make_user, client_request):
    advisor = client_request.login_as("advisor")
    owner = make_user(email="owner@example.jp")
    clients = {}
    clients["未着手商事"] = add_client(advisor, "未着手商事", owner, prefecture="01", jsic="I")
    clients["回答中工業"] = c = add_client(advisor, "回答中工業", owner, employees=10)
    add_assessment(c, FY, 2, status="draft", answered=12)
    clients["順調産業"] = c = add_client(advisor, "順調産業", owner, prefecture="27")
    add_assessment(c, FY - 3, 2)
    add_assessment(c, FY - 1, 3)
    clients["遅れ建設"] = c = add_client(advisor, "遅れ建設", owner, jsic="D", employees=500)
    add_assessment(c, FY - 3, 2)
    late = add_assessment(c, FY - 1, 2)
    clients["未入力電機"] = c = add_client(advisor, "未入力電機", owner, scope="read")
    add_assessment(c, FY - 3, lambda item_id: (1 if item_id == ITEMS[0] else 2, 3))
    # Not the advisor's: no grant, and a revoked one. Extreme levels that would show.
    other = add_client(advisor, "他社株式会社", owner)
    add_assessment(other, FY - 1, 0)
    revoked = add_client(advisor, "取消済み商会", owner)
    add_assessment(revoked, FY - 1, 5)
    db.session.flush()
    for company in (other, revoked):
        grant = db.session.scalar(
            db.select(AdvisorGrant).where(AdvisorGrant.company_id == company.id)
        )
        if company is other:
            db.session.delete(grant)
        else:
            grant.revoked_at = utcnow()
    db.session.commit()
    make_indicator(clients["未入力電機"], owner)  # no actual for an ended year: 実績未入力
    for resolved in (None, utcnow()):
        db.session.add(
            ReviewComment(
                assessment_id=late.id,
                item_id=ITEMS[0],
                author_id=advisor.id,
                body="指摘",
                resolved_at=resolved,
            )
        )
    db.session.commit()
    return client_request, advisor, clients


def test_each_client_row_shows_state_scores_change_and_targets(portfolio):
    a, advisor, clients = portfolio
    page = a.get("advisors.clients")
    rows = {r["name"]: r for r in table(page)}
    assert sorted(rows) == sorted(clients)  # no other company, nothing revoked
    assert page.text(".result-count") == "5社中 5社を表示"
    none, draft = rows["未着手商事"], rows["回答中工業"]
    assert (none["最新年度"], none["状態"], none["現在値の平均"]) == ("—", "未着手", "—")
    assert (draft["最新年度"], draft["状態"]) == (f"{FY}年度", "回答中 12/35項目")
    good, late, missing = rows["順調産業"], rows["遅れ建設"], rows["未入力電機"]
    assert good["状態"].startswith("提出済み") and good["最新年度"] == f"{FY - 1}年度"
    assert (good["現在値の平均"], good["目標値の平均"]) == ("3.00", "4.00")
    assert good["前年比"] == f"+1.00 {FY - 3}年度比"
    assert late["前年比"] == f"+0.00 {FY - 3}年度比"  # R9 display of no change
    # The FY-3 targets (level +1 by FY): reached by 順調産業, not by 遅れ建設, and no later
    # year at all for 未入力電機 (plus its KPI without the actual of the year that ended).
    assert (good["目標 順調"], good["目標 遅れ"], good["実績未入力"]) == ("35", "0", "0")
    assert (late["目標 順調"], late["目標 遅れ"], late["実績未入力"]) == ("0", "35", "0")
    assert (missing["目標 順調"], missing["目標 遅れ"], missing["実績未入力"]) == ("0", "0", "36")
    assert late["未解決の指摘"] == "1" and good["未解決の指摘"] == "0"
    assert missing["前年比"] == "—" and missing["権限"] == "閲覧のみ"
    assert all(r["最終更新"] != "—" for n, r in rows.items() if n != "未着手商事")
    behind_rows = [tr.th.a.get_text() for tr in page.select("table.client-table tr.warn-row")]
    assert behind_rows == ["遅れ建設"]


def _sortable(value: str):
    head = value.split(" ")[0]
    try:
        return float(head.replace("+", ""))
    except ValueError:
        return None


# Names sort by code point (no reading is stored); ties keep name order.
BY_NAME = ["回答中工業", "未入力電機", "未着手商事", "遅れ建設", "順調産業"]


@pytest.mark.parametrize(
    "column, expected",
    [
        ("name", BY_NAME),
        ("current", ["未入力電機", "遅れ建設", "順調産業", "回答中工業", "未着手商事"]),
        ("behind", ["回答中工業", "未入力電機", "未着手商事", "順調産業", "遅れ建設"]),
        ("missing", ["回答中工業", "未着手商事", "遅れ建設", "順調産業", "未入力電機"]),
        ("points", ["回答中工業", "未入力電機", "未着手商事", "順調産業", "遅れ建設"]),
        ("state", ["未着手商事", "回答中工業", "未入力電機", "遅れ建設", "順調産業"]),
        ("prefecture", ["未着手商事", "回答中工業", "未入力電機", "遅れ建設", "順調産業"]),
    ],
)
def test_sort_by_a_column(portfolio, column, expected):
    a, _, _ = portfolio
    page = a.get_url(f"/advisor/clients?sort={column}")
    assert names(page) == expected
    [active] = page.select("table.client-table th[aria-sort]")
    assert active["aria-sort"] == "ascending"
    descending = names(a.get_url(f"/advisor/clients?sort={column}&dir=desc"))
    if column == "current":  # rows without a value stay last in both directions
        assert descending == ["順調産業", "遅れ建設", "未入力電機", "回答中工業", "未着手商事"]
    else:
        assert descending == list(reversed(expected))


def test_every_column_sorts_and_links_keep_the_filters(portfolio):
    a, _, _ = portfolio
    page = a.get_url("/advisor/clients?state=submitted")
    links = {
        normalise(th.get_text()).rstrip(" ▲▼"): th.a["href"]
        for th in page.select("table.client-table thead th")
        if th.a
    }
    assert len(links) == 12
    for heading, href in links.items():
        assert "state=submitted" in href
        for direction in ("asc", "desc"):
            rows = table(a.get_url(href.replace("dir=asc", f"dir={direction}")))
            assert {r["name"] for r in rows} == {"順調産業", "遅れ建設", "未入力電機"}
            values = [_sortable(r[heading]) for r in rows]
            numbers = [v for v in values if v is not None]
            if len(numbers) == len(values) and heading not in ("企業名", "都道府県", "最新年度"):
                ordered = sorted(numbers, reverse=direction == "desc")
                assert numbers == ordered, (heading, direction, values)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("state=none", ["未着手商事"]),
        ("state=draft", ["回答中工業"]),
        ("state=submitted", ["未入力電機", "遅れ建設", "順調産業"]),
        ("industry=D", ["遅れ建設"]),
        ("industry=I", ["未着手商事"]),
        ("size=small", ["回答中工業"]),
        ("size=large", []),
        ("prefecture=27", ["順調産業"]),
        ("behind=1", ["遅れ建設"]),
        ("q=電機", ["未入力電機"]),
        ("q=%E3%80%80", BY_NAME),  # a full-width space only: no name filter
        ("state=submitted&prefecture=13", ["未入力電機", "遅れ建設"]),
    ],
)
def test_filters(portfolio, query, expected):
    a, _, _ = portfolio
    page = a.get_url(f"/advisor/clients?{query}")
    assert names(page) == expected
    assert page.error_summary() == []
    if not expected:
        assert "条件に合う企業はありません。" in page.soup.get_text()


@pytest.mark.parametrize("search", ["abc", "ＡＢＣ", "Abc", "ｂｃ商"])
def test_name_search_folds_full_width_letters_and_case(db, client_request, search):
    advisor = client_request.login_as("advisor")
    for name in ("ＡＢＣ商事", "XYZ工業"):
        add_client(advisor, name)
    db.session.commit()
    page = client_request.get_url(f"/advisor/clients?q={search}")
    assert names(page) == ["ＡＢＣ商事"]  # as stored, full-width


@pytest.mark.parametrize(
    "query, message",
    [
        ("state=archived", "状態の指定が正しくないため、この条件は使っていません。"),
        ("industry=ZZ", "業種の指定が正しくないため、この条件は使っていません。"),
        ("size=huge", "規模の指定が正しくないため、この条件は使っていません。"),
        ("prefecture=99", "都道府県の指定が正しくないため、この条件は使っていません。"),
        ("sort=password", "並べ替えの列が正しくないため、企業名順で表示しています。"),
    ],
)
def test_bad_filter_values_are_said_and_ignored(portfolio, query, message):
    a, _, _ = portfolio
    page = a.get_url(f"/advisor/clients?{query}")
    assert page.error_summary() == [message]
    assert len(names(page)) == 5


def test_portfolio_view_counts_only_the_advisors_clients(portfolio):
    a, _, _ = portfolio
    page = a.get("advisors.portfolio_view")
    distribution = {row[0]: row[1] for row in page.table("table.distribution")[1:]}
    # 順調産業 3.00, 遅れ建設 2.00, 未入力電機 just under 2 (one item at 1): the revoked client
    # (5) and the company without a grant (0) are not counted.
    assert distribution == {
        "0以上1未満": "0",
        "1以上2未満": "1",
        "2以上3未満": "1",
        "3以上4未満": "1",
        "4以上5未満": "0",
        "5": "0",
    }
    weakest = page.table("table.weakest")[1:]
    assert weakest[0][0].startswith(f"{ITEMS[0]} ")  # (1 + 2 + 3) / 3
    assert weakest[0][1:] == ["2.00", "1 / 3社", "3社"]
    assert len(weakest) == 10


def _count_statements(app, fn) -> int:
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", seen)
    try:
        fn()
    finally:
        event.remove(_db.engine, "before_cursor_execute", seen)
    return len(statements)


def _grow(advisor, owner, n, start):
    for i in range(start, start + n):
        c = add_client(advisor, f"顧客{i:03d}", owner, prefecture=f"{1 + i % 47:02d}")
        done = add_assessment(c, FY - 1, 1 + i % 3)
        add_assessment(c, FY, 2, status="draft", answered=i % 35)
        _db.session.add(ReviewComment(assessment_id=done.id, item_id="1", body="指摘"))
    _db.session.commit()
    rebuild_all()  # the builders write rows directly, past the services that keep summaries


def test_statements_do_not_grow_with_the_number_of_clients(app, db, make_user, client_request):
    advisor = client_request.login_as("advisor")
    owner = make_user(email="owner@example.jp")
    _grow(advisor, owner, 10, 0)
    first = db.session.scalar(db.select(AdvisorGrant.company_id))
    from app.models import Company

    make_indicator(db.session.get(Company, first), owner)
    urls = (
        "/advisor/clients",
        "/advisor/clients?sort=behind&dir=desc&page=2",
        "/advisor/clients?state=draft&q=顧客&sort=current",
        "/advisor/portfolio",
    )
    counts = {}
    for url in urls:
        counts[url] = [_count_statements(app, lambda u=url: client_request.get_url(u))]
    _grow(advisor, owner, 290, 10)
    for url in counts:
        counts[url].append(_count_statements(app, lambda u=url: client_request.get_url(u)))
    page = client_request.get("advisors.clients")
    assert page.text(".result-count") == "300社中 300社が該当（1〜50社目を表示）"
    assert len(names(page)) == 50
    for url, (small, large) in counts.items():
        assert small == large, f"{url}: {small} statements at 10 clients, {large} at 300"
        assert large <= 10, f"{url}: {large} statements"


def test_drawn_rows_follow_the_language_and_every_change_of_a_row(db, portfolio):
    """Rows are drawn once and kept (app/advisors/cache.py): another language, a renamed
    company or a changed scope must each show, never an earlier drawing."""
    a, advisor, clients = portfolio
    good = clients["順調産業"]
    rows = {r["name"]: r for r in table(a.get("advisors.clients"))}
    assert rows["順調産業"]["状態"].startswith("提出済み")
    english = a.get_url("/advisor/clients?lang=en")
    [row] = [tr for tr in english.select("table.client-table tbody tr") if "順調産業" in tr.th.text]
    assert "Submitted" in row.get_text() and "提出済み" not in row.get_text()
    a.get_url("/advisor/clients?lang=ja")
    good.name = "順調産業ホールディングス"
    grant = db.session.scalar(db.select(AdvisorGrant).where(AdvisorGrant.company_id == good.id))
    grant.scope = "read"
    db.session.commit()
    rows = {r["name"]: r for r in table(a.get("advisors.clients"))}
    assert "順調産業" not in rows
    assert rows["順調産業ホールディングス"]["権限"] == "閲覧のみ"


def _frame(page) -> dict:
    """What the list's frame shows: the form's values, the options, the count, the sort links."""
    form = page.select_one("form.filter-form")
    chosen = {s["name"]: [o["value"] for o in s.select("option[selected]")] for s in form("select")}
    return {
        "q": form.select_one("input#q")["value"],
        "chosen": chosen,
        "industries": [o["value"] for o in form.select("select#industry option")],
        "behind": form.select_one("input[name=behind]").has_attr("checked"),
        "sort": form.select_one("input[name=sort]")["value"],
        "count": page.text(".result-count"),
        "links": [th.a["href"] for th in page.select("table.client-table thead th") if th.a],
        "errors": page.error_summary(),
        "heading": page.h1,
    }


def test_the_list_frame_shows_the_query_and_follows_every_change(
    db, portfolio, client_request, make_user
):
    """The page around the rows is drawn once per query and kept (app/advisors/list_frame.py):
    every change of what it shows (the query, the counts, the clients' industries, the
    language, the advisor) must show at once, never an earlier drawing."""
    a, advisor, clients = portfolio
    url = "/advisor/clients?q=%E9%9B%BB%E6%A9%9F&state=submitted&sort=current&dir=desc"
    first = _frame(a.get_url(url))
    assert first["q"] == "電機"
    assert first["chosen"] == {"state": ["submitted"], "industry": [], "size": [], "prefecture": []}
    assert first["sort"] == "current" and not first["behind"]
    assert first["count"] == "5社中 1社を表示"
    assert all("q=%E9%9B%BB%E6%A9%9F" in h and "state=submitted" in h for h in first["links"])
    assert _frame(a.get_url(url)) == first  # the same query: the same frame
    # Another query: each value shows.
    other = _frame(a.get_url("/advisor/clients?q=%E5%B7%A5&behind=1&sort=name&dir=asc"))
    assert other["q"] == "工" and other["behind"] and other["count"] == "5社中 0社を表示"
    # The filter options follow a client's new industry (same counts); the counts follow a
    # new client, and a revoked one.
    clients["未着手商事"].jsic_division = "H"
    db.session.commit()
    moved = _frame(a.get_url(url))
    assert "H" in moved["industries"] and "H" not in first["industries"]
    assert moved["count"] == first["count"]
    add_client(advisor, "新規食品", make_user(email="owner2@example.jp"))
    db.session.commit()
    assert _frame(a.get_url(url))["count"] == "6社中 1社を表示"
    grant = db.session.scalar(
        db.select(AdvisorGrant).where(AdvisorGrant.company_id == clients["未入力電機"].id)
    )
    grant.revoked_at = utcnow()
    db.session.commit()
    assert _frame(a.get_url(url))["count"] == "5社中 0社を表示"
    # A bad value is said, and no longer once corrected.
    assert _frame(a.get_url(url + "&size=huge"))["errors"] == [
        "規模の指定が正しくないため、この条件は使っていません。"
    ]
    assert _frame(a.get_url(url))["errors"] == []
    # Another language.
    english = _frame(a.get_url(url + "&lang=en"))
    assert english["heading"] != first["heading"] and english["count"] != "5社中 0社を表示"
    japanese = _frame(a.get_url(url + "&lang=ja"))
    assert japanese["heading"] == first["heading"]
    # Advisors without clients each see their own address.
    for email in ("first@advisor.example", "second@advisor.example"):
        b = client_request.new_session()
        b.login_as("advisor", email=email)
        page = b.get_url("/advisor/clients")
        assert email in page.select_one("main").get_text()
