"""Sums of levels stored at submit time (app/reports/submission_sums.py): the row submit writes
equals the database's sums of the answers (and the hand-computed ones), a reopen makes it stale
and a resubmit replaces it, and a release build never reads a stale, missing or re-laid-out
row: it computes that assessment's sums from the answers and stores them. `flask reports
check-sums` finds a row that disagrees with its answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Assessment, ReleaseCell, SubmissionPartSums
from app.reports import part_sums
from app.reports.packing import ItemLevels, packed_sums_query
from app.reports.submission_sums import Layout
from tests.integration.reports.conftest import INDEX, YEAR

TOKYO = "13"
LAYOUT = Layout.of(INDEX)
# the sums, then the items' level words (the shipped index has them: 35 items)
SUMS = ("all_cs", "all_cn", "all_ts", "all_tn", "cs", "cn", "ts", "tn")
SUMS += ("cl0", "cl1", "tl0", "tl1")


def _level(item_id: str) -> int:
    return sum(map(ord, item_id)) % 6  # a different level per item, 0..5


def _assessment(company, year=YEAR) -> Assessment:
    return next(a for a in company.assessments if a.fiscal_year == year)


def _stored(assessment_id: int):
    return db.session.get(SubmissionPartSums, assessment_id)


def _from_answers(assessment_id: int) -> dict[str, int]:
    row = (
        db.session.execute(
            packed_sums_query(LAYOUT.packing, LAYOUT.item_levels, Assessment.id == assessment_id)
        )
        .one()
        ._mapping
    )
    return {name: row[name] for name in SUMS}


def _overall(assessment_id: int) -> tuple[int, int, int, int]:
    """(current sum, count, target sum, count) over the index's items as a build reads it."""
    sums = part_sums.fill(YEAR, INDEX.version_id, INDEX)
    try:
        row = db.session.execute(
            select(*sums.columns("overall")).where(sums.assessment_id == assessment_id)
        ).one()
        return tuple(row)
    finally:
        sums.drop()


def test_submit_stores_the_sums_the_database_computes_from_the_answers(submitted):
    companies = [
        submitted(TOKYO, _level, lambda item: min(5, _level(item) + 1)),
        submitted(TOKYO, 5, 5),  # every field at its largest
        submitted(TOKYO, 0, 0),
        submitted(TOKYO, (1, 4), (2, 5)),
    ]
    for company in companies:
        assessment = _assessment(company)
        row = _stored(assessment.id)
        assert row is not None
        assert row.submission == assessment.version
        assert row.layout == LAYOUT.fingerprint
        assert {name: getattr(row, name) for name in SUMS} == _from_answers(assessment.id)
    items = len(INDEX.items)
    assert _overall(_assessment(companies[1]).id) == (5 * items, items, 5 * items, items)
    # level 5 is stored as 6 in every item's 3-bit field: 20 items in word 0, 15 in word 1
    row = _stored(_assessment(companies[1]).id)
    assert row.cl0 == sum(6 << 3 * k for k in range(20))
    assert row.cl1 == sum(6 << 3 * k for k in range(15))
    row = _stored(_assessment(companies[2]).id)  # level 0 is 1, so an answer is never 0
    assert row.tl1 == sum(1 << 3 * k for k in range(15))


def test_reopen_makes_the_row_stale_and_resubmit_replaces_it(submitted, resubmit):
    company = submitted(TOKYO, 1, 2)
    before = _assessment(company).version
    resubmit(company, None, None, submit=False)  # reopened: a draft
    db.session.expire_all()
    assessment = _assessment(company)
    assert _stored(assessment.id).submission == before != assessment.version  # stale
    resubmit(company, 3, 5)  # answers changed, submitted again
    db.session.expire_all()
    assessment = _assessment(company)
    row = _stored(assessment.id)
    assert row.submission == assessment.version
    assert {name: getattr(row, name) for name in SUMS} == _from_answers(assessment.id)
    items = len(INDEX.items)
    assert _overall(assessment.id) == (3 * items, items, 5 * items, items)


@pytest.mark.parametrize("damage", ["stale", "missing", "other layout"])
def test_a_build_never_reads_a_row_that_is_not_current(submitted, damage):
    company = submitted(TOKYO, 2, 4)
    assessment_id = _assessment(company).id
    table = SubmissionPartSums.__table__
    if damage == "missing":
        db.session.execute(table.delete().where(table.c.assessment_id == assessment_id))
    else:
        # wrong sums, for an older submission or another packing: a build must not trust them
        changes = {name: 7 for name in SUMS}
        changes |= {"submission": 1} if damage == "stale" else {"layout": "0" * 40}
        db.session.execute(
            update(table).where(table.c.assessment_id == assessment_id).values(changes)
        )
    db.session.commit()
    items = len(INDEX.items)
    assert _overall(assessment_id) == (2 * items, items, 4 * items, items)
    db.session.expire_all()
    row = _stored(assessment_id)  # the build stored the current row
    assert row.submission == _assessment(company).version
    assert row.layout == LAYOUT.fingerprint
    assert {name: getattr(row, name) for name in SUMS} == _from_answers(assessment_id)


def test_check_sums_command_finds_a_row_that_disagrees_with_its_answers(submitted, app):
    companies = [submitted(TOKYO, level, 5) for level in (1, 2, 3)]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "check-sums"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 of 3 stored submission sums equal the answers")
    damaged = _assessment(companies[1]).id
    table = SubmissionPartSums.__table__
    db.session.execute(
        update(table).where(table.c.assessment_id == damaged).values(cs=table.c.cs + 1)
    )
    db.session.commit()
    result = runner.invoke(args=["reports", "check-sums"])
    assert result.exit_code != 0
    assert result.output.startswith("2 of 3 stored")
    assert f"1 differ (assessment ids): {damaged}" in result.output


@pytest.mark.parametrize("chunk", [5000, 2])
def test_rebuild_sums_command_stores_every_missing_row(submitted, app, monkeypatch, chunk):
    """``chunk``: stale ids recomputed per statement (2: three statements for the five)."""
    from app.reports import submission_sums

    monkeypatch.setattr(submission_sums, "_REFRESH_CHUNK", chunk)
    companies = [submitted(TOKYO, level, 5) for level in (1, 4, 0, 5, 2)]
    table = SubmissionPartSums.__table__
    db.session.execute(table.delete())  # as right after the upgrade that added the table
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "rebuild-sums"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("5 submitted assessments have current sums")
    db.session.expire_all()
    for company in companies:
        assessment = _assessment(company)
        row = _stored(assessment.id)
        assert row.submission == assessment.version
        assert {name: getattr(row, name) for name in SUMS} == _from_answers(assessment.id)
    assert runner.invoke(args=["reports", "check-sums"]).output.startswith("5 of 5 stored")


def test_item_figures_are_the_same_from_the_level_words_and_from_the_answers(
    submitted, release, monkeypatch
):
    """The release's level counts per item come from the stored level words
    (app/reports/item_counts.py); an index too wide for them is counted from the answers
    (GROUP BY). Both give the same figures for every published cell."""
    for k in range(6):
        submitted(TOKYO, lambda item, k=k: (_level(item) + k) % 6, 5)
    for level in (0, 2, 5, 3, 1):
        submitted("27", level, (level, 5))
    with_words = release()
    monkeypatch.setattr(ItemLevels, "of", classmethod(lambda cls, _index: None))
    from_answers = release()  # nothing changed: every cell published again, counted anew
    assert _figures(from_answers) == _figures(with_words)
    cells = _figures(with_words)
    assert {"all", "p:13", "p:27"} <= set(cells)
    first = INDEX.items[0].id
    assert cells["p:27"]["items"][first]["levels"] == [1, 1, 1, 1, 0, 1]


def _figures(release_id: int) -> dict:
    rows = db.session.execute(
        select(ReleaseCell.cell_key, ReleaseCell.figures).where(
            ReleaseCell.release_id == release_id,
            ReleaseCell.status == "published",
            ReleaseCell.cell_key.not_like("%:%|%"),  # the main cells (not panel or indicators)
        )
    )
    return dict(rows.all())


def test_release_check_compares_with_the_answers_not_with_the_stored_sums(submitted, release, app):
    """A stored row that looks current but is wrong is what the release reads; `flask reports
    check` recomputes from the answers themselves, so it reports the cells it made wrong."""
    companies = [submitted(TOKYO, level, 5) for level in (1, 2, 3, 4, 5)]
    table = SubmissionPartSums.__table__
    damaged = _assessment(companies[0]).id
    db.session.execute(
        update(table).where(table.c.assessment_id == damaged).values(all_cs=table.c.all_cs + 35)
    )
    db.session.commit()
    release_id = release()
    result = app.test_cli_runner().invoke(args=["reports", "check", "--release", str(release_id)])
    assert result.exit_code != 0
    assert "differ from the live query" in result.output
    assert "p:13" in result.output.split("differ from the live query:")[1].split(", ")
