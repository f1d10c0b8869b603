"""The footer's citation: the index version of the assessment a page shows (else the default
version for new assessments) with its source, as the version file states them. A source that is
not verified is never cited as official, and a synthetic version says it is not an index."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_babel import gettext as _
from sqlalchemy import select

from app.indexes import services as index_versions
from app.models import IndexVersion
from questionnaires import IndexDefinitionError, UnknownVersionError, load_index

# The administrator's choice of default version, read by the signed-in user's own query at the
# start of every request (app/auth/session.py), so the footer of a signed-in page costs no
# statement of its own. Kept on flask.g for that one request only (dropped at its teardown), so
# it is as fresh as a query in the footer: the admin pages that change the default redirect
# before any page is drawn, and the next request reads the new choice.
DEFAULT_CHOICE = (
    select(IndexVersion.version_id)
    .where(IndexVersion.is_default.is_(True), IndexVersion.active.is_(True))
    .limit(1)
    .scalar_subquery()
)
_REMEMBERED = "_index_default_choice"


def remember_default_choice(chosen: str | None) -> None:
    setattr(g, _REMEMBERED, (chosen,))


def _default_version() -> str:
    remembered = g.get(_REMEMBERED)
    if remembered is None:  # not signed in (or no request): the query of its own
        return index_versions.default_version()
    return index_versions.default_from_choice(remembered[0])


@dataclass(frozen=True)
class Citation:
    version_id: str
    statement: str  # what the questions are based on
    source: str | None  # the source's title, or None when the file names none
    source_url: str | None
    official: bool  # the source is verified (shown as official wording)
    synthetic: bool


def citation(version: str | None = None) -> Citation | None:
    """The citation of ``version`` (None: the default version); None if it cannot be loaded."""
    version = version or _default_version()
    try:
        index = load_index(version)
    except (IndexDefinitionError, UnknownVersionError):
        return None
    source = index.source_of(index.default_source_id) if index.default_source_id else None
    official = bool(source and source.shown_as_official and not index.synthetic)
    if index.synthetic:
        statement = _(
            "この画面の指標の版「%(title)s」（%(version)s）は試験用の合成データで、"
            "公式の指標ではありません。",
            title=index.title,
            version=version,
        )
    else:
        statement = _(
            "設問は%(publisher)s「%(title)s」（%(version)s版）に基づきます。",
            publisher=index.publisher or "",
            title=index.title,
            version=version,
        )
    return Citation(
        version_id=version,
        statement=statement,
        source=source.title if source else None,
        source_url=source.url if source and official else None,
        official=official,
        synthetic=index.synthetic,
    )


def _forget_default_choice(_exc=None) -> None:
    g.pop(_REMEMBERED, None)  # (tests may share one app context between requests)


def init_app(app) -> None:
    app.add_template_global(citation, "index_citation")
    app.teardown_request(_forget_default_choice)
