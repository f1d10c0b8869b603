"""The admin page of bureau report releases: publish for a fiscal year and index version (the
bureau page then shows it), the list with date, who, companies and cell counts, the check
against live answers, bad input refused with nothing stored, every action audited."""

import pytest

from app.models import AuditEvent, ReleaseCell, ReportRelease
from tests.integration.reports.conftest import YEAR


@pytest.fixture()
def admin(client_request):
    return client_request.login_as("admin", display_name="管理 花子")


def _events(db, name):
    return [
        e.details
        for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)
        )
    ]


def _five(submitted):
    for level in (1, 2, 3, 4, 5):
        submitted("13", level, 5)


def test_publish_lists_and_shows_the_release_to_the_bureau(
    client_request, admin, db, submitted, bureau_client
):
    _five(submitted)
    page = client_request.get("admin.releases")
    assert page.h1 == "集計の公表"
    assert page.field_value("index_version") == "2019-07"
    done = client_request.post(
        "admin.releases",
        _data={"fiscal_year": str(YEAR), "index_version": "2019-07"},
        _follow_redirects=True,
        _expected_status=200,
    )
    release = db.session.scalar(db.select(ReportRelease))
    assert (release.fiscal_year, release.companies, release.released_by_id) == (YEAR, 5, admin.id)
    assert done.flashes("success") == [
        f"{YEAR}年度（指標 2019-07）の集計を公表しました（公表回 {release.id}、5社）。"
    ]
    rows = done.table("table.releases")
    assert rows[0][:5] == ["公表回", "年度・版", "公表日時（UTC）", "公表者", "企業数"]
    published = db.session.scalar(
        db.select(db.func.count(ReleaseCell.id)).where(
            ReleaseCell.status == "published", ~ReleaseCell.cell_key.startswith("panel|")
        )
    )
    assert published > 0
    row = rows[1]
    assert row[0] == str(release.id) and row[1] == f"{YEAR}年度 2019-07"
    assert row[3:6] == ["管理 花子", "5", str(published)]
    assert _events(db, "report_released") == [
        {"release": release.id, "fiscal_year": YEAR, "index_version": "2019-07", "companies": 5}
    ]
    tiles = bureau_client().get("reports.index").select(".score-tile .value")
    assert tiles[0].get_text() == "5"


def test_check_compares_with_live_answers_and_is_audited(
    client_request, admin, db, submitted, resubmit
):
    _five(submitted)
    client_request.post(
        "admin.releases", _data={"fiscal_year": str(YEAR), "index_version": "2019-07"}
    )
    release = db.session.scalar(db.select(ReportRelease))
    checked = client_request.post(
        "admin.release_check",
        release_id=release.id,
        _from="admin.releases",
        _follow_redirects=True,
        _expected_status=200,
    )
    (message,) = checked.flashes("success")
    assert (
        message.startswith(f"公表回 {release.id}: ") and "0区分は公表後に提出が変わって" in message
    )
    (details,) = _events(db, "report_checked")
    assert details["release"] == release.id and details["differences"] == 0
    assert details["compared"] > 0 and details["changed"] == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fiscal_year": "", "index_version": "2019-07"}, "年度"),
        ({"fiscal_year": "20x5", "index_version": "2019-07"}, "年度"),
        ({"fiscal_year": "1999", "index_version": "2019-07"}, "年度"),
        ({"fiscal_year": "2025", "index_version": "no-such"}, "指標の版"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_published(client_request, admin, db, data, message):
    page = client_request.post("admin.releases", _data=data, _expected_status=400)
    errors = page.error_summary()
    assert errors and any(message in e for e in errors), errors
    assert db.session.scalar(db.select(db.func.count(ReportRelease.id))) == 0
    assert _events(db, "report_released") == []


def test_check_needs_csrf_and_an_existing_release(client_request, admin, client, db):
    client_request.post(
        "admin.release_check", release_id=1, _from="admin.releases", _expected_status=404
    )
    client_request.post("admin.releases", _data={"fiscal_year": "2025", "index_version": "2019-07"})
    release = db.session.scalar(db.select(ReportRelease))
    assert client.post(f"/admin/releases/{release.id}/check").status_code == 400
    assert _events(db, "report_checked") == []
