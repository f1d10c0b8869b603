"""axe-core in Chromium: every page a browser test visits is checked for WCAG 2.2 AA problems.

axe-core comes from npm (package.json / package-lock.json at the repository root, installed by
`make test` with `npm ci`). The ``page`` fixture loads it into every document as an init script
(so the app's Content-Security-Policy does not have to allow it) and, at teardown, fails the test
if a page was visited without ``assert_axe_clean(page)`` being called on it.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0/2.1/2.2 A and AA rules plus axe's best practices (heading order, empty table headers,
# landmarks). Serious and critical violations fail; so do the rules below whatever their impact,
# because issue 11 fixed them and they must not come back.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
ALWAYS_FAILING_RULES = {
    "heading-order",
    "empty-table-header",
    "empty-heading",
    "page-has-heading-one",
}

_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '')),
  }));
}"""

_checked: dict[int, set[str]] = {}


def page_key(url):
    """A page is its path: the same page with another query or fragment needs no second check."""
    return urlsplit(url).path


def axe_violations(page):
    return page.evaluate(_RUN, TAGS)


def assert_axe_clean(page):
    """Run axe-core on the page as it is now; fail on serious/critical (and the listed) rules."""
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    if os.environ.get("AXE_LOG"):  # every violation, whatever its impact, for a person to read
        with open(os.environ["AXE_LOG"], "a", encoding="utf-8") as log:
            for v in violations:
                log.write(f"{page_key(page.url)}\t{v['id']}\t{v['impact']}\t{v['nodes']}\n")
    failing = [
        v for v in violations if v["impact"] in FAILING_IMPACTS or v["id"] in ALWAYS_FAILING_RULES
    ]
    _checked.setdefault(id(page), set()).add(page_key(page.url))
    assert failing == [], f"axe-core violations on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in failing
    )
    return violations


def checked_pages(page):
    return _checked.pop(id(page), set())
