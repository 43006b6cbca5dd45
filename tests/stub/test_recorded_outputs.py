"""The seeded sandbox still answers what the site's recorded outputs show.

tests/test_snippets.py runs every example in every language; this runs the Python ones only,
against the sandbox in this process, so that mutation testing (which runs tests/stub alone)
sees every change to the sandbox that would make a recorded output on the site wrong.
"""

import pytest
from snippets_runner import SITES, Example, examples, match_requests, mismatch, public, run, tasks

from extern_stub import StubServer

PYTHON = [example for example in examples() if example.path.suffix == ".py"]
TASKS = {task.name: task for task in tasks()}


def test_every_task_has_a_python_example() -> None:
    assert {example.task for example in PYTHON} == set(TASKS)


@pytest.mark.parametrize("site_name", SITES)
@pytest.mark.parametrize("example", PYTHON, ids=lambda example: example.task)
def test_the_seeded_sandbox_reproduces_the_recorded_output(
    example: Example, site_name: str, stub: StubServer
) -> None:
    site = stub.sites[site_name]
    result = run(example, site.env(), site)
    assert result.returncode == 0, result.output
    assert not (problem := mismatch(example, site_name, public(result.stdout, site))), problem
    assert match_requests(TASKS[example.task], site.requests, site) == []
