"""Individual views are never the company's answers (issue 17): a company assessed as a team,
whose participants rated every item far from the agreed answers, gets exactly the results,
score snapshot, exports and API answers of a twin company with the same answers and no team.
The participants' levels and notes appear in none of them."""

import io
import json

from openpyxl import load_workbook

from app.api.tokens import create_token
from app.assessments import services as questionnaire
from app.team import services as team
from tests.integration.team.team_helpers import INDEX, fill_answers, join, rate_all
from tests.pages import Page

NOTE = "個人の見解だけに書いたメモ"


def _twins(db, make_user, make_company, owner_with_assessment):
    owner, company, teamed = owner_with_assessment
    twin_company = make_company(owner, name="双子株式会社")
    twin = questionnaire.start_assessment(
        twin_company, 2026, owner, prefill=False, index_version="2019-07"
    )
    for assessment in (teamed, twin):
        fill_answers(assessment, owner, level=2, target=3)
    team.start(teamed, owner)
    for n, (perspective, level) in enumerate((("executive", 5), ("it_dept", 0))):
        user = make_user(email=f"p{n}@example.jp")
        join(db, company, user, "viewer")
        participant = team.add_participant(
            teamed, user.id, perspective, [s.id for s in INDEX.steps], owner
        )
        rate_all(teamed, participant, level, note=NOTE, target=level)
    for assessment in (teamed, twin):
        assert questionnaire.submit(assessment, assessment.version, owner)
    return owner, company, teamed, twin_company, twin


def _workbook_cells(response):
    book = load_workbook(io.BytesIO(response.get_data()))
    return [
        [c for c in row] for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
    ]


def test_results_scores_exports_and_api_read_only_the_consensus(
    client, db, make_user, make_company, owner_with_assessment
):
    owner, company, teamed, twin_company, twin = _twins(
        db, make_user, make_company, owner_with_assessment
    )
    db.session.refresh(teamed)
    db.session.refresh(twin)
    assert teamed.scores == twin.scores  # the snapshot taken at submit
    assert (teamed.scores["overall"]["current_mean"], teamed.scores["overall"]["target_mean"]) == (
        2.0,
        3.0,
    )

    results = [Page(client.get(f"/assessments/{a.id}/results")) for a in (teamed, twin)]
    for page in results:
        assert page.status_code == 200 and NOTE not in page.html
    cells = [page.texts("table td") for page in results]
    assert cells[0] == cells[1] and cells[0]

    books = [
        _workbook_cells(client.get(f"/assessments/{a.id}/export.xlsx")) for a in (teamed, twin)
    ]
    flat = [
        [c for row in book for c in row if c not in (company.name, twin_company.name)]
        for book in books
    ]
    assert flat[0] == flat[1]
    assert NOTE not in json.dumps(flat[0], default=str)

    histories = [
        client.get(f"/companies/{c.id}/history.json").get_json() for c in (company, twin_company)
    ]
    for history in histories:
        assert NOTE not in json.dumps(history, ensure_ascii=False)
    answers = [
        json.dumps(h.get("years", h), sort_keys=True, ensure_ascii=False, default=str)
        for h in histories
    ]
    assert answers[0].count('"current": 2') == answers[1].count('"current": 2') > 0
    assert '"current": 5' not in answers[0] and '"current": 0' not in answers[0]

    token = create_token(owner, "check", None).secret
    headers = {"Authorization": "Bearer " + token}
    api = client.get(f"/api/v1/assessments/{teamed.id}", headers=headers)
    assert api.status_code == 200
    body = api.get_json()
    assert NOTE not in json.dumps(body, ensure_ascii=False)
    levels = {(a["current"], a["target"]) for a in body["answers"]}
    assert levels == {(2, 3)}
    scores = client.get(f"/api/v1/assessments/{teamed.id}/scores", headers=headers).get_json()
    twin_scores = client.get(f"/api/v1/assessments/{twin.id}/scores", headers=headers).get_json()
    own = ("assessment_id", "id", "links", "submitted_at")  # differ between any two years
    assert {k: v for k, v in scores.items() if k not in own} == {
        k: v for k, v in twin_scores.items() if k not in own
    }
