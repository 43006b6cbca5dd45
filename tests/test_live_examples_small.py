"""The Run control's place and words on a small project (docs/_ext/live_examples.py).

What the control does in a browser is tests/browser/test_live_examples.py's; here, in
seconds: the HTML page gets the empty place and the script its words and defaults, in the
build's language, and every other format Sphinx writes builds without a control.
"""

import json
import re
import sys
from pathlib import Path

import pytest
from site_build import EXTENSIONS, extension
from sphinx.testing.util import SphinxTestApp

PAGE = "Page\n====\n\nBefore.\n\n.. example-live::\n\nAfter.\n"


def build(tmp_path: Path, builder: str, language: str = "en", page: str = PAGE) -> SphinxTestApp:
    """The project in ``tmp_path`` built, whatever it says; made there first if it is not (a
    second build of the same project is incremental: it re-reads nothing)."""
    if not (tmp_path / "index.rst").is_file():
        (tmp_path / "conf.py").write_text(f"language = {language!r}\n", encoding="utf-8")
        (tmp_path / "index.rst").write_text(page, encoding="utf-8")
    sys.path.insert(0, str(EXTENSIONS))
    try:
        app = SphinxTestApp(
            builder, srcdir=tmp_path, confoverrides={"extensions": ["live_examples"]}
        )
        try:
            app.build()
        finally:
            app.cleanup()
    finally:
        sys.path.remove(str(EXTENSIONS))
    return app


def built(tmp_path: Path, builder: str, language: str = "en") -> SphinxTestApp:
    """The project in ``tmp_path`` built cleanly: no error, no warning."""
    app = build(tmp_path, builder, language)
    assert app.statuscode == 0
    assert app.warning.getvalue() == ""
    return app


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_html_page_has_the_place_and_the_words(tmp_path: Path, language: str) -> None:
    app = built(tmp_path, "html", language)
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<p>Before\.</p>\s*<div class=\"live-run\"></div>\s*<p>After\.</p>", html)
    script = re.search(r"<script>const LIVE_EXAMPLES = (.*);</script>", html)
    assert script, html
    data = json.loads(script[1])
    live_examples = extension("live_examples")
    assert data["labels"] == {name: label[language] for name, label in live_examples.LABELS.items()}
    assert data["sites"] == {
        site: extension("examples").LABELS[site][language] for site in live_examples.SITES
    }
    assert data["defaults"] == live_examples.sandbox_defaults()
    assert html.index("LIVE_EXAMPLES") < html.index("live-examples.js")


@pytest.mark.parametrize("builder", ["text", "latex", "man", "texinfo"])
def test_other_formats_show_no_control(tmp_path: Path, builder: str) -> None:
    app = built(tmp_path, builder)
    written = "".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in Path(app.outdir).rglob("*")
        if path.is_file() and path.suffix in {".txt", ".tex", ".1", ".texi"}
    )
    assert "Before." in written
    assert "After." in written
    assert "live-run" not in written


def test_pages_are_written_again_when_the_sandbox_changes_its_demo_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page carries the sandbox's demo clients: when ``extern_stub/sites.json``
    changes them, an incremental build writes the pages again, or the form would keep
    offering a client the sandbox no longer has."""
    live_examples = extension("live_examples")
    defaults = live_examples.sandbox_defaults()
    page = Path(built(tmp_path, "html").outdir) / "index.html"
    first = page.read_text(encoding="utf-8")
    assert json.dumps(defaults["test"]["KONTUR_CLIENT_ID"]) in first

    changed = json.loads(json.dumps(defaults))
    changed["test"]["KONTUR_CLIENT_ID"] = "renamed-demo-client"
    monkeypatch.setattr(live_examples, "sandbox_defaults", lambda: changed)
    built(tmp_path, "html")
    assert '"KONTUR_CLIENT_ID": "renamed-demo-client"' in page.read_text(encoding="utf-8")

    monkeypatch.setattr(live_examples, "sandbox_defaults", lambda: defaults)
    built(tmp_path, "html")
    assert page.read_text(encoding="utf-8") == first, "the old defaults give the old page back"


def test_content_under_the_control_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    """The control takes no content: a writer's text under it is refused, not dropped."""
    page = PAGE.replace(".. example-live::\n", ".. example-live::\n\n   Lost words.\n")
    app = build(tmp_path, "html", page=page)
    warnings = app.warning.getvalue()
    refused = r"index\.rst:6: ERROR: .*\"example-live\".*no content permitted"
    assert re.search(refused, warnings, re.S), warnings
