"""The settings that guard behaviour: the untranslated preview's switch, the strict builds.

A preview switch that reads `ALLOW_UNTRANSLATED=0` as "on" would publish an unfinished
translation with exit 0; a Makefile that lost `--fail-on-warning` would let every warning
through. Each is pinned here, by what the build does and by what `make` runs.
"""

import os
import re
import runpy
import subprocess
from pathlib import Path

import pytest
from site_build import REPO
from sphinx.errors import ConfigError

OFF = ("", "0", "false", "no", "off", "False", "NO", " 0 ")
ON = ("1", "true", "yes", "on", "TRUE", "Yes")
#: What every build of the site passes to Sphinx: warnings are errors, every one of them
#: reported before failing, and references checked.
STRICT = ("--fail-on-warning", "--keep-going", "-n")


def allow_untranslated(monkeypatch: pytest.MonkeyPatch, value: str | None) -> bool:
    if value is None:
        monkeypatch.delenv("ALLOW_UNTRANSLATED", raising=False)
    else:
        monkeypatch.setenv("ALLOW_UNTRANSLATED", value)
    return runpy.run_path(str(REPO / "conf.py"))["translation_allow_untranslated"]


@pytest.mark.parametrize("value", OFF)
def test_the_preview_switch_is_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    assert allow_untranslated(monkeypatch, value) is False


def test_the_preview_switch_is_off_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    assert allow_untranslated(monkeypatch, None) is False


@pytest.mark.parametrize("value", ON)
def test_the_preview_switch_is_on(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    assert allow_untranslated(monkeypatch, value) is True


@pytest.mark.parametrize("value", ["2", "maybe", "O", "yes please"])
def test_the_preview_switch_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        allow_untranslated(monkeypatch, value)
    assert str(refused.value) == f"ALLOW_UNTRANSLATED={value!r}: set it to 1 (on) or 0 (off)"


def make(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if key != "ALLOW_UNTRANSLATED"}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**environ, **env},
    )


@pytest.mark.parametrize("target", ["html-ru", "html-en", "guide", "doctest", "po", "live"])
def test_every_build_is_strict(target: str, tmp_path: Path) -> None:
    """What `make` would run (-n: printed, not run) passes the strict flags to Sphinx."""
    result = make("-n", target, f"BUILDDIR={tmp_path}")
    assert result.returncode == 0, result.stderr
    builds = [line for line in result.stdout.splitlines() if "sphinx-" in line]
    assert builds, result.stdout
    for line in builds:
        assert set(STRICT) <= set(line.split()), line


def test_the_preview_refuses_garbage_before_building(tmp_path: Path) -> None:
    build = make("html-en", f"BUILDDIR={tmp_path}", ALLOW_UNTRANSLATED="maybe")
    assert build.returncode != 0
    assert "ALLOW_UNTRANSLATED='maybe': set it to 1 (on) or 0 (off)" in build.stderr
    assert not (tmp_path / "html" / "en" / "index.html").exists()


def test_an_untranslated_page_fails_the_build_with_the_switch_at_0(
    docs_copy: Path, tmp_path: Path
) -> None:
    (docs_copy / "new.rst").write_text("Новая\n=====\n\nНе переведено.\n", encoding="utf-8")
    index = docs_copy / "index.rst"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace("\n   sandbox\n", "\n   sandbox\n   new\n", 1), encoding="utf-8")
    builddir = f"BUILDDIR={tmp_path / '_build'}"
    build = make("html-en", f"SOURCEDIR={docs_copy}", builddir, ALLOW_UNTRANSLATED="0")
    assert build.returncode != 0
    assert re.search(r"new\.rst:\d+: WARNING: no English translation", build.stderr), build.stderr
    assert not (tmp_path / "_build" / "html" / "en" / "new.html").exists()


def test_references_are_checked_even_outside_make(monkeypatch: pytest.MonkeyPatch) -> None:
    """conf.py itself is nitpicky: a sphinx-build run by hand (an editor's preview, Read the
    Docs' own command) also names every reference that leads nowhere."""
    monkeypatch.delenv("ALLOW_UNTRANSLATED", raising=False)
    conf = runpy.run_path(str(REPO / "conf.py"))
    assert conf["nitpicky"] is True
    assert conf["translation_allow_untranslated"] is False


def test_make_po_extracts_the_readers_site_and_the_writers_guide(tmp_path: Path) -> None:
    result = make("-n", "po", f"BUILDDIR={tmp_path}")
    builds = [line.split() for line in result.stdout.splitlines() if "sphinx-build" in line]
    assert len(builds) == 2, result.stdout
    assert [("-t" in build and "guide" in build) for build in builds] == [False, True]
    assert all(build[build.index("-b") + 1] == "gettext" for build in builds)
    assert "tools.po update" in result.stdout
