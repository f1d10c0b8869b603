"""The company audit log as owners see it: newest first, 50 a page, events in Japanese."""

import math
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext, lazy_pgettext, pgettext

from app.extensions import db
from app.members.services import ROLE_LABELS
from app.models import AuditEvent, User

PER_PAGE = 50
_PAGE_NUMBER = re.compile(r"\A[0-9]{1,6}\Z")

# Every event code recorded anywhere (app.audit.record), so the log never shows a raw code; a
# test collects the codes from the source and fails when one is missing here.
# Labels whose Japanese is also a button or heading elsewhere (ログイン: "Log in" there, "Signed
# in" here) carry the context "audit log": both catalogues share one domain, so without it one
# English text would replace the other.
EVENT_LABELS = {
    # the company and its questionnaire
    "company_saved": lazy_gettext("会社情報を保存"),
    "assessment_started": lazy_gettext("診断を開始"),
    "submit": lazy_gettext("診断を提出"),
    "reopen": lazy_gettext("診断を再編集に戻す"),
    "excel_imported": lazy_gettext("Excelのブックから回答を読み込み"),
    "comment_added": lazy_pgettext("audit log", "コメントを投稿"),
    "review_rating_saved": lazy_gettext("支援者が項目を評価"),
    "review_point_added": lazy_gettext("支援者が指摘を投稿"),
    "review_reply_added": lazy_gettext("指摘に返信"),
    "review_point_resolved": lazy_gettext("指摘を解決済みに変更"),
    "review_point_reopened": lazy_gettext("解決済みの指摘を未解決に戻す"),
    # assessing as a team
    "team_started": lazy_gettext("チームでの評価を開始"),
    "team_stopped": lazy_gettext("チームでの評価を終了"),
    "team_participant_added": lazy_gettext("チーム評価の参加者を追加"),
    "team_participant_invited": lazy_gettext("チーム評価の参加者を招待"),
    "team_participant_removed": lazy_gettext("チーム評価の参加者を削除"),
    "team_view_submitted": lazy_gettext("参加者が自分の評価を提出"),
    "team_consensus_set": lazy_gettext("チームの合意した回答を保存"),
    # 定量指標
    "kpi_created": lazy_gettext("定量指標を作成"),
    "kpi_updated": lazy_gettext("定量指標を編集"),
    "kpi_values_saved": lazy_gettext("定量指標の実績を保存"),
    "kpi_target_revised": lazy_gettext("定量指標の目標を改定"),
    "kpi_cycle_started": lazy_gettext("定量指標の次のサイクルを開始"),
    # members and advisors
    "invitation_created": lazy_gettext("メンバーを招待"),
    "invitation_revoked": lazy_gettext("招待を取り消し"),
    "invitation_accepted": lazy_gettext("招待を承諾して参加"),
    "invitation_refused": lazy_gettext("招待リンクの使用を拒否"),
    "member_role_changed": lazy_gettext("メンバーの役割を変更"),
    "member_removed": lazy_gettext("メンバーを削除"),
    "grant_created": lazy_gettext("支援者にアクセス権を付与"),
    "grant_changed": lazy_gettext("支援者の権限を変更"),
    "grant_revoked": lazy_gettext("支援者のアクセス権を取り消し"),
    # accounts and security
    "signup_requested": lazy_gettext("新規登録を申請"),
    "signup": lazy_gettext("アカウントを作成"),
    "signup_for_existing_account": lazy_gettext("登録済みのアドレスで新規登録を申請"),
    "login": lazy_pgettext("audit log", "ログイン"),
    "login_password_ok": lazy_gettext("パスワードを確認（2段階認証へ）"),
    "login_failed": lazy_gettext("ログインに失敗"),
    "login_throttled": lazy_gettext("ログインを制限（試行回数の超過）"),
    "login_2fa_failed": lazy_gettext("2段階認証のコードが誤り"),
    "logout": lazy_pgettext("audit log", "ログアウト"),
    "password_changed": lazy_gettext("パスワードを変更"),
    "password_change_failed": lazy_gettext("パスワードの変更に失敗"),
    "password_reset_requested": lazy_gettext("パスワードの再設定を申請"),
    "password_reset_sent": lazy_gettext("パスワード再設定メールを送信"),
    "password_reset": lazy_gettext("パスワードを再設定"),
    "totp_enabled": lazy_gettext("2段階認証を有効化"),
    "totp_disabled": lazy_gettext("2段階認証を無効化"),
    "totp_change_failed": lazy_gettext("2段階認証の設定変更に失敗"),
    "totp_cleared": lazy_gettext("2段階認証を解除（管理者）"),
    "recovery_codes_generated": lazy_gettext("リカバリーコードを発行"),
    "csrf_failure": lazy_gettext("フォームの送信を拒否（有効期限切れ・不正なトークン）"),
    "access_denied": lazy_gettext("アクセスを拒否"),
    "mail_failed": lazy_gettext("メールの送信に失敗"),
    "api_token_created": lazy_gettext("APIトークンを発行"),
    "api_token_revoked": lazy_gettext("APIトークンを取り消し"),
    "answers_saved": lazy_gettext("回答を保存（API）"),
    # administration and the bureau
    "user_created": lazy_pgettext("audit log", "ユーザーを作成"),
    "user_disabled": lazy_gettext("ユーザーを無効化"),
    "user_enabled": lazy_gettext("ユーザーを有効化"),
    "role_change": lazy_gettext("アカウントの種類を変更"),
    "two_factor_policy_changed": lazy_gettext("2段階認証を必須とする役割を変更"),
    "export": lazy_gettext("集計データを出力"),
    "index_version_loaded": lazy_gettext("指標の版を読み込み"),
    "index_version_default_set": lazy_gettext("新しい診断の既定の版を変更"),
    "index_version_activated": lazy_gettext("指標の版を有効化"),
    "index_version_deactivated": lazy_gettext("指標の版を停止"),
    "index_mapping_loaded": lazy_gettext("版の対応表を読み込み"),
    "report_released": lazy_gettext("集計レポートを公表"),
    "report_checked": lazy_gettext("公表済みの集計を現在の回答と照合"),
}
SCOPE_LABELS = {"read": lazy_gettext("閲覧のみ"), "comment": lazy_gettext("閲覧とコメント")}
REFUSAL_LABELS = {
    "unknown": lazy_gettext("無効なリンク"),
    "used": lazy_gettext("使用済み"),
    "revoked": lazy_gettext("取り消し済み"),
    "expired": lazy_gettext("期限切れ"),
    "other_email": lazy_gettext("別のメールアドレスのアカウント"),
    "not_member_role": lazy_gettext("企業ユーザー以外のアカウント"),
    "already_member": lazy_gettext("既にメンバー"),
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
                label=str(EVENT_LABELS.get(event.event, event.event)),
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
        return _("%(email)s（%(role)s）", email=d.get("email", ""), role=role)
    if event in ("invitation_revoked", "member_removed"):
        if not role:
            return d.get("email", "")
        return _("%(email)s（%(role)s）", email=d.get("email", ""), role=role)
    if event == "invitation_refused":
        return str(REFUSAL_LABELS.get(d.get("reason"), ""))
    if event == "member_role_changed":
        before = ROLE_LABELS.get(d.get("from"), "")
        after = ROLE_LABELS.get(d.get("to"), "")
        return f"{d.get('email', '')}: {before} → {after}"
    if event in ("grant_created", "grant_changed", "grant_revoked"):
        scope = SCOPE_LABELS.get(d.get("scope"), "")
        return _("%(email)s（%(role)s）", email=d.get("email", ""), role=scope)
    if event in ("submit", "assessment_started") and d.get("fiscal_year"):
        return _("%(year)s年度", year=d["fiscal_year"])
    if event == "comment_added" and d.get("fiscal_year"):
        return _("%(year)s年度の診断", year=d["fiscal_year"])
    if event.startswith("review_") and d.get("fiscal_year"):
        level = d.get("level")
        if event == "review_rating_saved" and level is not None:
            return _(
                "%(year)s年度の診断 項目%(item)s（評価 %(level)s）",
                year=d["fiscal_year"],
                item=d.get("item_id", ""),
                level=level,
            )
        return _(
            "%(year)s年度の診断 項目%(item)s", year=d["fiscal_year"], item=d.get("item_id", "")
        )
    if event == "reopen" and d.get("revision"):
        return _("提出済みの内容を第%(revision)s版として保存", revision=d["revision"])
    if event == "kpi_created" and d.get("name"):
        return str(d["name"])
    if event == "kpi_values_saved":
        counts = (
            ("added", pgettext("audit log", "追加")),
            ("changed", pgettext("audit log", "変更")),
            ("removed", pgettext("audit log", "削除")),
        )
        parts = [
            _("%(label)s %(count)s件", label=label, count=d[key])
            for key, label in counts
            if d.get(key)
        ]
        return _("、").join(parts)
    return ""
