"""「PDFで保存」: the results report rendered on the server (WeasyPrint), read back with pypdf."""

from io import BytesIO

from pypdf import PdfReader

from app.assessments import services as assessment_services
from app.comments import services as comment_services
from questionnaires import load_index
from tests.integration.kpi_helpers import make_indicator, submitted_assessment, this_fiscal_year

INDEX = load_index("2019-07")
PDF = "assessments.report_pdf"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    # Text extraction of CJK can put line breaks or spaces inside a phrase: compare without them.
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def fonts_of(response) -> set[str]:
    reader = PdfReader(BytesIO(response.data))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for d in descendants:
                d = d.get_object()
                if "/FontDescriptor" in d:
                    desc = d["/FontDescriptor"].get_object()
                    if any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                        names.add(str(d["/BaseFont"]))
    return names


def test_pdf_has_company_items_levels_evidence_kpis_and_comments(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    # Last year with evidence typed for item 1; this year submitted after it.
    assessment = submitted_assessment(company, owner, fy, lambda i: (2, 4) if i == "1" else (1, 3))
    step = INDEX.step(INDEX.item("1").step_id)
    assessment_services.reopen(assessment, assessment.version, owner)
    values = {
        i: {"current": 2 if i == "1" else 1, "target": 4 if i == "1" else 3,
            "evidence": "経営会議の議事録で確認した" if i == "1" else "",
            "action": "全社ビジョンを年度内に文書化する" if i == "1" else ""}
        for i in step.item_ids
    }  # fmt: skip
    versions = assessment_services.step_versions(assessment)
    assert assessment_services.save_step(assessment, step, values, versions[step.id], owner) is None
    assert assessment_services.submit(assessment, assessment.version, owner)
    make_indicator(company, owner, name="顧客データ活用率")
    comment_services.add_comment(assessment, owner, "経営層で結果を共有しました")

    response = client.get(f"/assessments/{assessment.id}/report.pdf")
    text = pdf_text(response)
    assert company.name.replace(" ", "") in text
    assert f"{fy}年度DX推進指標自己診断結果" in text
    for item in INDEX.items:  # every item's Japanese title
        assert item.title.replace(" ", "").replace("\u3000", "") in text, item.title
    assert "経営会議の議事録で確認した" in text
    assert "全社ビジョンを年度内に文書化する" in text
    assert "顧客データ活用率" in text
    assert "経営層で結果を共有しました" in text
    assert f"{fy}年度に設定した目標" in text
    # The download is named, and the Japanese fonts are embedded (not just referenced).
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="dx-self-assessment-{fy}.pdf"')
    assert "filename*=UTF-8''" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    assert any("NotoSansCJK" in n.replace("-", "") for n in fonts_of(response)), fonts_of(response)


def test_pdf_of_a_year_edited_again_shows_the_last_submitted_version(client, db, owner_company):
    owner, company = owner_company
    assessment = submitted_assessment(company, owner, this_fiscal_year(), lambda i: (3, 4))
    assert assessment_services.reopen(assessment, assessment.version, owner)
    text = pdf_text(client.get(f"/assessments/{assessment.id}/report.pdf"))
    assert "第1版・再編集中のため前回提出した内容" in text
    assert "3（" in text  # the kept levels, with their names


def test_pdf_before_any_submission_redirects_to_review(client_request, db, owner_company):
    from tests.integration.member_helpers import draft_assessment

    owner, company = owner_company
    draft = draft_assessment(company, owner, year=this_fiscal_year())
    page = client_request.get(PDF, assessment_id=draft.id, _expected_status=302)
    assert page.location.endswith(f"/assessments/{draft.id}/review")


def test_another_companys_pdf_is_not_found(
    client_request, db, owner_company, make_user, make_company
):
    other_owner = make_user(email="other@example.jp")
    other = make_company(other_owner, name="他社株式会社")
    theirs = submitted_assessment(other, other_owner, this_fiscal_year(), lambda i: (1, 2))
    client_request.get(PDF, assessment_id=theirs.id, _expected_status=404)


def test_results_page_links_the_pdf(client_request, db, owner_company):
    owner, company = owner_company
    assessment = submitted_assessment(company, owner, this_fiscal_year(), lambda i: (1, 2))
    page = client_request.get("assessments.results", assessment_id=assessment.id)
    link = page.soup.find("a", string="PDFで保存")
    assert link is not None and link["href"] == f"/assessments/{assessment.id}/report.pdf"
