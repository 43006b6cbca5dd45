"""The pages' interactive Python sessions (sphinx.ext.doctest) pass against the stub."""

import os
import re
import subprocess
import sys
from pathlib import Path

from site_build import REPO

from extern_stub import StubServer

SUMMARY = re.compile(
    r"^\s*(\d+) tests?\n\s*(\d+) failures? in tests\n"
    r"\s*(\d+) failures? in setup code\n\s*(\d+) failures? in cleanup code",
    re.MULTILINE,
)


def test_doctests_pass_against_the_stub(stub: StubServer, tmp_path: Path) -> None:
    """What `make doctest` does, with the stub fixture's test site in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTUR_")}
    env.update(stub.sites["test"].env())
    sphinx_build = Path(sys.executable).parent / "sphinx-build"
    command = [sphinx_build, "-c", ".", "-b", "doctest", "-d", tmp_path / "doctrees"]
    command += ["--fail-on-warning", "-n", "-q", "docs", tmp_path / "doctest"]
    result = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    report = (tmp_path / "doctest" / "output.txt").read_text(encoding="utf-8")
    assert result.returncode == 0, result.stdout + result.stderr + report
    summary = SUMMARY.search(report)
    assert summary, report
    tests, failures, setup, cleanup = map(int, summary.groups())
    assert tests > 0, "no doctest ran"
    assert (failures, setup, cleanup) == (0, 0, 0), report
