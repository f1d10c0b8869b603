"""What the per-worker caches hold: bytes per entry of each store after the company pages.

    .venv/bin/python -m bench.cache_sizes            # SQLite in a temporary directory
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/h16_bench \
        .venv/bin/python -m bench.cache_sizes

Requests the seven company pages of bench/soak.py in-process (twice each, in both languages),
then prints, for each drawn-parts store (app/web/drawn_cache.DrawnParts) and each bounded
``lru_cache`` of page parts, its entries, the bytes its entries hold (strings and the
containers around them, counted once; the index definitions and template modules an entry
keeps a reference to are shared with the rest of the process and not counted) and the bytes
per entry, with the full size the store's bound allows at that size per entry.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import types

from bench.dataset import company_pages, create_bench_app
from bench.profile import logged_in_client

SHARED_TYPES = (types.ModuleType, type, types.FunctionType)


def deep_size(value, seen: set[int] | None = None) -> int:
    """Bytes of ``value`` and what it holds, each object once; shared definitions (modules,
    template modules, index definitions, functions) not counted."""
    seen = set() if seen is None else seen
    if id(value) in seen or isinstance(value, SHARED_TYPES) or _shared(value):
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return size
    if isinstance(value, dict):
        return size + sum(deep_size(k, seen) + deep_size(v, seen) for k, v in value.items())
    if isinstance(value, (tuple, list, set, frozenset)):
        return size + sum(deep_size(v, seen) for v in value)
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return size + sum(deep_size(getattr(value, f.name), seen) for f in fields)
    if hasattr(value, "__dict__"):
        return size + deep_size(vars(value), seen)
    if hasattr(value, "__slots__"):
        return size + sum(deep_size(getattr(value, s, None), seen) for s in value.__slots__)
    return size


def _shared(value) -> bool:
    name = type(value).__module__ + "." + type(value).__qualname__
    return name.startswith(("jinja2.", "questionnaires.model")) or "TemplateModule" in name


def stores(app) -> dict:
    from app.assessments import cache as assessments_cache
    from app.kpis import cache as kpis_cache
    from app.team import cache as team_cache
    from app.web.drawn_cache import DrawnParts

    found = {name: value for name, value in app.extensions.items() if isinstance(value, DrawnParts)}
    found["assessment sidebars"] = assessments_cache._SIDEBARS
    found["KPI charts"] = kpis_cache._STORE
    found["team"] = team_cache._STORE
    return found


def lru_caches() -> dict:
    from app.progress import cache as progress_cache
    from app.web import chart_markup

    return {
        "chart markup (lru)": chart_markup._render,
        "target_chart (lru)": progress_cache.target_chart,
        "level_chart (lru)": progress_cache.level_chart,
    }


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/c.sqlite3"
    app, ids = create_bench_app(url)
    client = logged_in_client(app)
    pages = company_pages(ids)
    for language in ("ja", "en"):
        client.get(f"{pages[0]}?lang={language}")  # the choice is stored on the account
        for path in pages * 2:
            assert client.get(path).status_code == 200, path
    print(f"{'store':28} {'entries':>7} {'bytes':>10} {'per entry':>10} {'bound':>6} {'full':>9}")
    for name, store in stores(app).items():
        with app.app_context():
            bound, byte_bound = store.limit, getattr(store, "byte_limit", None)  # (older trees)
        entries = list(store._entries.values())
        total = deep_size(entries) if entries else 0
        per = total / len(entries) if entries else 0
        print(
            f"{name:28} {len(entries):7} {total:10,} {per:10,.0f} {bound:6} "
            f"{per * bound / 2**20:7.1f} MB"
            + (f"  (drawn_bytes {store.bytes:,}, bound {byte_bound:,})" if byte_bound else "")
        )
        for entry in entries[:1]:
            if dataclasses.is_dataclass(entry):
                for field in dataclasses.fields(entry):
                    part = getattr(entry, field.name)
                    print(f"    {field.name:24} {deep_size(part):10,}")
    samples = lru_samples(app)
    for name, function in lru_caches().items():
        info = function.cache_info()
        per = samples[name]
        print(
            f"{name:28} {info.currsize:7} {per * info.currsize:10,} {per:10,} {info.maxsize:6} "
            f"{per * info.maxsize / 2**20:7.1f} MB"
        )
    return 0


def lru_samples(app) -> dict:
    """Bytes of one entry of each lru_cache (a two-year target's mini chart, its markup, a
    four-year means chart), drawn again in a request of the Japanese page."""
    from app.progress import cache as progress_cache
    from app.web.chart_markup import line_chart_svg

    with app.test_request_context("/"):
        mini = progress_cache.target_chart("ja", 2024, 2, 4, 2027, ((2025, 3),))
        means = progress_cache.level_chart(
            "ja", 2022, 2025, tuple((y, 2.5) for y in range(2022, 2026)), ((2022, 3.5),)
        )
        markup = line_chart_svg(mini, "1 の現在値と目標への直線")
    return {
        "chart markup (lru)": deep_size(markup),
        "target_chart (lru)": deep_size(mini),
        "level_chart (lru)": deep_size(means),
    }


if __name__ == "__main__":
    sys.exit(main())
