"""The company audit log as owners see it: newest first, 50 a page, events in Japanese."""

import math
import re
from dataclasses import dataclass

from app.extensions import db
from app.members.services import ROLE_LABELS
from app.models import AuditEvent, User

PER_PAGE = 50
_PAGE_NUMBER = re.compile(r"\A[0-9]{1,6}\Z")

EVENT_LABELS = {
    "company_saved": "会社情報を保存",
    "assessment_started": "診断を開始",
    "submit": "診断を提出",
    "reopen": "診断を再編集に戻す",
    "invitation_created": "メンバーを招待",
    "invitation_revoked": "招待を取り消し",
    "invitation_accepted": "招待を承諾して参加",
    "invitation_refused": "招待リンクの使用を拒否",
    "member_role_changed": "メンバーの役割を変更",
    "member_removed": "メンバーを削除",
    "grant_created": "支援者にアクセス権を付与",
    "grant_changed": "支援者の権限を変更",
    "grant_revoked": "支援者のアクセス権を取り消し",
    "comment_added": "コメントを投稿",
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
    return ""
