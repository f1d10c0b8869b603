"""The company audit log as owners see it: newest first, 50 a page, events in Japanese."""

import math
import re
from dataclasses import dataclass

from app.extensions import db
from app.members.services import ROLE_LABELS
from app.models import AuditEvent, User

PER_PAGE = 50
_PAGE_NUMBER = re.compile(r"\A[0-9]{1,6}\Z")

# Every event code recorded anywhere (app.audit.record), so the log never shows a raw code; a
# test collects the codes from the source and fails when one is missing here.
EVENT_LABELS = {
    # the company and its questionnaire
    "company_saved": "会社情報を保存",
    "assessment_started": "診断を開始",
    "submit": "診断を提出",
    "reopen": "診断を再編集に戻す",
    "excel_imported": "Excelのブックから回答を読み込み",
    "comment_added": "コメントを投稿",
    "review_rating_saved": "支援者が項目を評価",
    "review_point_added": "支援者が指摘を投稿",
    "review_reply_added": "指摘に返信",
    "review_point_resolved": "指摘を解決済みに変更",
    # assessing as a team
    "team_started": "チームでの評価を開始",
    "team_stopped": "チームでの評価を終了",
    "team_participant_added": "チーム評価の参加者を追加",
    "team_participant_removed": "チーム評価の参加者を削除",
    "team_view_submitted": "参加者が自分の評価を提出",
    "team_consensus_set": "チームの合意した回答を保存",
    # 定量指標
    "kpi_created": "定量指標を作成",
    "kpi_updated": "定量指標を編集",
    "kpi_values_saved": "定量指標の実績を保存",
    "kpi_target_revised": "定量指標の目標を改定",
    "kpi_cycle_started": "定量指標の次のサイクルを開始",
    # members and advisors
    "invitation_created": "メンバーを招待",
    "invitation_revoked": "招待を取り消し",
    "invitation_accepted": "招待を承諾して参加",
    "invitation_refused": "招待リンクの使用を拒否",
    "member_role_changed": "メンバーの役割を変更",
    "member_removed": "メンバーを削除",
    "grant_created": "支援者にアクセス権を付与",
    "grant_changed": "支援者の権限を変更",
    "grant_revoked": "支援者のアクセス権を取り消し",
    # accounts and security
    "signup_requested": "新規登録を申請",
    "signup": "アカウントを作成",
    "signup_for_existing_account": "登録済みのアドレスで新規登録を申請",
    "login": "ログイン",
    "login_password_ok": "パスワードを確認（2段階認証へ）",
    "login_failed": "ログインに失敗",
    "login_throttled": "ログインを制限（試行回数の超過）",
    "login_2fa_failed": "2段階認証のコードが誤り",
    "logout": "ログアウト",
    "password_changed": "パスワードを変更",
    "password_change_failed": "パスワードの変更に失敗",
    "password_reset_requested": "パスワードの再設定を申請",
    "password_reset_sent": "パスワード再設定メールを送信",
    "password_reset": "パスワードを再設定",
    "totp_enabled": "2段階認証を有効化",
    "totp_disabled": "2段階認証を無効化",
    "totp_change_failed": "2段階認証の設定変更に失敗",
    "totp_cleared": "2段階認証を解除（管理者）",
    "recovery_codes_generated": "リカバリーコードを発行",
    "csrf_failure": "フォームの送信を拒否（有効期限切れ・不正なトークン）",
    "access_denied": "アクセスを拒否",
    "mail_failed": "メールの送信に失敗",
    "api_token_created": "APIトークンを発行",
    "api_token_revoked": "APIトークンを取り消し",
    "answers_saved": "回答を保存（API）",
    # administration and the bureau
    "user_created": "ユーザーを作成",
    "user_disabled": "ユーザーを無効化",
    "user_enabled": "ユーザーを有効化",
    "role_change": "アカウントの種類を変更",
    "two_factor_policy_changed": "2段階認証を必須とする役割を変更",
    "export": "集計データを出力",
}
SCOPE_LABELS = {"read": "閲覧のみ", "comment": "閲覧とコメント"}
REFUSAL_LABELS = {
    "unknown": "無効なリンク",
    "used": "使用済み",
    "revoked": "取り消し済み",
    "expired": "期限切れ",
    "other_email": "別のメールアドレスのアカウント",
    "not_member_role": "企業ユーザー以外のアカウント",
    "already_member": "既にメンバー",
}


@dataclass(frozen=True)
class EventRow:
    at: object
    label: str
    email: str | None
    ip: str | None
    summary: str


@dataclass(frozen=True)
class EventPage:
    rows: list[EventRow]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(raw: str | None) -> int:
    """A 1-based page number; anything that is not a plain positive number means page 1."""
    if raw is None or not _PAGE_NUMBER.match(raw):
        return 1
    return max(1, int(raw))


def company_events(company_id: int, raw_page: str | None) -> EventPage:
    total = db.session.scalar(
        db.select(db.func.count(AuditEvent.id)).where(AuditEvent.company_id == company_id)
    )
    pages = max(1, math.ceil(total / PER_PAGE))
    number = min(page_number(raw_page), pages)
    rows = db.session.execute(
        db.select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.company_id == company_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PER_PAGE)
        .offset((number - 1) * PER_PAGE)
    ).all()
    return EventPage(
        rows=[
            EventRow(
                at=event.at,
                label=EVENT_LABELS.get(event.event, event.event),
                email=email,
                ip=event.ip,
                summary=summarise(event.event, event.details or {}),
            )
            for event, email in rows
        ],
        number=number,
        pages=pages,
        total=total,
    )


def summarise(event: str, d: dict) -> str:
    """One short line of plain text about what changed (escaped by the template)."""
    role = ROLE_LABELS.get(d.get("role"), "")
    if event in ("invitation_created", "invitation_accepted"):
        return f"{d.get('email', '')}（{role}）"
    if event in ("invitation_revoked", "member_removed"):
        return f"{d.get('email', '')}{f'（{role}）' if role else ''}"
    if event == "invitation_refused":
        return REFUSAL_LABELS.get(d.get("reason"), "")
    if event == "member_role_changed":
        before = ROLE_LABELS.get(d.get("from"), "")
        after = ROLE_LABELS.get(d.get("to"), "")
        return f"{d.get('email', '')}: {before} → {after}"
    if event in ("grant_created", "grant_changed", "grant_revoked"):
        return f"{d.get('email', '')}（{SCOPE_LABELS.get(d.get('scope'), '')}）"
    if event in ("submit", "assessment_started") and d.get("fiscal_year"):
        return f"{d['fiscal_year']}年度"
    if event == "comment_added" and d.get("fiscal_year"):
        return f"{d['fiscal_year']}年度の診断"
    if event.startswith("review_") and d.get("fiscal_year"):
        level = d.get("level")
        rated = f"（評価 {level}）" if event == "review_rating_saved" and level is not None else ""
        return f"{d['fiscal_year']}年度の診断 項目{d.get('item_id', '')}{rated}"
    if event == "reopen" and d.get("revision"):
        return f"提出済みの内容を第{d['revision']}版として保存"
    if event == "kpi_created" and d.get("name"):
        return str(d["name"])
    if event == "kpi_values_saved":
        counts = (("added", "追加"), ("changed", "変更"), ("removed", "削除"))
        return "、".join(f"{label} {d[key]}件" for key, label in counts if d.get(key))
    return ""
