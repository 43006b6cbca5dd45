"""Local Sphinx extensions keep parallel builds possible, and tell Sphinx what they are."""

import sys
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

EXTENSIONS_DIR = Path(__file__).resolve().parent.parent / "docs" / "_ext"
EXTENSIONS = sorted(path.stem for path in EXTENSIONS_DIR.glob("*.py"))


def test_extensions_are_found() -> None:
    assert "language_links" in EXTENSIONS


@pytest.mark.parametrize("name", EXTENSIONS)
def test_extension_declares_parallel_safety(name: str, tmp_path: Path) -> None:
    # The source's language; the site's languages, for those that link them.
    conf = 'language = "ru"\nlanguages = {"ru": "Русский", "en": "English"}\n'
    (tmp_path / "conf.py").write_text(conf, encoding="utf-8")
    (tmp_path / "index.rst").write_text("Title\n=====\n", encoding="utf-8")
    sys.path.insert(0, str(EXTENSIONS_DIR))
    try:
        app = SphinxTestApp("html", srcdir=tmp_path, confoverrides={"extensions": [name]})
        try:
            extension = app.extensions[name]
            assert extension.parallel_read_safe is True
            assert extension.parallel_write_safe is True
            # Sphinx reads these keys and ignores any other: a misspelt one is silently lost
            # (a misspelt env_version would leave pages built with an older extension).
            assert extension.version == "1.0"
            assert set(extension.metadata) <= {"env_version"}, extension.metadata
            # Alone on a one-page project, it builds without a warning.
            app.build()
            assert app.statuscode == 0
            assert app.warning.getvalue() == ""
        finally:
            app.cleanup()
    finally:
        sys.path.remove(str(EXTENSIONS_DIR))
