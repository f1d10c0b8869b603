"""The report page's tables as HTML, written in Python: a national page has ~1,500 figure
cells, and a Jinja macro call per cell was the largest part of rendering an uncached page
(bench/README.md, "Bureau reports: cache and release build"). Everything is escaped here; the
template inserts the result as markup."""

from __future__ import annotations

from markupsafe import Markup, escape

NUM = ' class="num"'


def _cell(value) -> str:
    return "—" if value is None else str(escape(value))


def table_html(table, suppressed_text) -> Markup:
    """One report table (services.ReportTable): caption, header row, one row per line; a
    suppressed line (its label and the suppressed text alone) spans the figure columns."""
    suppressed = str(suppressed_text)
    start = table.numeric_from
    head = "".join(
        f'<th scope="col"{NUM if k >= start else ""}>{escape(c)}</th>'
        for k, c in enumerate(table.columns)
    )
    out = [
        f'<table class="table compact report-table" data-table="{escape(table.key)}">\n'
        f"<caption>{escape(table.title)}</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
    ]
    span = len(table.columns) - 1
    for row in table.rows:
        out.append(f'<tr><th scope="row">{escape(row[0])}</th>')
        if len(row) == 2 and str(row[1]) == suppressed:
            out.append(f'<td colspan="{span}" class="suppressed">{escape(suppressed)}</td>')
        else:
            out.extend(
                f"<td{NUM if k >= start else ''}>{_cell(v)}</td>"
                for k, v in enumerate(row[1:], start=1)
            )
        out.append("</tr>\n")
    out.append("</tbody>\n</table>")
    return Markup("".join(out))  # noqa: S704 - every value above is escaped


def distribution_bars_html(chart) -> Markup:
    """The bars of the level distribution chart (charts.Distribution): one group per item with
    its screen-reader title, label and one rectangle per level that has companies."""
    height = chart.bar_height
    out = []
    for bar in chart.bars:
        out.append(
            f"<g><title>{escape(bar.text)}</title>"
            f'<text x="0" y="{bar.y + height - 3}" class="chart-label">{escape(bar.label)}</text>'
        )
        out.extend(
            f'<rect x="{s.x}" y="{bar.y}" width="{s.width}" height="{height}"'
            f' class="level-{s.level}"></rect>'
            for s in bar.segments
        )
        out.append("</g>\n")
    return Markup("".join(out))  # noqa: S704 - the texts are escaped, the rest are numbers
