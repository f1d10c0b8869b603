"""Excel export and import through the pages: preview, apply once, all or nothing, refusals."""

import io
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from app.assessments import services as assessment_services
from app.exchange import services
from app.exchange import workbook as wbk
from app.models import (
    Answer,
    Assessment,
    AuditEvent,
    Company,
    ImportUpload,
    Membership,
    StepState,
    User,
)
from app.models._time import utcnow
from app.progress.comparison import year_comparisons
from tests.integration.kpi_helpers import this_fiscal_year
from tests.integration.member_helpers import INDEX, submitted_assessment
from tests.unit.test_exchange_workbook import storable

CORPORATE_NUMBER = "7010001008844"  # a valid check digit (国税庁's example number)


@pytest.fixture()
def world(make_user, make_company, client_request):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner, corporate_number=CORPORATE_NUMBER)
    client_request.login(owner)
    return owner, company


def answers_of(db, assessment_id) -> dict:
    rows = db.session.scalars(db.select(Answer).where(Answer.assessment_id == assessment_id))
    return {
        a.item_id: {
            "current": a.current_level,
            "target": a.target_level,
            "evidence": a.evidence,
            "action": a.action,
        }
        for a in rows
    }


def download(client_request, assessment_id) -> bytes:
    response = client_request.client.get(f"/assessments/{assessment_id}/export.xlsx")
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.get_data()


def upload(client_request, company_id, data: bytes, year: int, filename="book.xlsx"):
    hub = client_request.get("exchange.index", company_id=company_id)
    return client_request.client.post(
        f"/companies/{company_id}/import",
        data={
            "csrf_token": hub.csrf_token,
            "fiscal_year": str(year),
            "workbook": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def preview_and_apply(client_request, company_id, data, year):
    response = upload(client_request, company_id, data, year)
    assert response.status_code == 302, client_request.parse(response).error_summary()
    page = client_request.get_url(response.headers["Location"])
    apply_url = page.find("form", action=lambda a: a and a.endswith("/apply"))["action"]
    return (
        page,
        apply_url,
        client_request.client.post(apply_url, data={"csrf_token": page.csrf_token}),
    )


def edited(data: bytes, edit) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(item_id):
    return 2 + INDEX.item_ids.index(item_id)


def test_preview_lists_old_and_new_values_then_apply_writes_them(world, client_request, db):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )
    data = download(client_request, draft.id)

    def fill(wb):
        ws = wb[wbk.SHEET_ITEMS]
        ws.cell(row=row_of("1"), column=6).value = 2
        ws.cell(row=row_of("1"), column=7).value = 4
        ws.cell(row=row_of("4-3"), column=8).value = "評価制度の規程\n第3条"

    response = upload(client_request, company.id, edited(data, fill), fy)
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == 0  # not yet
    page = client_request.get_url(response.headers["Location"])
    assert page.h1 == "読み込みのプレビュー"
    rows = page.table("#changes")[1:]
    item_1 = INDEX.item("1").title
    item_43 = INDEX.item("4-3").title
    assert rows == [
        [f"1 {item_1}", "現在", "（なし）", "2"],
        [f"1 {item_1}", "目標", "（なし）", "4"],
        [f"4-3 {item_43}", "根拠・エビデンス", "（なし）", "評価制度の規程 第3条"],
    ]
    apply_url = page.find("form", action=lambda a: a and a.endswith("/apply"))["action"]
    done = client_request.client.post(apply_url, data={"csrf_token": page.csrf_token})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/assessments/{draft.id}/review")
    stored = answers_of(db, draft.id)
    assert stored["1"]["current"] == 2 and stored["1"]["target"] == 4
    assert stored["4-3"]["evidence"] == "評価制度の規程\n第3条"
    assert len(stored) == len(INDEX.item_ids)  # every row of the export was imported
    # The import counts as a save of every step: open tabs get the conflict page.
    assert db.session.scalar(
        db.select(db.func.count()).select_from(StepState).where(StepState.assessment_id == draft.id)
    ) == len(INDEX.steps)
    assert db.session.get(Assessment, draft.id).imported_at is None  # this year: not marked
    events = db.session.scalars(db.select(AuditEvent.event)).all()
    assert "excel_imported" in events


def test_a_second_click_on_apply_applies_once(world, client_request, db):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )

    def fill(wb):
        wb[wbk.SHEET_ITEMS].cell(row=row_of("2"), column=6).value = 3

    data = edited(download(client_request, draft.id), fill)
    page, apply_url, first = preview_and_apply(client_request, company.id, data, fy)
    assert first.status_code == 302
    # Someone edits item 2 after the import; a replayed confirmation must not undo it.
    answer = db.session.scalar(
        db.select(Answer).where(Answer.assessment_id == draft.id, Answer.item_id == "2")
    )
    answer.current_level = 5
    db.session.commit()
    second = client_request.client.post(apply_url, data={"csrf_token": page.csrf_token})
    assert second.status_code == 302
    followed = client_request.get_url(second.headers["Location"])
    assert "この読み込みは既に反映されています。" in followed.flashes()
    assert answers_of(db, draft.id)["2"]["current"] == 5
    assert db.session.scalars(db.select(AuditEvent.event)).all().count("excel_imported") == 1


def test_an_answer_changed_after_the_preview_stops_the_apply(world, client_request, db):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )

    def fill(wb):
        wb[wbk.SHEET_ITEMS].cell(row=row_of("3"), column=6).value = 1

    response = upload(
        client_request, company.id, edited(download(client_request, draft.id), fill), fy
    )
    page = client_request.get_url(response.headers["Location"])
    db.session.add(Answer(assessment_id=draft.id, item_id="5", current_level=4, target_level=4))
    db.session.commit()
    apply_url = page.find("form", action=lambda a: a and a.endswith("/apply"))["action"]
    refused = client_request.parse(
        client_request.client.post(apply_url, data={"csrf_token": page.csrf_token})
    )
    assert refused.status_code == 409
    assert any("プレビューの後に回答が変更されました" in m for m in refused.error_summary())
    assert answers_of(db, draft.id) == {
        "5": {"current": 4, "target": 4, "evidence": "", "action": ""}
    }
    assert db.session.get(ImportUpload, apply_url.split("/")[-2]).applied_at is None


def test_an_earlier_year_is_created_marked_imported_and_counts_after_submit(
    world, client_request, db
):
    owner, company = world
    fy = this_fiscal_year()
    this_year = submitted_assessment(company, owner, year=fy, level=3)
    data = download(client_request, this_year.id)

    def as_last_year(wb):
        profile = wb[wbk.SHEET_PROFILE]
        for row in profile.iter_rows():
            if row[0].value == wbk.KEY_FISCAL_YEAR:
                row[1].value = fy - 1
        ws = wb[wbk.SHEET_ITEMS]
        for r in range(2, 2 + len(INDEX.item_ids)):
            ws.cell(row=r, column=6).value = 1

    page, _url, done = preview_and_apply(
        client_request, company.id, edited(data, as_last_year), fy - 1
    )
    assert "取込" in page.texts(".badge")
    assert done.status_code == 302
    earlier = db.session.scalar(
        db.select(Assessment).where(
            Assessment.company_id == company.id, Assessment.fiscal_year == fy - 1
        )
    )
    assert earlier.status == "draft" and earlier.imported_at is not None
    assert {a["current"] for a in answers_of(db, earlier.id).values()} == {1}
    dashboard = client_request.get("companies.dashboard", company_id=company.id)
    assert f"{fy - 1}年度 取込" in [row[0] for row in dashboard.table()[1:]]

    assessment_services.confirm_profile(earlier)
    assert assessment_services.submit(earlier, earlier.version, owner)
    comparison = year_comparisons(company.id)[fy]
    assert comparison.previous.fiscal_year == fy - 1
    assert comparison.delta.overall.current == pytest.approx(2.0)


def test_a_submitted_year_is_not_overwritten(world, client_request, db):
    owner, company = world
    fy = this_fiscal_year()
    done = submitted_assessment(company, owner, year=fy, level=2)
    before = answers_of(db, done.id)
    data = download(client_request, done.id)
    page = client_request.parse(upload(client_request, company.id, data, fy))
    assert page.status_code == 400
    assert any("提出済み" in m and "再編集" in m for m in page.error_summary())
    assert answers_of(db, done.id) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(ImportUpload)) == 0


def test_a_year_reopened_after_the_preview_was_taken_is_refused_at_apply(world, client_request, db):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )
    data = download(client_request, draft.id)
    response = upload(client_request, company.id, data, fy)
    page = client_request.get_url(response.headers["Location"])
    db.session.execute(
        db.update(Assessment).where(Assessment.id == draft.id).values(status="submitted")
    )
    db.session.commit()
    apply_url = page.find("form", action=lambda a: a and a.endswith("/apply"))["action"]
    refused = client_request.parse(
        client_request.client.post(apply_url, data={"csrf_token": page.csrf_token})
    )
    assert refused.status_code == 409
    assert any("提出済み" in m for m in refused.error_summary())
    assert answers_of(db, draft.id) == {}


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda wb: wb[wbk.SHEET_ITEMS].cell(row=3, column=6).__setattr__("value", 7), "3行目"),
        (lambda wb: wb[wbk.SHEET_ITEMS].merge_cells("B2:C2"), "結合"),
        (lambda wb: wb[wbk.SHEET_ITEMS].cell(row=4, column=7).__setattr__("value", "=A1"), "数式"),
    ],
)
def test_a_bad_row_writes_nothing_and_names_where(world, client_request, db, edit, words):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )
    page = client_request.parse(
        upload(client_request, company.id, edited(download(client_request, draft.id), edit), fy)
    )
    assert page.status_code == 400
    messages = page.error_summary()
    assert any(words in m and f"シート「{wbk.SHEET_ITEMS}」" in m for m in messages), messages
    assert db.session.scalar(db.select(db.func.count()).select_from(ImportUpload)) == 0
    assert answers_of(db, draft.id) == {}


def _set_profile(key, value):
    def edit(wb):
        for row in wb[wbk.SHEET_PROFILE].iter_rows():
            if row[0].value == key:
                row[1].value = value

    return edit


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (_set_profile(wbk.KEY_CORPORATE_NUMBER, "2180001022573"), "法人番号"),
        (_set_profile(wbk.KEY_INDEX_VERSION, "2026-02"), "指標の版が違います"),
        (_set_profile(wbk.KEY_FISCAL_YEAR, 2020), "2020年度のもの"),
    ],
)
def test_profile_mismatches_are_refused(world, client_request, db, edit, words):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )
    page = client_request.parse(
        upload(client_request, company.id, edited(download(client_request, draft.id), edit), fy)
    )
    assert page.status_code == 400
    messages = page.error_summary()
    assert any(words in m and f"シート「{wbk.SHEET_PROFILE}」" in m for m in messages), messages
    assert answers_of(db, draft.id) == {}


def test_not_a_workbook_and_a_macro_workbook_are_refused(world, client_request, db):
    _owner, company = world
    fy = this_fiscal_year()
    page = client_request.parse(upload(client_request, company.id, b"1,2,3\n", fy, "a.csv"))
    assert page.status_code == 400
    assert any(".xlsx" in m for m in page.error_summary())
    page = client_request.parse(upload(client_request, company.id, b"PK\x03\x04", fy, "a.xlsm"))
    assert any("マクロ" in m for m in page.error_summary())
    assert db.session.scalar(db.select(db.func.count()).select_from(Assessment)) == 0


def test_a_future_year_is_refused(world, client_request, db):
    _owner, company = world
    page = client_request.parse(upload(client_request, company.id, b"PK", this_fiscal_year() + 1))
    assert page.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Assessment)) == 0


def test_a_body_over_the_request_limit_gets_413_and_writes_nothing(world, client_request, db):
    _owner, company = world
    big = b"PK" + b"\0" * (3 * 1024 * 1024)
    response = upload(client_request, company.id, big, this_fiscal_year())
    assert response.status_code == 413
    assert db.session.scalar(db.select(db.func.count()).select_from(ImportUpload)) == 0


def test_an_extra_file_field_is_refused(world, client_request, db):
    _owner, company = world
    hub = client_request.get("exchange.index", company_id=company.id)
    response = client_request.client.post(
        f"/companies/{company.id}/import",
        data={
            "csrf_token": hub.csrf_token,
            "fiscal_year": str(this_fiscal_year()),
            "workbook": (io.BytesIO(b"PK"), "a.xlsx"),
            "other": (io.BytesIO(b"x"), "b.txt"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_another_users_or_companys_token_is_404(world, client_request, db, make_user, make_company):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )
    response = upload(client_request, company.id, download(client_request, draft.id), fy)
    preview_url = response.headers["Location"]
    token = preview_url.rsplit("/", 1)[1]
    # Another editor of the same company cannot use the owner's token.
    editor = make_user(email="editor@example.jp")
    other = client_request.new_session()
    db.session.add(Membership(company_id=company.id, user_id=editor.id, role="editor"))
    db.session.commit()
    other.login(editor)
    other.get_url(preview_url, _expected_status=404)
    # The owner's token under another company of the owner's: 404 as well.
    second = make_company(owner, name="第二株式会社")
    client_request.get("exchange.preview", company_id=second.id, token=token, _expected_status=404)
    assert db.session.get(ImportUpload, token).applied_at is None


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texts=st.lists(st.tuples(storable, storable), min_size=3, max_size=3),
    levels=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=3, max_size=3),
)
def test_round_trip_export_then_import_gives_the_same_answers(
    make_user, make_company, client_request, db, texts, levels
):
    """Stored answers → .xlsx → import into a fresh draft of an earlier year: the same
    answers, character for character (emoji, CR LF, lone CR, escape look-alikes)."""
    db.session.rollback()
    for model in (ImportUpload, Answer, StepState, Assessment):
        db.session.execute(db.delete(model))
    db.session.commit()
    owner = db.session.scalar(db.select(User).where(User.email == "rt@example.jp"))
    if owner is None:
        owner = make_user(email="rt@example.jp")
        make_company(owner, corporate_number=CORPORATE_NUMBER)
        client_request.login(owner)
    company = db.session.scalar(db.select(Company))
    fy = this_fiscal_year()
    source = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )
    for item_id, (evidence, action), (current, target) in zip(
        ("1", "4-3", "9-6"), texts, levels, strict=True
    ):
        db.session.add(
            Answer(
                assessment_id=source.id,
                item_id=item_id,
                current_level=current,
                target_level=target,
                evidence=evidence,
                action=action,
            )
        )
    db.session.commit()
    expected = answers_of(db, source.id)
    data = edited(download(client_request, source.id), _set_profile(wbk.KEY_FISCAL_YEAR, fy - 1))
    _page, _url, done = preview_and_apply(client_request, company.id, data, fy - 1)
    assert done.status_code == 302
    target = db.session.scalar(db.select(Assessment).where(Assessment.fiscal_year == fy - 1))
    got = {k: v for k, v in answers_of(db, target.id).items() if k in expected}
    assert got == expected
    blank = {"current": None, "target": None, "evidence": "", "action": ""}
    others = {k: v for k, v in answers_of(db, target.id).items() if k not in expected}
    assert all(v == blank for v in others.values()) and len(others) == len(INDEX.item_ids) - 3


def test_an_expired_preview_is_gone_and_applies_nothing(world, client_request, db):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )
    response = upload(client_request, company.id, download(client_request, draft.id), fy)
    token = response.headers["Location"].rsplit("/", 1)[1]
    page = client_request.get_url(response.headers["Location"])
    stored = db.session.get(ImportUpload, token)
    stored.created_at = stored.created_at - services.UPLOAD_TTL - timedelta(minutes=1)
    db.session.commit()
    client_request.get_url(response.headers["Location"], _expected_status=404)
    apply_url = f"/companies/{company.id}/import/{token}/apply"
    gone = client_request.client.post(apply_url, data={"csrf_token": page.csrf_token})
    assert gone.status_code == 404
    assert answers_of(db, draft.id) == {}


def test_the_hourly_purge_deletes_old_imports_only(world, client_request, db, app):
    owner, company = world
    fy = this_fiscal_year()
    draft = assessment_services.start_assessment(
        company, fy, owner, prefill=False, index_version="2019-07"
    )
    data = download(client_request, draft.id)
    fresh = upload(client_request, company.id, data, fy).headers["Location"].rsplit("/", 1)[1]
    db.session.add(
        ImportUpload(
            id="expired-token",
            user_id=owner.id,
            company_id=company.id,
            fiscal_year=fy,
            index_version="2019-07",
            filename="x.xlsx",
            payload={"assessment_id": None, "items": []},
            created_at=utcnow() - services.UPLOAD_TTL - timedelta(minutes=1),
            applied_at=utcnow() - services.UPLOAD_TTL,
        )
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["stashes", "purge"])
    assert "purged 1 Excel imports" in result.output
    db.session.expire_all()
    assert set(db.session.scalars(db.select(ImportUpload.id))) == {fresh}
