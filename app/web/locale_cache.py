"""The locale feature's one cache place: the templates' literal texts, translated and marked
safe once per catalogue.

A template's ``_('…')`` with a literal text and no variables always gives the same Markup for
the same catalogue (one per language; flask_babel keeps each catalogue for the life of the
worker, and a catalogue loaded again is a new object). So the result is remembered per
catalogue object: the catalogue (so the language) and the text are the key, and the value is
immutable. Bounded by ``TEMPLATE_TEXT_CACHE_SIZE`` texts per catalogue (the templates hold
about 1,200 literal texts); past it a text is translated on every use, as without the cache.
"""

from weakref import WeakKeyDictionary

from markupsafe import Markup


def translated_markup(catalogue, string: str) -> Markup:
    """What the templates' ``_(string)`` gives with autoescaping on: the translation, Markup,
    ``%%`` written as ``%`` (Jinja's newstyle gettext formats every text with ``%``)."""
    text = Markup(catalogue.ugettext(string))  # noqa: S704 - the catalogue, as Jinja trusts it
    return text % {} if "%" in text else text


class Texts(dict):
    """One catalogue's remembered texts: ``texts[string]`` is ``translated_markup``."""

    def __init__(self, catalogue, limit: int):
        super().__init__()
        self.catalogue = catalogue
        self.limit = limit

    def __missing__(self, string: str) -> Markup:
        text = translated_markup(self.catalogue, string)
        if len(self) < self.limit:
            self[string] = text
        return text


_by_catalogue: "WeakKeyDictionary[object, Texts]" = WeakKeyDictionary()


def texts_of(catalogue, limit: int) -> Texts:
    texts = _by_catalogue.get(catalogue)
    if texts is None:
        texts = _by_catalogue[catalogue] = Texts(catalogue, limit)
    return texts


def clear() -> None:
    _by_catalogue.clear()
