"""Attacks on the bureau reports, crafted through the app's own pages and downloads.

An attacker holds bureau accounts (九州 and the national account), reads every page, every
filter the page offers, the CSV and the .xlsx, at every release, and combines what they got:

- temporal differencing around one submission, and around a reopen and a resubmission;
- a region total minus prefecture rows, across the bureau and the national account;
- a total minus the rows of the other filter values (industry, size, first/repeat);
- repeated downloads (averaging).

Criterion of success for the attacker (each test asserts it fails): from any observed figure
of ``n + 1`` companies minus any of ``n`` companies (same or different row, release, account,
format), or a total minus the sum of shown rows leaving one company, it recovers
- any single item level of the target company exactly (estimate within ±0.05 of the true
  current or target level of that item: the precision reached with two-decimal means), or
- the target's overall current or target mean within ±0.25.
The target company's levels are chosen far from the others' (current 4 or 5, target 5, while
the others answer 0 to 2 and target 3), so an estimate near them is a leak, not a coincidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.reports.services import SUPPRESSED_TEXT
from tests.integration.reports.conftest import INDEX, YEAR, csv_tables, page_tables, xlsx_tables

FUKUOKA, KAGOSHIMA = "40", "46"


@pytest.fixture(autouse=True)
def unlimited_downloads(app, monkeypatch):
    """The download limit is not what protects the figures: the attacker gets all it asks."""
    monkeypatch.setitem(app.config, "REPORT_EXPORT_LIMITS", "100000 per hour")


ITEM_IDS = [item.id for item in INDEX.items]
TOLERANCE_ITEM = 0.05
TOLERANCE_MEAN = 0.25


def other_current(j):
    return lambda item_id: (j + ITEM_IDS.index(item_id)) % 3  # 0..2, varied


def target_current(item_id):
    return 4 + ITEM_IDS.index(item_id) % 2  # 4 or 5


def changed_current(item_id):
    return 5 - ITEM_IDS.index(item_id) % 2  # 5 or 4: every item changes


def truth(current_of, target_level=5):
    items = {i: (current_of(i), target_level) for i in ITEM_IDS}
    return {
        "current": sum(c for c, _ in items.values()) / len(items),
        "target": float(target_level),
        "items": items,
    }


@dataclass(frozen=True)
class Obs:
    where: str
    table: str
    label: str
    n: int
    current: float
    target: float
    items: dict | None  # item id -> (current mean, target mean)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _observations(where: str, tables: dict[str, list[list[str]]]) -> list[Obs]:
    """Every shown row of every table (page, CSV or workbook) with a count and two means."""
    items = None
    item_table = next((t for c, t in tables.items() if c.startswith("項目それぞれの")), None)
    if item_table is not None:
        items = {}
        for row in item_table[1:]:
            item_id = row[0].split(" ")[0]
            items[item_id] = (_number(row[2]), _number(row[3]))
    result = []
    for caption, table in tables.items():
        header = table[0] if table else []
        if "企業数" not in header:
            continue
        for row in table[1:]:
            if len(row) < 5 or SUPPRESSED_TEXT in row:
                continue
            n, current, target = int(row[1]), _number(row[2]), _number(row[4])
            overall = row[0].startswith("全体（")
            result.append(
                Obs(where, caption, row[0], n, current, target, items if overall else None)
            )
    return result


class Attacker:
    """Collects what the accounts can see and tries every subtraction."""

    def __init__(self, sessions: dict[str, object]):
        self.sessions = sessions
        self.seen: list[Obs] = []
        self.visits = 0

    def _look(self, name, session, downloads=True, **query):
        page = session.get("reports.index", **query)
        self.visits += 1
        where = f"{name} {query}"
        self.seen += _observations(f"page {where}", page_tables(page))
        if not downloads:  # a filtered page: its CSV and workbook hold the same tables
            return page
        url = session.url("reports.export_csv", **query)
        response = session.client.get(url)
        assert response.status_code == 200
        body = response.get_data().decode("utf-8-sig")
        self.seen += _observations(f"csv {where}", csv_tables(body))
        raw = session.client.get(session.url("reports.export_xlsx", **query)).get_data()
        self.seen += _observations(f"xlsx {where}", xlsx_tables(raw))
        return page

    def collect(self):
        """Every release, unfiltered and with every filter value whose row the unfiltered page
        shows (a filtered page is that row's cell: a hidden row stays hidden when filtered, as
        test_total_minus_other_filter_combinations checks)."""
        for name, session in self.sessions.items():
            page = self._look(name, session)
            releases = [o["value"] for o in page.select("select#release option")]
            for release_id in releases:
                page = self._look(name, session, release=release_id)
                shown = {
                    row[0]
                    for table in page_tables(page).values()
                    for row in table[1:]
                    if SUPPRESSED_TEXT not in row
                }
                for select in page.select("form.report-filter select:not(#release)"):
                    for option in select.select("option"):
                        if option["value"] and option.get_text() in shown:
                            query = {"release": release_id, select["name"]: option["value"]}
                            self._look(name, session, downloads=False, **query)

    def estimates(self):
        """(how, current mean, target mean, items) for every one-company subtraction."""
        by_count: dict[int, list[Obs]] = {}
        for o in self.seen:
            by_count.setdefault(o.n, []).append(o)
        for a in self.seen:
            for b in by_count.get(a.n - 1, []):
                items = None
                if a.items and b.items:
                    items = {
                        i: tuple(
                            x * a.n - y * b.n if x is not None and y is not None else None
                            for x, y in zip(a.items[i], b.items[i], strict=True)
                        )
                        for i in a.items
                    }
                yield (
                    f"{a.where}/{a.table}/{a.label} minus {b.where}/{b.table}/{b.label}",
                    a.current * a.n - b.current * b.n,
                    a.target * a.n - b.target * b.n,
                    items,
                )
        # a total minus the shown rows of a table, rows pooled over every account and format
        totals = [o for o in self.seen if o.label.startswith("全体（")]
        tables: dict[tuple[str, str], dict[str, Obs]] = {}
        for o in self.seen:
            if not o.label.startswith("全体（"):
                release = o.where.split("'release': ")[-1].split(",")[0].split("}")[0]
                tables.setdefault((release, o.table), {})[o.label] = o
        for total in totals:
            for (_, caption), rows in tables.items():
                if sum(r.n for r in rows.values()) == total.n - 1:
                    yield (
                        f"{total.where} minus the rows of {caption}",
                        total.current * total.n - sum(r.current * r.n for r in rows.values()),
                        total.target * total.n - sum(r.target * r.n for r in rows.values()),
                        None,
                    )

    def recovered(self, *targets) -> list[str]:
        found = []
        for how, current, target, items in self.estimates():
            for t in targets:
                if abs(current - t["current"]) <= TOLERANCE_MEAN:
                    found.append(f"{how}: current mean {current:.2f}")
                if abs(target - t["target"]) <= TOLERANCE_MEAN and abs(current - t["current"]) <= 1:
                    found.append(f"{how}: target mean {target:.2f}")
                for item_id, (cur, tgt) in (items or {}).items():
                    true_cur, true_tgt = t["items"][item_id]
                    if cur is not None and abs(cur - true_cur) <= TOLERANCE_ITEM:
                        found.append(f"{how}: item {item_id} current {cur:.2f}")
                    if (
                        tgt is not None
                        and abs(tgt - true_tgt) <= TOLERANCE_ITEM
                        and (cur is not None and abs(cur - true_cur) <= 1)
                    ):
                        found.append(f"{how}: item {item_id} target {tgt:.2f}")
        return found


def _others(submitted, count, prefecture=FUKUOKA, start=0, **fields):
    return [submitted(prefecture, other_current(start + j), 3, **fields) for j in range(count)]


def _attacker(bureau_client) -> Attacker:
    return Attacker({"kyushu": bureau_client("kyushu"), "national": bureau_client("national")})


def test_the_attack_recovers_the_company_without_the_rules(
    submitted, release, bureau_client, monkeypatch
):
    """Negative control: with every non-empty cell published (the rules switched off), the same
    attacker recovers the target from the same pages. So the tests below would catch a leak."""
    from app.reports import releases

    monkeypatch.setattr(
        releases, "decide", lambda sizes, *_: frozenset(k for k, n in sizes.items() if n)
    )
    _others(submitted, 6)
    release()
    submitted(KAGOSHIMA, target_current, 5)
    release()
    attacker = _attacker(bureau_client)
    attacker.collect()
    found = attacker.recovered(truth(target_current))
    assert any("current mean" in f for f in found)
    assert sum("item" in f and "current" in f for f in found) >= len(ITEM_IDS)


def test_temporal_differencing_around_one_submission(submitted, release, bureau_client):
    """九州 has 6 companies; a 7th (alone in 鹿児島) submits; a release follows. Then five more
    companies submit in 福岡 and another release follows."""
    _others(submitted, 6)
    release()
    submitted(KAGOSHIMA, target_current, 5)
    release()
    attacker = _attacker(bureau_client)
    attacker.collect()
    assert attacker.recovered(truth(target_current)) == []
    # the 九州 and national totals were carried forward: same count, marked 前回公表値
    kyushu = [
        o for o in attacker.seen if o.where.startswith("page kyushu") and o.label.startswith("全体")
    ]
    assert {o.n for o in kyushu} == {6}

    _others(submitted, 5, start=6)
    release()
    attacker = _attacker(bureau_client)
    attacker.collect()
    assert attacker.recovered(truth(target_current)) == []
    assert attacker.visits > 20


def test_differencing_around_reopen_and_resubmit(submitted, resubmit, release, bureau_client):
    """The target is published among 11; it reopens (a release while it is a draft), then
    resubmits every answer changed (another release). Neither the old nor the new answers, nor
    whether it is counted, can be recovered."""
    _others(submitted, 6)
    target = submitted(KAGOSHIMA, target_current, 5)
    _others(submitted, 4, start=6)
    release()
    resubmit(target, changed_current, 5, submit=False)
    release()
    resubmit(target, changed_current, 5, submit=True)
    release()
    attacker = _attacker(bureau_client)
    attacker.collect()
    assert attacker.recovered(truth(target_current), truth(changed_current)) == []
    counts = {o.n for o in attacker.seen if o.label.startswith("全体") and "kyushu" in o.where}
    assert counts == {11}  # never 10 then 11: the reopen is not visible either


def test_region_minus_prefecture_rows_across_bureau_and_national_accounts(
    submitted, release, bureau_client
):
    """九州 = 6 in 福岡 + the target alone in 鹿児島. The 九州 account sees the region total;
    the national account sees every prefecture row: 福岡 must not be shown anywhere."""
    _others(submitted, 6)
    submitted(KAGOSHIMA, target_current, 5)
    release()
    attacker = _attacker(bureau_client)
    attacker.collect()
    assert attacker.recovered(truth(target_current)) == []
    labels = {(o.where.split(" ")[1], o.label) for o in attacker.seen}
    assert ("kyushu", "全体（35項目）") in labels  # the region itself is published
    assert not any(label == "福岡県" for _, label in labels)


def test_total_minus_other_filter_combinations(submitted, release, bureau_client):
    """九州 has 6 製造業 companies (小規模) and the target, 情報通信業 and a large company that
    also submitted the year before: every filter would isolate it by subtraction."""
    small = {"jsic": "E", "employees": 10, "capital_yen": 5_000_000}
    _others(submitted, 6, **small)
    target = submitted(
        KAGOSHIMA, target_current, 5, year=YEAR - 1, jsic="G", employees=900, capital_yen=10**10
    )
    submitted(KAGOSHIMA, target_current, 5, company=target)
    release()
    attacker = _attacker(bureau_client)
    attacker.collect()
    assert attacker.recovered(truth(target_current)) == []
    shown = {o.label for o in attacker.seen}
    assert "製造業" not in shown and "小規模企業者" not in shown and "初回提出の企業" not in shown
    kyushu = attacker.sessions["kyushu"]
    for query in ({"industry": "E"}, {"size": "small"}, {"cohort": "first"}, {"industry": "G"}):
        page = kyushu.get("reports.index", **query)  # the filter the page does not offer
        assert page.texts("p.suppressed") == [SUPPRESSED_TEXT], query
        assert page.select("table") == []


def test_repeated_downloads_return_the_same_figures(submitted, release, bureau_client):
    """No noise to average away, and nothing live to sample: every download of a release is the
    same, before and after further submissions."""
    _others(submitted, 6)
    release()
    session = bureau_client("kyushu")
    first = [session.client.get(session.url("reports.export_csv")).get_data() for _ in range(3)]
    submitted(KAGOSHIMA, target_current, 5)
    later = session.client.get(session.url("reports.export_csv")).get_data()
    assert len(set(first)) == 1 and later == first[0]
    xlsx = [
        xlsx_tables(session.client.get(session.url("reports.export_xlsx")).get_data())
        for _ in range(2)
    ]
    assert xlsx[0] == xlsx[1]
