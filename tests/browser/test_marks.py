"""Provenance marks as chromium shows them and reads them out (docs/_ext/provenance.py).

The built-site tests check the HTML; here chromium itself computes each mark's accessible
name, as a screen reader gets it, and lays the mark out: the hint is read, not shown.
"""

import pytest
from browser_support import Served
from playwright.sync_api import Page
from site_build import LANGUAGES, extension

#: A page with marks after a phrase and in an admonition's title.
PAGE = "auth/token-lifetime.html"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_chromium_names_each_mark_and_hides_only_the_hint(
    page: Page, served: Served, lang: str
) -> None:
    provenance = extension("provenance")
    page.goto(served.url(f"{lang}/{PAGE}"))
    marks = page.locator("article .provenance-badge a")
    kinds = page.eval_on_selector_all(
        "article .provenance-badge",
        "marks => marks.map(m => [...m.classList].find(c => c.startsWith('provenance-badge-')))",
    )
    assert len(kinds) == marks.count() >= 3
    hint = " ".join(provenance.HINT[lang].split())
    expected = [
        f"{provenance.LABELS[kind.removeprefix('provenance-badge-')][lang]} {hint}"
        for kind in kinds
    ]

    # The names chromium computes, as a screen reader gets them (the tree's order is its own).
    session = page.context.new_cdp_session(page)
    tree = session.send("Accessibility.getFullAXTree")["nodes"]
    names = [
        " ".join(node["name"]["value"].split())
        for node in tree
        if node.get("role", {}).get("value") == "link" and "name" in node
    ]
    assert sorted(name for name in names if name.endswith(f" {hint}")) == sorted(expected)

    for index in range(marks.count()):
        hint_box = marks.nth(index).locator(".provenance-hint").bounding_box()
        label_box = marks.nth(index).locator(".std-ref").bounding_box()
        assert hint_box is not None and hint_box["width"] <= 1 and hint_box["height"] <= 1
        assert label_box is not None and label_box["width"] > 20
