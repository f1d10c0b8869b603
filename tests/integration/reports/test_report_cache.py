"""Rendered reports are kept per (scope, release, filter, locale, format) (app/reports/cache.py):
a repeated request reads no cell, every account sees only its own scope's rendering, a new
release is a new key, and the cached page and downloads equal freshly rendered ones."""

from sqlalchemy import event

from app.reports.cache import report_cache
from tests.integration.reports.conftest import page_tables


def _five_in_kanto(submitted):
    for level in (1, 2, 3):
        submitted("13", level, 4)
    for level in (2, 4):
        submitted("11", level, 5)


def _statements(db, fn):
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen


def test_second_request_reads_no_cell_and_shows_the_same(
    app, db, submitted, release, bureau_client
):
    _five_in_kanto(submitted)
    release()
    report_cache().clear()
    session = bureau_client()
    first = _statements(db, lambda: session.get("reports.index"))
    page = session.get("reports.index")
    second = _statements(db, lambda: session.get("reports.index"))
    assert any("release_cells" in s for s in first)
    assert not any("release_cells" in s for s in second)
    assert page_tables(page) == page_tables(session.get("reports.index"))
    report_cache().clear()
    assert page_tables(session.get("reports.index")) == page_tables(page)


def test_each_scope_gets_its_own_rendering(app, submitted, release, bureau_client):
    _five_in_kanto(submitted)
    release()
    report_cache().clear()
    national, kanto, kinki = (
        bureau_client("national"),
        bureau_client("kanto"),
        bureau_client("kinki"),
    )
    headings = {}
    for name, session in (("national", national), ("kanto", kanto), ("kinki", kinki)):
        for _ in range(2):  # the second time from the cache
            headings.setdefault(name, set()).add(
                session.get("reports.index").select_one("h1").get_text()
            )
    assert headings["national"] == {"集計レポート（全国）"}
    assert headings["kanto"] == {"集計レポート（関東経済産業局）"}
    assert headings["kinki"] == {"集計レポート（近畿経済産業局）"}
    keys = list(report_cache()._entries)
    assert sorted(k[0] for k in keys) == ["kanto", "kinki", "national"]
    # the same download twice is the same bytes, and another scope's differs
    csv = [kanto.client.get(kanto.url("reports.export_csv")).get_data() for _ in range(2)]
    other = national.client.get(national.url("reports.export_csv")).get_data()
    assert csv[0] == csv[1] != other


def test_a_new_release_is_a_new_key(app, submitted, release, bureau_client):
    _five_in_kanto(submitted)
    release()
    session = bureau_client()
    tiles = session.get("reports.index").select(".score-tile .value")
    assert tiles[0].get_text() == "5"
    for level in (1, 3, 5, 2, 4):
        submitted("14", level, 5)
    release()
    page = session.get("reports.index")
    assert page.select(".score-tile .value")[0].get_text() == "10"
    assert len(page.select("select#release option")) == 2


def test_locale_is_part_of_the_key(app, submitted, release, bureau_client):
    _five_in_kanto(submitted)
    release()
    session = bureau_client()
    japanese = session.get("reports.index").select_one("h1").get_text()
    english = session.get("reports.index", lang="en").select_one("h1").get_text()
    assert japanese == "集計レポート（関東経済産業局）"
    assert english.startswith("Aggregate reports")


def test_cache_off(app, db, submitted, release, bureau_client, monkeypatch):
    _five_in_kanto(submitted)
    release()
    monkeypatch.setattr(report_cache(), "max_bytes", 0)
    report_cache().clear()
    session = bureau_client()
    session.get("reports.index")
    again = _statements(db, lambda: session.get("reports.index"))
    assert any("release_cells" in s for s in again)
    assert len(report_cache()) == 0


def test_downloads_are_streamed_and_kept_only_when_they_fit(app, submitted, release, bureau_client):
    _five_in_kanto(submitted)
    release()
    report_cache().clear()
    session = bureau_client()
    for endpoint in ("reports.export_csv", "reports.export_xlsx"):
        fresh = session.client.get(session.url(endpoint))
        # a generator response: no length known before the last piece is written
        assert "Content-Length" not in fresh.headers
        body = fresh.get_data()
        kept = session.client.get(session.url(endpoint))
        assert "Content-Length" not in kept.headers
        assert kept.get_data() == body
    assert len(report_cache()) == 2
    store = report_cache()
    store.clear()
    store.max_bytes, limit = 64, store.max_bytes  # smaller than either file
    try:
        csv = session.client.get(session.url("reports.export_csv")).get_data()
        assert csv.startswith("\ufeff".encode()) and len(csv) > 64
        assert len(store) == 0  # streamed whole, not kept
    finally:
        store.max_bytes = limit
