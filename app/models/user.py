from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, Integer, String
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow
from app.secret_box import decrypt, encrypt

ROLES = ("member", "advisor", "bureau", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member','advisor','bureau','admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16), default="member")
    organisation: Mapped[str | None] = mapped_column(String(200))
    bureau_code: Mapped[str | None] = mapped_column(String(32))
    is_disabled: Mapped[bool] = mapped_column(default=False)
    # Notification mails (comments, draft reminders); security mails are sent regardless.
    notify_by_mail: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    # UI language chosen with the header's switch ("ja" or "en"); None follows the browser.
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    # Bumped on logout, password change and disabling: every cookie carrying an older value is
    # rejected by the user loader, so sessions end on the server and not only in the browser.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Fernet token of the base32 TOTP secret (app/secret_box.py); read and write the
    # plaintext through the `totp_secret` property.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(255))
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan")

    @property
    def totp_secret(self) -> str | None:
        return decrypt(self.totp_secret_encrypted) if self.totp_secret_encrypted else None

    @totp_secret.setter
    def totp_secret(self, value: str | None) -> None:
        self.totp_secret_encrypted = encrypt(value) if value else None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled users
        return not self.is_disabled

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"
