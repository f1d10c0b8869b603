"""The drawn-parts store's bound in bytes and packed markup (app/web/drawn_cache.py)."""

import sys
from dataclasses import dataclass, field

from jinja2 import Environment
from markupsafe import Markup

from app.web.drawn_cache import SHARED, DrawnParts, Packed, PackedMarkups, drawn_bytes

CHART = Markup('<svg viewBox="0 0 200 72"><title>1 の現在値</title><line x1="22"/></svg>\n')


def part(n: int) -> Markup:
    return Markup("<p>%d</p>") % n + CHART * 20


def test_a_byte_bound_evicts_the_least_recently_used_first():
    size = drawn_bytes(part(1))
    store = DrawnParts(100, max_bytes=2 * size + size // 2)  # room for two entries
    store.put("a", part(1))
    store.put("b", part(2))
    assert store.get("a") == part(1)  # a is now the more recently used
    store.put("c", part(3))
    assert (store.get("a"), store.get("b"), store.get("c")) == (part(1), None, part(3))
    assert len(store) == 2 and store.bytes == 2 * size


def test_a_drawing_larger_than_the_bound_is_drawn_every_time_and_not_kept():
    drawn = []

    def draw():
        drawn.append(1)
        return part(1)

    store = DrawnParts(100, max_bytes=drawn_bytes(part(1)) - 1)
    store.put("small", Markup("<p>1</p>"))
    assert store.get_or_draw("big", draw) == part(1)
    assert store.get_or_draw("big", draw) == part(1)
    assert len(drawn) == 2
    assert store.get("small") == Markup("<p>1</p>")  # not evicted for a drawing that never fits


def test_replacing_and_clearing_keep_the_byte_count():
    store = DrawnParts(100, max_bytes=10**6)
    store.put("a", part(1))
    store.put("a", part(22))
    assert store.bytes == drawn_bytes(part(22))
    store.clear()
    assert store.bytes == 0 and len(store) == 0


def test_an_entry_bound_still_applies_beside_the_byte_bound():
    store = DrawnParts(1, max_bytes=10**6)
    store.put("a", part(1))
    store.put("b", part(2))
    assert store.get("a") is None and store.bytes == drawn_bytes(part(2))


def test_packed_markup_prints_as_the_markup_it_packs():
    markup = Markup("<p>") + "<script>&" + Markup("</p>") + CHART * 50
    packed = Packed(markup)
    page = Environment(autoescape=True).from_string("<div>{{ part }}</div>")
    assert page.render(part=packed) == page.render(part=markup)
    assert str(packed) == str(markup)
    # the repeated markup of a chart per row packs to a small fraction of the str
    assert drawn_bytes(packed) < sys.getsizeof(str(markup)) / 10


@dataclass(frozen=True)
class Parts:
    definition: tuple = field(metadata=SHARED)
    body: Markup


def test_shared_fields_are_not_counted():
    definition = tuple("x" * 1000 for _ in range(10))
    parts = Parts(definition, CHART)
    own = sys.getsizeof(parts) + sys.getsizeof(vars(parts))  # the instance and its __dict__
    assert drawn_bytes(parts) == own + drawn_bytes(CHART)


def test_packed_markups_unpack_to_the_same_markups_in_order():
    rows = [Markup("<td>%s</td>") % label for label in ("1 ビジョンの共有", "", "<b>&", "2")]
    unpacked = PackedMarkups(rows).unpack()
    assert unpacked == tuple(rows)
    assert all(isinstance(m, Markup) for m in unpacked)
    assert PackedMarkups([]).unpack() == ()
