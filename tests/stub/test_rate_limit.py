"""At most 20 Extern API requests of one client at once: the rest get 429, on every API path,
and a person sees it from the command line with ``--api-latency``, as the sandbox page shows."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from stub_helpers import ANY_PORTS, api_get, extern_error, limit_reached

from extern_stub import Site, StubServer

REPO = Path(__file__).resolve().parents[2]


def account_path(site: Site) -> str:
    client = site.registry.clients[site.client_id]
    return f"/v1/{client.accounts[0]}"


@pytest.mark.parametrize("which", ["accounts", "account"])
def test_more_than_20_in_flight_get_429_on_every_api_path(
    site: Site, access_token: str, which: str
) -> None:
    path = "/v1" if which == "accounts" else account_path(site)
    assert api_get(site, path, access_token).status_code == 200
    with limit_reached(site, access_token, path) as held:
        refused = api_get(site, path, access_token)
    assert extern_error(refused, 429) == "tooManyRequests"
    assert [answer.result().status_code for answer in held] == [200] * 20


def test_reset_keeps_the_configured_latency() -> None:
    with StubServer(api_latency=0.25) as stub:
        site = stub.sites["test"]
        site.api_delay = 0
        stub.reset()
        assert site.api_delay == 0.25


@pytest.mark.parametrize("value", ["-1", "nan", "61", "x"])
def test_api_latency_out_of_range_is_refused(value: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "extern_stub", *ANY_PORTS, "--api-latency", value],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "--api-latency" in result.stderr


def page_commands() -> tuple[list[str], list[str]]:
    """The start command and the commands of the 429 section of the sandbox page."""
    text = (REPO / "docs" / "sandbox.rst").read_text("utf-8")
    section = text.split(".. _sandbox-429:", 1)[1].split("\n.. _", 1)[0]
    blocks = [
        [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("$ ")]
        for block in section.split(".. code-block:: console")[1:]
    ]
    start, commands = blocks
    return shlex.split(start[0]), commands


def test_the_sandbox_page_shows_429_from_the_command_line() -> None:
    start, commands = page_commands()
    assert start[0] == "kontur-sandbox"
    options = start[1:]
    assert "--api-latency" in options
    script = "\n".join(["set -e", *commands])
    stub = [sys.executable, "-m", "extern_stub", *ANY_PORTS]
    result = subprocess.run(
        [*stub, *options, "--", "sh", "-c", script],
        cwd=REPO / "snippets",  # the examples archive holds the task folders of snippets/
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    counts = {
        status: int(count)
        for count, status in re.findall(r"^\s*(\d+) (\d{3})$", result.stdout, re.MULTILINE)
    }
    # On a busy machine xargs may start the last requests after the first ones are done:
    # then more than 20 succeed, but some still overlap 20 others and get 429.
    assert set(counts) == {"200", "429"}, (result.stdout, result.stderr)
    assert counts["200"] + counts["429"] == 25
