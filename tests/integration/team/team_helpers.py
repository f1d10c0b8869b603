"""A company assessed as a team, built through the services, and helpers that post the team
pages the way a browser does."""

from app.assessments import services as questionnaire
from app.models import Membership
from app.team import services as team
from questionnaires import load_index
from tests.conftest import csrf_from

INDEX = load_index("2019-07")


def fill_answers(assessment, user, level=2, target=3):
    """The company's (consensus) answers, through the questionnaire's save."""
    questionnaire.confirm_profile(assessment)
    for step in INDEX.steps:
        values = {
            i: {"current": level, "target": target, "evidence": "", "action": ""}
            for i in step.item_ids
        }
        assert questionnaire.save_step(assessment, step, values, 0, user) is None


def join(db, company, user, role):
    db.session.add(Membership(company_id=company.id, user_id=user.id, role=role))
    db.session.commit()


def view_of(level, target=None, note=""):
    return {"current": level, "target": target if target is not None else level, "note": note}


def rate_all(assessment, participant, level, note="", target=None):
    """The participant's own view of every item, then submitted."""
    values = {
        item.id: view_of(level(item.id) if callable(level) else level, target, note)
        for item in INDEX.items
    }
    team.save_view(assessment, participant, values)
    team.submit_view(assessment, participant)


def view_payload(step, page, current, target, note="", nav="next"):
    data = {"csrf_token": csrf_from(page), "nav": nav}
    for item_id in step.item_ids:
        data[f"item-{item_id}-current"] = str(current)
        data[f"item-{item_id}-target"] = str(target)
        data[f"item-{item_id}-note"] = note
    return data


def post_form(client, page_url, url, data=None):
    page = client.get(page_url)
    return client.post(url, data={"csrf_token": csrf_from(page), **(data or {})})
