"""Helpers for the year-over-year tests: answer, submit and reopen years through the service
layer, read the changes the pages display (parsed with BeautifulSoup), and recompute them
independently from the stored score cards (raw JSON rows, not the app's comparison code)."""

from decimal import ROUND_HALF_UP, Decimal

from bs4 import BeautifulSoup

from app.assessments import services
from app.extensions import db
from app.models import Assessment, AssessmentRevision
from questionnaires import DEFAULT_VERSION, load_index

INDEX = load_index(DEFAULT_VERSION)
ITEM_IDS = [item.id for item in INDEX.items]
FRAMEWORK_OF_NAME = {f.name: f.id for f in INDEX.frameworks}
OVERALL_LABEL = f"全{len(INDEX.items)}項目"  # the results page names the overall row by the count
IT_IDS = [i.id for i in INDEX.items if i.framework_id == "it"]
MGMT_IDS = [i.id for i in INDEX.items if i.framework_id == "mgmt"]


# --- driving the years -------------------------------------------------------------------------


def start_year(company, user, year):
    return services.start_assessment(
        company, year, user, prefill=False, index_version=DEFAULT_VERSION
    )


def save_answers(assessment, user, levels: dict[str, tuple[int, int]]) -> None:
    """Store every item's (current, target) in a draft, step by step, as the forms would."""
    db.session.refresh(assessment)
    if assessment.profile_confirmed_at is None:
        services.confirm_profile(assessment)
    versions = services.step_versions(assessment)
    for step in INDEX.steps:
        values = {
            i: {"current": levels[i][0], "target": levels[i][1], "evidence": "", "action": ""}
            for i in step.item_ids
        }
        assert services.save_step(assessment, step, values, versions.get(step.id, 0), user) is None


def submit_year(assessment, user) -> None:
    db.session.refresh(assessment)
    assert services.submit(assessment, assessment.version, user)


def reopen_year(assessment, user) -> None:
    db.session.refresh(assessment)
    assert services.reopen(assessment, assessment.version, user)


# --- independent recomputation ------------------------------------------------------------------


def fmt_mean(value) -> str:
    """Two decimals, half away from zero on the decimal form (written here, not imported)."""
    if value is None:
        return "—"
    d = Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format(d if d != 0 else abs(d), ".2f")


def fmt_change(value) -> str:
    if value is None:
        return "比較不可"
    if isinstance(value, int):
        return f"{value:+d}"
    d = Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format(d if d != 0 else abs(d), "+.2f")


def _diff(a, b):
    return None if a is None or b is None else a - b


def stored_cards(company_id) -> dict[int, dict]:
    """{year: {"scores", "index_version", "reopened", "revision"}} from the raw rows."""
    result = {}
    for a in db.session.scalars(db.select(Assessment).where(Assessment.company_id == company_id)):
        if a.status == "submitted":
            result[a.fiscal_year] = {
                "scores": a.scores,
                "index_version": a.index_version,
                "reopened": False,
                "revision": None,
            }
            continue
        revisions = db.session.scalars(
            db.select(AssessmentRevision)
            .where(AssessmentRevision.assessment_id == a.id)
            .order_by(AssessmentRevision.number.desc())
        ).all()
        if revisions:
            result[a.fiscal_year] = {
                "scores": revisions[0].scores,
                "index_version": revisions[0].index_version,
                "reopened": True,
                "revision": revisions[0].number,
            }
    return result


def expected_changes(company_id) -> dict[int, dict]:
    """For every year with a submitted version (a reopened year is shown by its last one):
    the compared year and each displayed change, as text."""
    db.session.expire_all()
    cards = stored_cards(company_id)
    expected = {}
    for year, this in cards.items():
        earlier = [y for y in cards if y < year]
        if not earlier:
            expected[year] = None
            continue
        prev_year = max(earlier)
        prev = cards[prev_year]
        same = prev["index_version"] == this["index_version"]
        now, before = this["scores"], prev["scores"]

        def mean_change(kind, key, now=now, before=before, same=same):
            if not same:
                return "比較不可"
            n = now["overall"] if kind == "overall" else now[kind][key]
            b = before["overall"] if kind == "overall" else before[kind].get(key)
            return fmt_change(_diff(n["current_mean"], b["current_mean"] if b else None))

        expected[year] = {
            "previous_year": prev_year,
            "change_label": "前年度比" if prev_year == year - 1 else f"{prev_year}年度比",
            "compared_label": "前年度" if prev_year == year - 1 else f"{prev_year}年度",
            "reopened": prev["reopened"],
            "revision": prev["revision"],
            "overall": mean_change("overall", None),
            "previous_overall": fmt_mean(before["overall"]["current_mean"]) if same else "—",
            "frameworks": {k: mean_change("frameworks", k) for k in now["frameworks"]},
            "groups": {k: mean_change("groups", k) for k in now["groups"]},
            "items": {
                k: fmt_change(_diff(v["current"], before["items"][k]["current"]))
                if same
                else "比較不可"
                for k, v in now["items"].items()
            },
        }
    return expected


# --- reading the pages --------------------------------------------------------------------------


def _table(soup, heading: str):
    section = next(s for s in soup.select("section.panel") if s.h2 and s.h2.text == heading)
    table = section.find("table")
    headers = [th.get_text(" ", strip=True) for th in table.thead.find_all("th")]
    rows = {}
    for tr in table.tbody.find_all("tr"):
        cells = [tr.th.get_text(" ", strip=True)] + [
            td.get_text(" ", strip=True) for td in tr.find_all("td")
        ]
        rows[cells[0]] = dict(zip(headers, cells, strict=True))
    return headers, rows


def displayed_changes(html: str) -> dict:
    """Every change the results page shows, with the labels it gives the compared year."""
    soup = BeautifulSoup(html, "html.parser")
    tile = soup.select_one(".score-tile").select_one(".change")  # the current-level tile
    fw_headers, fw_rows = _table(soup, "全体・枠組み別")
    _, group_rows = _table(soup, "キークエスチョン別")
    item_headers, item_rows = _table(soup, "項目別")
    change_col = fw_headers[6]
    compared_col = fw_headers[5]
    note = soup.select_one(".comparison-note")
    return {
        "tile": tile.get_text(" ", strip=True) if tile else None,
        "change_label": change_col,
        "compared_col": compared_col,
        "item_change_label": item_headers[5],
        "note": note.get_text(strip=True) if note else None,
        "overall": fw_rows[OVERALL_LABEL][change_col],
        "previous_overall": fw_rows[OVERALL_LABEL][compared_col],
        "frameworks": {
            FRAMEWORK_OF_NAME[label]: row[change_col]
            for label, row in fw_rows.items()
            if label in FRAMEWORK_OF_NAME
        },
        "groups": {label.split()[0]: row[change_col] for label, row in group_rows.items()},
        "items": {label.split()[0]: row[item_headers[5]] for label, row in item_rows.items()},
    }


def year_table_changes(html: str, heading: str, column: str) -> dict[int, str]:
    """{year: text} of a page table that lists years (dashboard, progress page)."""
    soup = BeautifulSoup(html, "html.parser")
    section = next(s for s in soup.select("section.panel") if s.h2 and s.h2.text == heading)
    table = section.find("table")
    if table is None:  # no year listed yet
        return {}
    headers = [th.get_text(" ", strip=True) for th in table.thead.find_all("th")]
    col = headers.index(column)
    result = {}
    for tr in table.tbody.find_all("tr"):
        cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        result[int(cells[0].removesuffix("年度"))] = cells[col]
    return result
