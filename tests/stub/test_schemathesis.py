"""Schemathesis against each environment's own /openapi.json: every check, a bounded number
of examples per operation (tests/stub/schemathesis.toml), a user's access token with the
scopes openid and extern.api."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from stub_helpers import get_token, password_form

from extern_stub import StubServer

CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.parametrize("name", ["test", "production"])
def test_schemathesis_finds_nothing(stub_server: StubServer, name: str) -> None:
    site = stub_server.sites[name]
    token = get_token(site, password_form(site, scope="openid extern.api"))["access_token"]
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run"]
    options = ["--checks", "all", "--no-color", "--header", f"Authorization: Bearer {token}"]
    result = subprocess.run(
        [*command, f"{site.base_url}/openapi.json", *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    summary = result.stdout[result.stdout.rfind("SUMMARY") :]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Every operation selected ran (none skipped for want of a way to call it).
    selected = re.search(r"Selected: (\d+)/(\d+)\n\s*Tested: (\d+)\n", summary)
    assert selected is not None, summary
    assert len(set(selected.groups())) == 1, summary
    assert " generated" in summary
