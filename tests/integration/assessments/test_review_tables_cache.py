"""The review page's answers tables are drawn once per key of their rows and kept
(app/assessments/cache.review_tables). After each change of what a table shows (levels,
evidence, action and a target below the current level saved; another language; a viewer
without the edit links; another assessment in the same state; an advisor's rating and point)
the tables are the ones drawn without the cache, on the first request after the change (a miss)
and on the next (a hit). Runs on the 3-item, 2-step test index."""

import pytest

from app.assessments import cache, services
from app.models import ItemRating, ReviewComment
from tests.integration.helpers import step_payload
from tests.integration.member_helpers import sign_in_as_new_viewer

SETTING = "REVIEW_TABLE_CACHE_SIZE"


def _tables(page) -> list[str]:
    tables = [str(section) for section in page.select("section.panel") if section.select("table")]
    assert tables
    return tables


@pytest.fixture()
def tables_both_ways(app, client_request):
    """The review page's tables without the cache, then twice with it: all three the same."""

    def get(**values) -> list[str]:
        app.config[SETTING] = 0
        try:
            uncached = _tables(client_request.get("assessments.review", **values))
        finally:
            app.config[SETTING] = cache.REVIEW_TABLE_DEFAULT_SIZE
        first = _tables(client_request.get("assessments.review", **values))
        again = _tables(client_request.get("assessments.review", **values))
        assert first == uncached, f"{values}: not the uncached tables"
        assert again == uncached, f"{values}: not the uncached tables (hit)"
        return uncached

    app.extensions.pop(cache.REVIEW_TABLES, None)
    yield get
    app.extensions.pop(cache.REVIEW_TABLES, None)


def save(client_request, assessment, step, current, target, **texts):
    where = {"assessment_id": assessment.id, "step_id": step.id}
    page = client_request.get("assessments.step", **where)
    data = step_payload(step, current, target, page=page, nav="goto:review")
    for item_id in step.item_ids:
        for part, text in texts.items():
            data[f"item-{item_id}-{part}"] = text
    client_request.post("assessments.step", _data=data, _expected_status=302, **where)


def test_the_tables_follow_every_change(
    db, client, login, make_user, client_request, tables_both_ways, owner_with_tiny_assessment
):
    owner, company, assessment = owner_with_tiny_assessment
    index = services.index_of(assessment)
    first, second = index.steps
    review = {"assessment_id": assessment.id}
    seen = [tables_both_ways(**review)]

    def changed(tables, step):
        """Another table of ``step`` than any seen before."""
        position = [s.id for s in index.steps].index(step.id)
        assert all(tables[position] != earlier[position] for earlier in seen)
        seen.append(tables)
        return tables

    save(client_request, assessment, first, 2, 4)  # answered
    changed(tables_both_ways(**review), first)
    save(client_request, assessment, first, 3, 4)  # the levels
    changed(tables_both_ways(**review), first)
    save(client_request, assessment, first, 3, 4, evidence="会議録 <b>2025</b>")  # evidence
    tables = changed(tables_both_ways(**review), first)
    assert "会議録 &lt;b&gt;2025&lt;/b&gt;" in tables[0]
    save(client_request, assessment, first, 3, 4, evidence="会議録", action="研修を始める")
    tables = changed(tables_both_ways(**review), first)
    assert "研修を始める" in tables[0]
    save(client_request, assessment, first, 4, 2, evidence="会議録")  # a target below current
    tables = changed(tables_both_ways(**review), first)
    assert 'class="warn-row"' in tables[0]
    save(client_request, assessment, second, 1, 2)  # the other step
    changed(tables_both_ways(**review), second)
    # another language
    english = changed(tables_both_ways(**review, lang="en"), first)
    assert english != tables_both_ways(**review, lang="ja")

    # another assessment of the company with the same answers: its own links
    other = services.start_assessment(
        company, assessment.fiscal_year - 1, owner, prefill=False, index_version=index.version_id
    )
    save(client_request, other, first, 4, 2, evidence="会議録")
    save(client_request, other, second, 1, 2)
    mine, theirs = tables_both_ways(**review), tables_both_ways(assessment_id=other.id)
    assert mine[0] != theirs[0] and f"/assessments/{other.id}/" in theirs[0]

    # an advisor's rating and review point: the item's cell, drawn live
    advisor = make_user(role="advisor", email="adv@example.jp", display_name="支援 花子")
    item = first.item_ids[0]
    db.session.add(ItemRating(assessment_id=assessment.id, item_id=item, advisor_id=advisor.id))
    db.session.commit()
    rated = changed(tables_both_ways(**review), first)
    assert "支援者 評価なし" in rated[0]
    db.session.add(
        ReviewComment(assessment_id=assessment.id, item_id=item, author_id=advisor.id, body="x")
    )
    db.session.commit()
    assert "指摘 1件（未解決 1）" in changed(tables_both_ways(**review), first)[0]

    # a viewer: the same tables without the steps' edit links
    editor = tables_both_ways(assessment_id=other.id)
    sign_in_as_new_viewer(db, client, login, make_user, company.id)
    reader = tables_both_ways(assessment_id=other.id)
    assert reader != editor
    assert "このステップを修正" in editor[0] and "このステップを修正" not in reader[0]


def test_the_store_is_bounded(app, client_request, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    app.extensions.pop(cache.REVIEW_TABLES, None)
    app.config[SETTING] = 1
    try:
        client_request.get("assessments.review", assessment_id=assessment.id)
        assert len(app.extensions[cache.REVIEW_TABLES]) == 1  # of the 2 steps' tables
    finally:
        app.config[SETTING] = cache.REVIEW_TABLE_DEFAULT_SIZE
        app.extensions.pop(cache.REVIEW_TABLES, None)
