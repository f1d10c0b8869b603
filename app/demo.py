"""Demo data for `make run`: a company with the last two years' submitted assessments and three
quantitative indicators, its members, an advisor it granted access to, a staff account of its
regional bureau, a national (本省) account, and an administrator; plus made-up peer companies
(デモ企業…, no members) and a published bureau report release of both years, so the bureau
pages show figures (a release needs at least five companies per cell)."""

from app.advisors.services import grant_access
from app.assessments import services
from app.auth.users import create_user
from app.companies.fiscal import fiscal_year_of, today_jst
from app.extensions import db
from app.kpis import services as kpi_services
from app.kpis.forms import IndicatorInput
from app.kpis.value_types import parse_value
from app.models import Company, Membership
from app.reports.cells import NATIONAL
from app.reports.releases import create_release
from questionnaires import DEFAULT_VERSION, load_index, reference

DEMO_PASSWORD = "sakura-demo-passphrase"  # noqa: S105 - documented demo credential, dev only
DEMO_ACCOUNTS = (
    ("owner@demo.example", "member", "山田 太郎（オーナー）"),
    ("editor@demo.example", "member", "佐藤 花子（編集者）"),
    ("viewer@demo.example", "member", "鈴木 一郎（閲覧者）"),
    ("advisor@demo.example", "advisor", "高橋 美咲（支援者）"),
    ("bureau@demo.example", "bureau", "伊藤 健（経済産業局）"),
    ("national@demo.example", "bureau", "中村 誠（本省・全国）"),
    ("admin@demo.example", "admin", "渡辺 直子（管理者）"),
)
ADVISOR_ORGANISATION = "さくら地域支援センター"
COMPANY_PREFECTURE = "13"  # 東京都; the bureau account belongs to this prefecture's bureau


def seed_demo() -> list[str]:
    bureau_code = reference.bureau_for_prefecture(COMPANY_PREFECTURE).code
    users = {
        email: create_user(
            email,
            DEMO_PASSWORD,
            role=role,
            display_name=name,
            organisation=ADVISOR_ORGANISATION if role == "advisor" else None,
            bureau_code=_bureau_of(email, role, bureau_code),
        )
        for email, role, name in DEMO_ACCOUNTS
    }
    company = Company(
        name="さくら精機株式会社",
        corporate_number="7123456789012",
        prefecture_code=COMPANY_PREFECTURE,
        jsic_division="E",
        sme_sector="manufacturing_and_other",
        employees=120,
        capital_yen=50_000_000,
        fiscal_year_start_month=4,
    )
    db.session.add(company)
    for email, role in (
        ("owner@demo.example", "owner"),
        ("editor@demo.example", "editor"),
        ("viewer@demo.example", "viewer"),
    ):
        db.session.add(Membership(company=company, user_id=users[email].id, role=role))
    db.session.commit()

    owner = users["owner@demo.example"]
    grant_access(company, "advisor@demo.example", "comment", owner)  # read + comment; commits
    this_year = fiscal_year_of(today_jst(), company.fiscal_year_start_month)
    for year, lift in ((this_year - 2, 0), (this_year - 1, 1)):
        _submit_assessment(company, owner, year, lift)
    _seed_indicators(company, owner, first_year=this_year - 2)
    _seed_peers(owner, this_year)
    for year in (this_year - 2, this_year - 1):
        create_release(year, DEFAULT_VERSION, users["admin@demo.example"])
    return [f"demo account: {email} / {DEMO_PASSWORD}" for email, _, _ in DEMO_ACCOUNTS]


def _bureau_of(email: str, role: str, regional: str) -> str | None:
    if role != "bureau":
        return None
    return NATIONAL if email.startswith("national@") else regional


# Made-up peers: (prefecture, JSIC division, employees, submitted two years ago too). Tokyo's
# continue from two years ago (the panel); Kanagawa's submit for the first time last year.
DEMO_PEERS = (
    *(("13", "E", 40 + 30 * k, True) for k in range(5)),
    *(("14", "G", 15 + 20 * k, False) for k in range(5)),
    *(("27", "E", 60 + 25 * k, True) for k in range(5)),
)


def _seed_peers(owner, this_year: int) -> None:
    for n, (prefecture, jsic, employees, earlier) in enumerate(DEMO_PEERS, start=1):
        peer = Company(
            name=f"デモ企業{n:02d}（架空）",
            prefecture_code=prefecture,
            jsic_division=jsic,
            sme_sector="manufacturing_and_other",
            employees=employees,
            capital_yen=30_000_000,
            fiscal_year_start_month=4,
        )
        db.session.add(peer)
        db.session.commit()
        if earlier:
            _submit_assessment(peer, owner, this_year - 2, n % 2, shift=n)
        _submit_assessment(peer, owner, this_year - 1, 1 + n % 2, shift=n)
        _seed_peer_indicators(peer, owner, n, first_year=this_year - 2)


def _submit_assessment(company, owner, year: int, lift: int, shift: int = 0) -> None:
    """A submitted year; ``lift`` raises the current levels, so the second year shows progress;
    ``shift`` varies the levels between the made-up peers."""
    index = load_index(DEFAULT_VERSION)
    assessment = services.start_assessment(
        company, year, owner, prefill=False, index_version=DEFAULT_VERSION
    )
    services.confirm_profile(assessment)
    for n, step in enumerate(index.steps):
        values = {}
        for k, item_id in enumerate(step.item_ids):
            current = min(5, (n + k + shift) % 3 + lift * (k % 2))
            values[item_id] = {
                "current": current,
                "target": min(5, (n + k + shift) % 3 + 2),
                "evidence": "デモデータ",
                "action": "",
            }
        services.save_step(assessment, step, values, 0, owner)
    services.submit(assessment, assessment.version, owner)


# (example id, name, definition, value type, unit, scale, baseline, target, actual next year)
DEMO_INDICATORS = (
    ("QI-02", "DX人材（事業）の数", "DX推進室の所属者と社内研修の修了者の合計（年度末）",
     "people", "人", None, "3", "15", "6"),
    (None, "受注処理の電子化率", "受注件数のうちEDI・Web受注で処理した件数の割合（年度合計）",
     "percent", "%", None, "20", "80", "35"),
    ("QI-05", "データ鮮度（売上データ）", "売上データの締め（確定）処理の頻度",
     "ordered", None, ["リアルタイム", "日次", "週次", "月次"], "月次", "日次", "週次"),
)  # fmt: skip


def _seed_indicator(company, owner, row, first_year: int, actual) -> None:
    """One of DEMO_INDICATORS for ``company``, with the year after the baseline's actual
    (``actual``, a text; None: not entered)."""
    example, name, definition, kind, unit, scale, base, target, _ = row
    indicator = kpi_services.create_indicator(
        company,
        IndicatorInput(
            name=name,
            definition=definition,
            value_type=kind,
            unit=unit,
            scale=scale,
            direction="higher",
            baseline_year=first_year,
            baseline_value=parse_value(base, kind, scale),
            target_year=first_year + 3,
            target_value=parse_value(target, kind, scale),
            example_id=example,
        ),
        owner,
    )
    if actual is not None:
        values = {first_year + 1: parse_value(actual, kind, scale)}
        kpi_services.save_values(indicator, values, owner)


def _seed_indicators(company, owner, first_year: int) -> None:
    for row in DEMO_INDICATORS:
        _seed_indicator(company, owner, row, first_year, actual=row[-1])


# Peers' indicators for the bureau report's indicator table (ids as in DEMO_PEERS, 1-based):
# Tokyo's chose QI-02 like the demo company and have an own one too, Kanagawa's only an own
# one; (which of DEMO_INDICATORS, actual of the year after the baseline or None: not entered),
# so the statuses differ.
PEER_INDICATORS = {
    **{
        n: ((0, qi02), (1, own))
        for n, qi02, own in (
            (1, "8", "50"),
            (2, "10", "20"),
            (3, "15", "80"),
            (4, "5", None),
            (5, None, "40"),
        )
    },
    **{n: ((1, own),) for n, own in enumerate(("45", "40", "30", None, None), start=6)},
}


def _seed_peer_indicators(peer, owner, n: int, first_year: int) -> None:
    for which, actual in PEER_INDICATORS.get(n, ()):
        _seed_indicator(peer, owner, DEMO_INDICATORS[which], first_year, actual)
