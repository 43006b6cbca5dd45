"""A new integrator's path, from the built site alone, served over HTTP.

Download what the sandbox page links (checking each SHA-256 shown), run the page's own
commands to install the sandbox from the wheel into a fresh virtual environment and start
it, unpack the examples, run the client credentials example in Python and curl on both
environments with the exports the sandbox printed, and run the Postman collection with
newman. No file of the repository is used, only what `make html` wrote.
"""

import functools
import hashlib
import http.server
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from site_build import REPO, SiteBuild

TIMEOUT = 120
SITE_LINE = re.compile(r"(test|production) (http://127\.0\.0\.1:\d+) client_id=\S+ api_key=\S+")
NEWMAN = REPO / "node_modules" / ".bin" / "newman"  # the tool, not content: installed by npm ci


@pytest.fixture(scope="module")
def served(built_site: SiteBuild) -> Iterator[str]:
    """The built site on a local HTTP server; its address."""
    handler = functools.partial(QuietHandler, directory=str(built_site.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - our own server
        return answer.read()


def commands(page: BeautifulSoup, section: str) -> list[str]:
    """The console commands of the first code block in a section of the page."""
    block = page.select_one(f"section#{section} div.highlight-console pre")
    assert block is not None, section
    return [
        line.removeprefix("$ ") for line in block.get_text().splitlines() if line.startswith("$ ")
    ]


def run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", "-ec", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def mask_tokens(text: str) -> str:
    return re.sub(r"\b[0-9a-f]{32,}\b", "<token>", text)


def test_from_the_published_site_alone(served: str, tmp_path: Path) -> None:
    page_url = urljoin(served, "en/sandbox.html")
    page = BeautifulSoup(fetch(page_url).decode("utf-8"), "html.parser")
    # 1. Download every file the page offers; each matches the checksum beside its link.
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    rows = page.select("table.downloads tbody tr")
    assert rows
    for row in rows:
        link, _version, checksum = row.find_all("td")
        body = fetch(urljoin(page_url, link.a["href"]))
        assert hashlib.sha256(body).hexdigest() == checksum.get_text(strip=True), link.a["href"]
        (downloads / link.a.get_text(strip=True)).write_bytes(body)
    # 2. Install and start the sandbox with the page's commands; `python3` is this Python.
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
    }
    *install, start = commands(page, "sandbox-start")
    installed = run("\n".join(install), downloads, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert start.endswith("kontur-sandbox")
    sandbox = subprocess.Popen(  # the documented ports belong to the reader: any free ones here
        [*shlex.split(start), "--test-port", "0", "--production-port", "0"],
        cwd=downloads,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    output = Output(sandbox)
    try:
        exports, sites = output.started()
        # 3. The examples, unpacked and run with the page's commands and the printed exports.
        example_commands = commands(page, "sandbox-test")
        outputs = {}
        for site, lines in exports.items():
            result = run("\n".join([*lines, *example_commands]), downloads, env)
            assert result.returncode == 0, result.stdout + result.stderr
            outputs[site] = result.stdout
            # Unpacked once: the other environment runs the same files.
            example_commands = [line for line in example_commands if not line.startswith("unzip ")]
        (examples,) = downloads.glob("kontur-extern-examples-*/client-credentials")
        for site, printed in outputs.items():
            recorded = (examples / f"output.{site}.txt").read_text("utf-8")
            # Python, then curl (after what unzip says): the recorded output twice, up to the
            # token's value.
            assert mask_tokens(printed).endswith(mask_tokens(recorded) * 2), printed
        # 4. The Postman collection, downloaded, run by newman against each environment.
        for site, base_url in sites.items():
            result = subprocess.run(
                [
                    str(NEWMAN),
                    "run",
                    str(downloads / "kontur-extern.postman_collection.json"),
                    "--environment",
                    str(downloads / f"sandbox-{site}.postman_environment.json"),
                    "--env-var",
                    f"identityUrl={base_url}",
                    "--env-var",
                    f"apiUrl={base_url}",
                    "--color",
                    "off",
                ],
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            assert re.search(r"│\s+assertions\s+│\s+[1-9]\d*\s+│\s+0\s+│", result.stdout)
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=30)
        output.close()
    assert sandbox.returncode == 0


class Output:
    """What a running sandbox prints, line by line, from both of its streams."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.readers = [
            threading.Thread(target=self._read, args=(stream,), daemon=True)
            for stream in (process.stdout, process.stderr)
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def close(self) -> None:
        for reader in self.readers:
            reader.join(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def started(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        """The export lines printed for each environment, and each environment's address."""
        sites: dict[str, str] = {}
        exports: dict[str, list[str]] = {"test": [], "production": []}
        seen: list[str] = []
        # stdout and stderr arrive in any order: read until both said everything.
        while len(sites) < 2 or len(exports["test"]) < 5 or not exports["production"]:
            line = self.lines.get(timeout=TIMEOUT)
            assert line is not None, f"the sandbox stopped: {seen}"
            seen.append(line)
            if match := SITE_LINE.fullmatch(line):
                sites[match[1]] = match[2]
            elif line.startswith("export KONTUR_SITE=production "):
                exports["production"].append(line)
            elif line.startswith("export "):
                exports["test"].append(line)
        assert set(sites) == {"test", "production"}, seen
        return exports, sites
