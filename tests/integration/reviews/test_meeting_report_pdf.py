"""The advisor's meeting report as a PDF: the same sections as the printable page, rendered on
the server (app/web/pdf.py), read back with pypdf; only for advisors the company granted."""

from io import BytesIO

from pypdf import PdfReader

from app.models import AdvisorGrant
from app.models._time import utcnow
from tests.integration.member_helpers import INDEX, submitted_assessment

ITEM = INDEX.steps[0].item_ids[0]


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    # CJK extraction may break a phrase with spaces or newlines: compare without them.
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_meeting_report_pdf_holds_the_client_scores_and_review(
    db, client_request, make_user, make_company
):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner, name="面談資料株式会社")
    submitted = submitted_assessment(company, owner, year=2025, level=2)
    advisor = make_user(role="advisor", email="adv@example.jp", display_name="支援 花子")
    db.session.add(AdvisorGrant(company_id=company.id, advisor_id=advisor.id, scope="comment"))
    db.session.commit()
    adv = client_request.new_session().login(advisor)
    where = {"assessment_id": submitted.id, "item_id": ITEM}
    item_page = adv.get("reviews.item", **where)
    adv.post("reviews.rate", _data={"level": "4"}, _from=item_page, **where)
    body = {"body": "根拠資料を次回拝見します"}
    adv.post("reviews.comment", _data=body, _from=item_page, **where)

    page = adv.get("advisors.client_report", company_id=company.id)
    link = page.soup.find("a", string="PDFで保存")
    assert link is not None and link["href"].endswith(f"/advisor/clients/{company.id}/report.pdf")

    response = adv.client.get(adv.url("advisors.client_report_pdf", company_id=company.id))
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response)
    assert "面談レポート" in text and "面談資料株式会社" in text
    assert INDEX.item(ITEM).title.replace(" ", "") in text
    assert "根拠資料を次回拝見します" in text


def test_meeting_report_pdf_needs_a_grant(db, client_request, make_user, make_company):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner, name="非公開株式会社")
    submitted_assessment(company, owner, year=2025, level=2)
    stranger = make_user(role="advisor", email="other@example.jp")
    session = client_request.new_session().login(stranger)
    url = session.url("advisors.client_report_pdf", company_id=company.id)
    assert session.client.get(url).status_code == 404
    grant = AdvisorGrant(company_id=company.id, advisor_id=stranger.id, scope="read")
    db.session.add(grant)
    db.session.commit()
    assert session.client.get(url).status_code == 200  # a read grant suffices
    grant.revoked_at = utcnow()
    db.session.commit()
    assert session.client.get(url).status_code == 404
