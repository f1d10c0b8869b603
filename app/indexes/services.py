"""Index versions: load a version file into the database, list versions with their use, choose
the active versions and the default for new assessments. Each change owns its commit."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func

from app.audit import record
from app.extensions import db
from app.models import Assessment, AssessmentRevision, IndexMapping, IndexVersion
from app.models._time import utcnow
from questionnaires import Index, IndexDefinitionError, UnknownVersionError, load_index
from questionnaires.loader import (
    available_versions,
    definition_digest,
    packaged_versions,
    parse_definition,
)
from questionnaires.mapping import parse_mapping


class IndexVersionError(ValueError):
    """A refused change of index versions (the message is shown to the operator)."""


@dataclass(frozen=True)
class VersionRow:
    version_id: str
    index: Index | None  # None when a stored definition no longer loads
    packaged: bool
    active: bool
    is_default: bool
    assessments: int

    @property
    def status_label(self) -> str:
        return _("有効") if self.active else _("停止中")


def _row(version: str) -> IndexVersion | None:
    return db.session.get(IndexVersion, version)


def default_version() -> str:
    """The version of new assessments: the administrator's choice, else INDEX_VERSION."""
    chosen = db.session.scalar(
        db.select(IndexVersion.version_id).where(
            IndexVersion.is_default.is_(True), IndexVersion.active.is_(True)
        )
    )
    return default_from_choice(chosen)


def default_from_choice(chosen: str | None) -> str:
    """The default version, given the administrator's stored choice (None: never chosen)."""
    if chosen is not None and (chosen in packaged_versions() or chosen in available_versions()):
        return chosen  # (a packaged choice needs no look-up of the stored versions)
    return current_app.config["INDEX_VERSION"]


def _inactive() -> set[str]:
    return set(
        db.session.scalars(db.select(IndexVersion.version_id).where(IndexVersion.active.is_(False)))
    )


def active_versions() -> list[str]:
    """Versions a company may choose when it starts a year (the default always among them)."""
    inactive = _inactive()
    default = default_version()
    return [v for v in available_versions() if v not in inactive or v == default]


def usage_counts() -> dict[str, int]:
    rows = db.session.execute(
        db.select(Assessment.index_version, func.count(Assessment.id)).group_by(
            Assessment.index_version
        )
    )
    return {version: count for version, count in rows}


def _used(version: str) -> bool:
    if db.session.scalar(
        db.select(Assessment.id).where(Assessment.index_version == version).limit(1)
    ):
        return True
    return bool(
        db.session.scalar(
            db.select(AssessmentRevision.id)
            .where(AssessmentRevision.index_version == version)
            .limit(1)
        )
    )


def version_rows() -> list[VersionRow]:
    counts = usage_counts()
    inactive = _inactive()
    default = default_version()
    packaged = set(packaged_versions())
    rows = []
    for version in available_versions():
        try:
            index = load_index(version)
        except (IndexDefinitionError, UnknownVersionError):
            index = None
        rows.append(
            VersionRow(
                version_id=version,
                index=index,
                packaged=version in packaged,
                active=version not in inactive or version == default,
                is_default=version == default,
                assessments=counts.get(version, 0),
            )
        )
    return rows


def validate_definition(text: str, name: str) -> Index:
    """Every problem of a version file at once (IndexDefinitionError), nothing stored."""
    return parse_definition(text, name)


def load_definition(text: str, name: str, user=None) -> tuple[Index, str]:
    """Store a validated version file. Returns the index and what happened: ``loaded``,
    ``replaced`` (an unused stored version) or ``unchanged``. A malformed file, a packaged
    version id or a version already used by an assessment changes nothing."""
    index = parse_definition(text, name)
    version = index.version_id
    if version in packaged_versions():
        raise IndexVersionError(
            _(
                "版 %(version)s は同梱の定義ファイルです。別の version_id で読み込んでください。",
                version=version,
            )
        )
    digest = definition_digest(text)
    row = _row(version)
    if row is not None and row.digest == digest:
        return index, "unchanged"
    if row is not None and row.definition is not None and _used(version):
        raise IndexVersionError(
            _(
                "版 %(version)s は診断で使われているため変更できません。"
                "改訂は新しい version_id の版として読み込んでください。",
                version=version,
            )
        )
    outcome = "replaced" if row is not None and row.definition is not None else "loaded"
    if row is None:
        row = IndexVersion(version_id=version, active=True, is_default=False)
        db.session.add(row)
    row.title = index.title[:200]
    row.definition = text
    row.digest = digest
    row.loaded_at = utcnow()
    row.updated_by_id = getattr(user, "id", None)
    _audit(
        "index_version_loaded",
        user,
        version=version,
        outcome=outcome,
        file=name,
        digest=digest[:12],
        items=index.item_count,
    )
    db.session.commit()
    return index, outcome


def _audit(event: str, user, **details) -> None:
    """An audit event in the change's own commit: by the signed-in administrator on the admin
    page, or ``via: cli`` (no account) from `flask index ...`."""
    details["via"] = "admin" if user is not None else "cli"
    record(event, user_id=getattr(user, "id", None), details=details)


def _settings_row(version: str) -> IndexVersion:
    if version not in available_versions():
        raise IndexVersionError(_("版 %(version)s はありません。", version=version))
    row = _row(version)
    if row is None:
        row = IndexVersion(version_id=version, active=True, is_default=False)
        db.session.add(row)
    return row


def set_default(version: str, user=None) -> None:
    """Make ``version`` the default for new assessments (it becomes active)."""
    try:
        load_index(version)
    except (IndexDefinitionError, UnknownVersionError) as exc:
        raise IndexVersionError(_("版 %(version)s を読み込めません。", version=version)) from exc
    previous = default_version()
    row = _settings_row(version)
    for other in db.session.scalars(
        db.select(IndexVersion).where(IndexVersion.is_default.is_(True))
    ):
        if other is not row:
            other.is_default = False
            other.updated_by_id = getattr(user, "id", None)
    row.is_default = True
    row.active = True
    row.updated_by_id = getattr(user, "id", None)
    _audit("index_version_default_set", user, version=version, previous=previous)
    db.session.commit()


def set_active(version: str, active: bool, user=None) -> None:
    """Offer ``version`` to companies starting a year, or stop offering it. Assessments
    already made with it are unaffected; the default cannot be stopped."""
    if not active and version == default_version():
        raise IndexVersionError(_("既定の版は停止できません。先に別の版を既定にしてください。"))
    row = _settings_row(version)
    row.active = active
    row.updated_by_id = getattr(user, "id", None)
    _audit(
        "index_version_activated" if active else "index_version_deactivated", user, version=version
    )
    db.session.commit()


# -- item mappings between versions ----------------------------------------------------------
_predecessors_by_digest: dict[str, dict[str, str | None]] = {}


def _mapping_versions(text: str, name: str) -> tuple[Index, Index]:
    import yaml

    try:
        meta = (yaml.safe_load(text) or {}).get("meta") or {}
    except (yaml.YAMLError, AttributeError) as exc:
        raise IndexDefinitionError(name, [f"malformed YAML or no meta: {exc}"]) from exc
    indexes = []
    for key in ("from_version", "to_version"):
        version = meta.get(key)
        try:
            indexes.append(load_index(str(version)))
        except (UnknownVersionError, IndexDefinitionError) as exc:
            raise IndexDefinitionError(name, [f"meta: {key} {version!r} is not loaded"]) from exc
    return indexes[0], indexes[1]


def load_mapping_definition(text: str, name: str, user=None) -> tuple[str, str, str]:
    """Validate and store an item mapping between two loaded versions; returns (from, to,
    outcome). A broken mapping changes nothing."""
    older, newer = _mapping_versions(text, name)
    parse_mapping(text, older, newer, name)
    row = db.session.get(IndexMapping, (older.version_id, newer.version_id))
    digest = definition_digest(text)
    if row is not None and row.digest == digest:
        return older.version_id, newer.version_id, "unchanged"
    outcome = "replaced" if row is not None else "loaded"
    if row is None:
        row = IndexMapping(from_version=older.version_id, to_version=newer.version_id)
        db.session.add(row)
    row.definition, row.digest, row.loaded_at = text, digest, utcnow()
    _audit(
        "index_mapping_loaded",
        user,
        from_version=older.version_id,
        to_version=newer.version_id,
        outcome=outcome,
        file=name,
        digest=digest[:12],
    )
    db.session.commit()
    return older.version_id, newer.version_id, outcome


def predecessors(older_version: str, newer_version: str) -> dict[str, str | None] | None:
    """{newer item: the older item it continues, or None} through the stored mapping between
    the two versions; None when there is no mapping (the years are not comparable)."""
    row = db.session.execute(
        db.select(IndexMapping.digest, IndexMapping.definition).where(
            IndexMapping.from_version == older_version, IndexMapping.to_version == newer_version
        )
    ).first()
    if row is None:
        return None
    cached = _predecessors_by_digest.get(row.digest)
    if cached is None:
        older, newer = load_index(older_version), load_index(newer_version)
        mapping = parse_mapping(row.definition, older, newer, "stored mapping")
        cached = {item_id: mapping.predecessor(item_id) for item_id in newer.item_ids}
        _predecessors_by_digest[row.digest] = cached
    return cached
