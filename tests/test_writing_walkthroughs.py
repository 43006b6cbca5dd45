"""The writers' walkthroughs in docs/writing.md, performed exactly as written.

Every section labelled ``(writing-job-...)=`` is a walkthrough. Its code blocks are
its steps, in order, in a scratch copy of the repository (the first walkthrough starts
from a fresh clone, the next ones go on from the last):

- a ``console`` block: each ``$ command`` runs in the copy's root; the lines under it
  must appear in what it prints (``...`` stands for anything), and it must fail exactly
  when they show make failing (``make: *** ...``);
- a ``code-block`` with a ``:caption:`` naming a file: a ``diff`` block is an edit of
  that file (lines with ``-`` go, lines with ``+`` come, the others, empty ones too, are
  context), any other block is the whole new file.

The first walkthrough runs Sphinx as a writer's clone does, from its first build; in the
next ones each sphinx-build that make runs is a fork of a warm Sphinx (tests/warm_sphinx.py,
through make's own SPHINXBUILD): the same commands and Makefile, without Sphinx's start-up.
"""

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from site_build import LANGUAGES, REPO, SiteBuild, html_pages, is_redirect, soup
from warm_sphinx import WarmSphinx

WRITING = REPO / "docs" / "writing.md"
LABEL = re.compile(r"^\((?P<label>[\w-]+)\)=$", re.MULTILINE)
EXAMPLE = re.compile(r"^\.\. example:: (\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Step:
    """One code block of a walkthrough."""

    kind: str  # "console", "diff" or "file"
    text: str
    path: str = ""
    line: int = 0  # where it is in docs/writing.md


def walkthroughs() -> dict[str, list[Step]]:
    """Each walkthrough of docs/writing.md: its label and its steps."""
    text = WRITING.read_text(encoding="utf-8")
    labels = list(LABEL.finditer(text))
    found = {}
    for label, following in zip(labels, [*labels[1:], None], strict=True):
        if not label.group("label").startswith("writing-job-"):
            continue
        start = label.start()
        chunk = text[start : following.start() if following else len(text)]
        offset = text[:start].count("\n")
        found[label.group("label")] = [
            step for token in MarkdownIt().parse(chunk) if (step := _step(token, offset))
        ]
    return found


def _step(token: object, offset: int) -> Step | None:
    if getattr(token, "type", "") != "fence":
        return None
    info, content = token.info.strip(), token.content  # type: ignore[attr-defined]
    line = offset + token.map[0] + 1  # type: ignore[attr-defined]
    if info == "console":
        return Step("console", content, line=line)
    if not info.startswith("{code-block}"):
        return None
    options, _, body = content.partition("\n\n")
    caption = re.search(r"^:caption: (.+)$", options, re.MULTILINE)
    assert caption, f"docs/writing.md:{line}: a step's code-block names its file in :caption:"
    kind = "diff" if info.split()[-1] == "diff" else "file"
    return Step(kind, body, caption.group(1).strip(), line)


def scratch_copy(root: Path) -> Path:
    """The repository's files (tracked and new, not ignored), with the same .venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    copy = root / "repo"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to(REPO / ".venv")
    return copy


def apply_diff(path: Path, diff: str, where: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    old = [line[1:] for line in diff.splitlines() if line[:1] in ("", " ", "-")]
    new = [line[1:] for line in diff.splitlines() if line[:1] in ("", " ", "+")]
    starts = [i for i in range(len(lines)) if lines[i : i + len(old)] == old]
    assert len(starts) == 1, f"{where}: the lines to change occur {len(starts)} times in {path}"
    lines[starts[0] : starts[0] + len(old)] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def transcript(text: str) -> list[tuple[str, list[str]]]:
    """(command, the lines it must print) for each ``$ command`` of a console block."""
    commands: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands and line.strip() != "...":
            commands[-1][1].append(line)
    return commands


def pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expected.split("...")))


#: The Makefile's settings (`SOURCEDIR ?= docs`, ...): a make around this test, such as
#: `make bench` passing SOURCEDIR of its snapshot, exports them, and a writer has none.
MAKEFILE_SETTINGS = set(
    re.findall(r"^([A-Z_]+) *\?=", (REPO / "Makefile").read_text(encoding="utf-8"), re.M)
)


def run(
    copy: Path, command: str, expected: list[str], where: str, sphinx: WarmSphinx | None
) -> None:
    # A writer's shell: no preview switch, and no make around it (as when `make test` runs this).
    outside = {"ALLOW_UNTRANSLATED", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES"}
    outside |= MAKEFILE_SETTINGS
    environ = {key: value for key, value in os.environ.items() if key not in outside}
    if sphinx:  # make reads its command line's settings from MAKEFLAGS too
        environ["MAKEFLAGS"] = " ".join(sphinx.make_vars)
    result = subprocess.run(  # noqa: S602
        command,
        shell=True,  # the commands of our own page, as a writer types them
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={**environ, "NO_COLOR": "1"},
    )
    output = (result.stdout + result.stderr).splitlines()
    missing = [line for line in expected if not any(pattern(line).fullmatch(o) for o in output)]
    assert not missing, f"{where}: `{command}` did not print:\n" + "\n".join(
        [*missing, "-- it printed:", *output]
    )
    fails = any(line.startswith("make: ***") for line in expected)
    assert (result.returncode != 0) == fails, f"{where}: `{command}` exit {result.returncode}"


def test_the_page_has_walkthroughs() -> None:
    found = walkthroughs()
    assert {
        "writing-job-new-page",
        "writing-job-changed-page",
        "writing-job-new-example",
        "writing-job-rename-page",
        "writing-job-delete-page",
    } <= set(found)
    for label, steps in found.items():
        assert any(step.kind == "console" for step in steps), label


def test_walkthroughs_work_as_written(tmp_path: Path, warm_sphinx: WarmSphinx) -> None:
    """Every walkthrough, in the page's order, in one copy: each goes on from the last."""
    copy = scratch_copy(tmp_path)
    for number, (label, steps) in enumerate(walkthroughs().items()):
        sphinx = warm_sphinx if number else None  # the first: Sphinx as a fresh clone runs it
        for step in steps:
            where = f"docs/writing.md:{step.line} ({label})"
            if step.kind == "console":
                for command, expected in transcript(step.text):
                    run(copy, command, expected, where, sphinx)
            elif step.kind == "diff":
                apply_diff(copy / step.path, step.text, where)
            else:
                (copy / step.path).parent.mkdir(parents=True, exist_ok=True)
                (copy / step.path).write_text(step.text, encoding="utf-8")
    # What the writer then sees in the browser: each example a page names, with its output.
    for page in (copy / "docs").rglob("*.rst"):
        for name in EXAMPLE.findall(page.read_text(encoding="utf-8")):
            output = (copy / "snippets" / name / "output.test.txt").read_text(encoding="utf-8")
            for lang in LANGUAGES:
                built = copy / "_build" / "html" / lang / page.relative_to(copy / "docs")
                built = built.with_suffix(".html")
                shown = soup(built).select_one(f"div.example-{name}")
                assert shown is not None, f"{built}: no example {name}"
                assert output.strip() in shown.get_text(), f"{built}: {name} without its output"


@pytest.mark.parametrize(
    ("expected", "line", "matches"),
    [
        ("make: *** [Makefile:...: html] Error 2", "make: *** [Makefile:49: html] Error 2", True),
        ("Built. Open ...", "Built. Open _build/html/index.html", True),
        ("Built. Open ...", "Not built", False),
    ],
)
def test_pattern(expected: str, line: str, matches: bool) -> None:
    assert bool(pattern(expected).fullmatch(line)) == matches


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_guide_is_not_on_the_readers_site(built_site: SiteBuild, lang: str) -> None:
    """No integrator lands in the writers' guide: not from the navigation, not from search."""
    root = built_site.html / lang
    index_js = (root / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(index_js.removeprefix("Search.setIndex(").removesuffix(")"))
    assert "writing" not in index["docnames"]
    assert "index" in index["docnames"]
    for page in html_pages(root):
        links = [a["href"] for a in soup(root / page).select("a[href]")]
        assert not [link for link in links if link.split("#")[0].endswith("writing.html")], page
    assert is_redirect(root / "writing.html"), "the guide's old address leads elsewhere"


def test_make_guide_builds_the_guide_apart(tmp_path: Path) -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "guide", f"BUILDDIR={tmp_path}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for lang in LANGUAGES:
        root = tmp_path / "guide" / lang
        assert html_pages(root) == ["404.html", "genindex.html", "search.html", "writing.html"]
        assert soup(root / "writing.html").select("#writing-job-rename-page")
