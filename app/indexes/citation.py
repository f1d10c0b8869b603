"""The footer's citation: the index version of the assessment a page shows (else the default
version for new assessments) with its source, as the version file states them. A source that is
not verified is never cited as official, and a synthetic version says it is not an index."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.indexes import services as index_versions
from questionnaires import IndexDefinitionError, UnknownVersionError, load_index


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
    version = version or index_versions.default_version()
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


def init_app(app) -> None:
    app.add_template_global(citation, "index_citation")
