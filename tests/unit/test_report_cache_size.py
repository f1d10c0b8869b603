"""The bureau report cache counts what its entries take in memory (app/reports/cache.py)."""

import sys

from app.reports.cache import ReportCache

PAGE = "<td>関東経済産業局</td>" * 100  # a page body as a str: 2 bytes a character


def test_a_japanese_page_body_counts_two_bytes_a_character():
    store = ReportCache(max_bytes=len(PAGE) + 100)  # its length fits, its memory does not
    store.put(("13", "page"), PAGE)
    assert len(store) == 0
    store = ReportCache(max_bytes=sys.getsizeof(PAGE))
    store.put(("13", "page"), PAGE)
    assert store.get(("13", "page")) == PAGE


def test_the_bound_evicts_by_memory():
    store = ReportCache(max_bytes=sys.getsizeof(PAGE) + sys.getsizeof(b"x" * 1000))
    store.put(("13", "page"), PAGE)
    store.put(("13", "csv"), b"x" * 1000)
    store.put(("14", "csv"), b"y" * 1000)  # one more bytes body: the oldest entry goes
    assert store.get(("13", "page")) is None and store.get(("14", "csv")) == b"y" * 1000
