"""The database as a source of index versions for questionnaires.load_index().

Packaged files are looked up first (questionnaires/); a version loaded with
`flask index load FILE` is read from the ``index_versions`` table. The loader caches a parsed
definition by its SHA-256 digest, so each look-up costs one small query (the digest) and a
stored definition is parsed once per process, in every worker alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import has_app_context
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import IndexVersion


class DatabaseVersions:
    def versions(self) -> Iterable[str]:
        if not has_app_context():
            return ()
        try:
            return db.session.scalars(
                db.select(IndexVersion.version_id).where(IndexVersion.definition.is_not(None))
            ).all()
        except SQLAlchemyError:  # table not migrated yet
            db.session.rollback()
            return ()

    def digest(self, version: str) -> str | None:
        if not has_app_context():
            return None
        try:
            return db.session.scalar(
                db.select(IndexVersion.digest).where(
                    IndexVersion.version_id == version, IndexVersion.definition.is_not(None)
                )
            )
        except SQLAlchemyError:
            db.session.rollback()
            return None

    def text(self, version: str) -> str:
        return db.session.scalar(
            db.select(IndexVersion.definition).where(IndexVersion.version_id == version)
        )
