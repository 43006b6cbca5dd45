"""The runner's own checks, fed deliberately wrong examples (tests/fixtures/broken_examples/).

Every example on the site is judged by tests/snippets_runner.py: what it sends is compared
with its task's expect.toml. A check loosened there (a value accepted by prefix, a repeated
parameter let through, the api-key allowed in a header) would let a wrong example pass
quietly, so each file of the fixture folder is wrong in one way, runs against the sandbox
as a real example does, and must draw the complaint its docstring names
("The runner must say: ..."), judged against the real task's expect.toml.
"""

import re
from pathlib import Path

import pytest
from site_build import REPO
from snippets_runner import SNIPPETS, Example, Task, match_requests, run

from extern_stub import StubServer

BROKEN = REPO / "tests" / "fixtures" / "broken_examples"
SAYS = re.compile(r"^The runner must say: (.+)$", re.MULTILINE)


def broken_examples() -> list[Path]:
    return sorted(BROKEN.glob("*/*.py"))


def complaint(path: Path) -> str:
    (said,) = SAYS.findall(path.read_text(encoding="utf-8"))
    return said


def test_every_task_folder_of_the_fixture_is_a_real_task() -> None:
    folders = {path.parent.name for path in broken_examples()}
    assert len(broken_examples()) >= 10
    assert folders <= {folder.name for folder in SNIPPETS.iterdir() if folder.is_dir()}


@pytest.mark.parametrize("path", broken_examples(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_runner_names_what_a_wrong_example_sends(path: Path, stub: StubServer) -> None:
    site = stub.sites["test"]
    task = Task.load(SNIPPETS / path.parent.name)
    result = run(Example(path), site.env(), site)
    assert "Traceback" not in result.output, result.output
    problems = match_requests(task, site.requests, site)
    said = complaint(path)
    assert any(said in problem for problem in problems), (said, problems)


def test_the_right_requests_draw_no_complaint(stub: StubServer) -> None:
    """The control: the real example of the same task, judged the same way, passes."""
    site = stub.sites["test"]
    example = Example(SNIPPETS / "client-credentials" / "client_credentials.py")
    assert run(example, site.env(), site).returncode == 0
    assert match_requests(Task.load(example.path.parent), site.requests, site) == []
