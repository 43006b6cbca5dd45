"""The warm Sphinx (tests/warm_sphinx.py) ends a build as sphinx-build's own exit would."""

import subprocess
from pathlib import Path

from site_build import sphinx_build, write_project

#: An extension that starts a helper process at the start of the build and leaves it to the
#: process's exit to stop, as sphinx-sitemap does with a multiprocessing manager.
HELPER = """
import multiprocessing

def start_helper(app):
    app.helper = multiprocessing.Manager()
    app.helper.list()

def setup(app):
    app.connect("builder-inited", start_helper)
"""
CONF = "import sys, os\nsys.path.insert(0, os.path.abspath('.'))\nextensions = ['helper']\n"


def test_a_helper_process_a_build_started_stops_with_it(tmp_path: Path) -> None:
    project = write_project(
        tmp_path, {"conf.py": CONF, "helper.py": HELPER, "index.rst": "Home\n====\n"}
    )
    # The client's streams are pipes, read to their end: a helper left running holds them.
    result = subprocess.run(
        [sphinx_build(), "-b", "html", "-q", "-c", ".", ".", "_build"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert (project / "_build" / "index.html").is_file()
