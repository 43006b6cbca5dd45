"""The Run control's defaults follow the sandbox (docs/_ext/live_examples.py).

Every page carries the sandbox's demo clients for the Run control's form. When
``extern_stub/sites.json`` changes them, an incremental build must write the pages
again, or the form keeps offering a client the sandbox no longer has.
"""

import copy
import sys
from pathlib import Path

import pytest
from site_build import EXTENSIONS, extension
from sphinx.testing.util import SphinxTestApp

INDEX = "Страница\n========\n\nТекст.\n"


def build(project: Path) -> str:
    """An incremental build of the small project in-process; its index.html."""
    app = SphinxTestApp("html", srcdir=project, confoverrides={"extensions": ["live_examples"]})
    try:
        app.build()
        return (app.outdir / "index.html").read_text(encoding="utf-8")
    finally:
        app.cleanup()


def test_pages_are_written_again_when_the_sandbox_changes_its_demo_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf.py").write_text("", encoding="utf-8")
    (tmp_path / "index.rst").write_text(INDEX, encoding="utf-8")
    monkeypatch.syspath_prepend(str(EXTENSIONS))
    live = extension("live_examples")
    assert sys.modules["live_examples"] is live
    defaults = live.sandbox_defaults()
    first = build(tmp_path)
    assert f'"KONTUR_CLIENT_ID": "{defaults["test"]["KONTUR_CLIENT_ID"]}"' in first

    changed = copy.deepcopy(defaults)
    changed["test"]["KONTUR_CLIENT_ID"] = "renamed-demo-client"
    monkeypatch.setattr(live, "sandbox_defaults", lambda: changed)
    second = build(tmp_path)
    assert '"KONTUR_CLIENT_ID": "renamed-demo-client"' in second

    monkeypatch.setattr(live, "sandbox_defaults", lambda: defaults)
    assert build(tmp_path) == first, "the old defaults give the old page back"
