"""The Postman collection: run with newman against both sandbox environments; its environments."""

import dataclasses
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_build import REPO
from snippets_runner import SNIPPETS, Task, match_requests, tasks

from extern_stub import Site, StubServer
from extern_stub.__main__ import DEFAULT_PORTS
from extern_stub.sites import SITE_NAMES, RecordedRequest, load_registries

POSTMAN = REPO / "postman"
COLLECTION = POSTMAN / "kontur-extern.postman_collection.json"
NEWMAN = REPO / "node_modules" / ".bin" / "newman"
#: Kontur's servers, as FACTS.md gives them, per environment.
KONTUR = {
    "test": ("https://identity.testkontur.ru", "https://extern-api.testkontur.ru"),
    "production": ("https://identity.kontur.ru", "https://extern-api.kontur.ru"),
}


def environment(name: str) -> dict[str, str]:
    document = json.loads((POSTMAN / f"{name}.postman_environment.json").read_text("utf-8"))
    assert document["name"] == name
    return {value["key"]: value["value"] for value in document["values"]}


def requests_of(items: list[dict]) -> Iterator[dict]:
    for item in items:
        if "item" in item:
            yield from requests_of(item["item"])
        else:
            yield item


def newman(
    collection: Path, site: str, base_url: str, report: Path, *options: str
) -> subprocess.CompletedProcess:
    if not NEWMAN.exists():
        pytest.fail("newman is missing: `make test` installs it (npm ci)")
    return subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(collection),
            "--environment",
            str(POSTMAN / f"sandbox-{site}.postman_environment.json"),
            # The test's sandbox listens on free ports, not the documented ones.
            "--env-var",
            f"identityUrl={base_url}",
            "--env-var",
            f"apiUrl={base_url}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--color",
            "off",
            "--timeout-request",
            "10000",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sandbox(stub: StubServer) -> StubServer:
    """The session's sandbox, state reset; its short device interval keeps the polling brief."""
    return stub


@pytest.mark.parametrize("site", SITE_NAMES)
def test_collection_passes_against_the_sandbox(
    sandbox: StubServer, site: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    result = newman(COLLECTION, site, sandbox.sites[site].base_url, report)
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(report.read_text("utf-8"))["run"]
    requests = list(requests_of(json.loads(COLLECTION.read_text("utf-8"))["item"]))
    assert run["stats"]["requests"]["total"] == len(requests)  # none skipped in the sandbox
    assert run["stats"]["assertions"]["failed"] == 0
    # Every request checks its answer.
    checked = {
        execution["item"]["name"] for execution in run["executions"] if execution.get("assertions")
    }
    assert checked == {request["name"] for request in requests}
    # And the sandbox received what each task's expect.toml lists, as from the examples.
    problems = expectation_problems(run["executions"], sandbox.sites[site])
    assert not problems, "\n".join(problems)


#: The collection's folders whose requests make up each task of snippets/, in order: its
#: first request reuses the token of the client credentials folder.
TASK_FOLDERS = {
    "client-credentials": ("Client credentials",),
    "first-request": ("Client credentials", "First request"),
    "device-flow": ("Device flow",),
    "authorization-code": ("Authorization code",),
}
#: The person's part that the collection plays in the sandbox (`/device`: the confirmation
#: page and form): the examples' runner plays it without requests.
PERSON = ("/device",)


def folder_of(collection: dict) -> dict[str, str]:
    """Each request's name -> the name of the folder holding it."""
    return {
        request["name"]: folder["name"]
        for folder in collection["item"]
        for request in requests_of(folder.get("item", []))
    }


def expected_of_a_collection(task: Task) -> Task:
    """What a task's expect.toml asks of a run by hand: no poll made before the person
    confirmed (the examples poll while they wait; the collection's person confirms first)."""
    waiting = [
        request
        for request in task.requests
        if request["status"] == 400 and "device_code" in request.get("form", {})
    ]
    return dataclasses.replace(task, requests=tuple(r for r in task.requests if r not in waiting))


def expectation_problems(executions: list[dict], site: Site) -> list[str]:
    """What differs, task by task, between the requests of the collection's run and the
    task's expect.toml, judged by the examples' own checker (snippets_runner)."""
    folders = folder_of(json.loads(COLLECTION.read_text("utf-8")))
    received = site.requests
    if len(received) != len(executions):
        return [f"{len(executions)} requests run, the sandbox received {len(received)}"]
    by_folder: dict[str, list[RecordedRequest]] = {}
    for execution, request in zip(executions, received, strict=True):
        if request.path not in PERSON:
            by_folder.setdefault(folders[execution["item"]["name"]], []).append(request)
    assert set(TASK_FOLDERS) == {task.name for task in tasks()}
    problems = []
    for name, names in TASK_FOLDERS.items():
        task = expected_of_a_collection(Task.load(SNIPPETS / name))
        sent = [request for folder in names for request in by_folder.get(folder, [])]
        problems += [f"{name}: {problem}" for problem in match_requests(task, sent, site)]
    return problems


def test_a_wrong_expectation_fails_the_run(sandbox: StubServer, tmp_path: Path) -> None:
    """The collection's assertions really run: expect another token type and newman fails."""
    text = COLLECTION.read_text("utf-8")
    assert text.count("eql('Bearer')") >= 3
    broken = tmp_path / "broken.postman_collection.json"
    broken.write_text(text.replace("eql('Bearer')", "eql('MAC')"), "utf-8")
    report = tmp_path / "report.json"
    result = newman(broken, "test", sandbox.sites["test"].base_url, report)
    assert result.returncode != 0
    failures = json.loads(report.read_text("utf-8"))["run"]["failures"]
    assert {failure["error"]["test"] for failure in failures} == {
        "a Bearer access token with its lifetime"
    }


def test_a_wrong_key_is_one_failure_and_stops_the_run(sandbox: StubServer, tmp_path: Path) -> None:
    """No cascade: the token request fails once, saying what the server answered, and no
    request that needs its token runs."""
    report = tmp_path / "report.json"
    sandbox.reset()
    site = sandbox.sites["test"]
    result = newman(COLLECTION, "test", site.base_url, report, "--env-var", "apiKey=wrong")
    assert result.returncode != 0
    run = json.loads(report.read_text("utf-8"))["run"]
    (failure,) = run["failures"]
    assert "400 invalid_client: " in failure["error"]["test"], failure["error"]["test"]
    assert "X-Kontur-Trace-Id: " in failure["error"]["test"]
    assert run["stats"]["requests"]["total"] == 1
    assert [r.path for r in site.requests] == ["/connect/token"]


def test_every_request_with_the_key_sends_the_scope_the_official_pages_send() -> None:
    """The device flow's token request sends `scope`, as Kontur's device flow page shows."""
    for request in requests_of(json.loads(COLLECTION.read_text("utf-8"))["item"]):
        body = request["request"].get("body", {}).get("urlencoded", [])
        form = {field["key"]: field["value"] for field in body}
        if form.get("client_secret") and form.get("grant_type") != "authorization_code":
            assert form.get("scope") == "extern.api", request["name"]


def test_collection_is_v2_1_and_keeps_the_token_for_the_next_request() -> None:
    collection = json.loads(COLLECTION.read_text("utf-8"))
    assert collection["info"]["schema"].endswith("/collection/v2.1.0/collection.json")
    text = COLLECTION.read_text("utf-8")
    assert "pm.collectionVariables.set('accessToken'" in text
    assert "Bearer {{accessToken}}" in text


@pytest.mark.parametrize("site", SITE_NAMES)
def test_sandbox_environments_match_the_sandbox(site: str) -> None:
    registry = load_registries(None)[site]
    client = next(iter(registry.clients.values()))
    user = next(iter(registry.users.values()))
    values = environment(f"sandbox-{site}")
    base = f"http://127.0.0.1:{DEFAULT_PORTS[site]}"
    assert values["identityUrl"] == values["apiUrl"] == base
    assert (values["clientId"], values["apiKey"]) == (client.client_id, client.api_key)
    assert (values["userLogin"], values["userPassword"]) == (user.login, user.password)
    assert values["redirectUri"] in client.redirect_uris


@pytest.mark.parametrize("site", SITE_NAMES)
def test_kontur_environments_hold_placeholders_only(site: str) -> None:
    values = environment(site)
    assert (values["identityUrl"], values["apiUrl"]) == KONTUR[site]
    # Placeholders, never keys: nothing shaped like a GUID, no sandbox user.
    assert values["clientId"].startswith("your-")
    assert values["apiKey"].startswith("your-")
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", json.dumps(values))
    assert "userLogin" not in values
    document = json.loads((POSTMAN / f"{site}.postman_environment.json").read_text("utf-8"))
    (api_key,) = [value for value in document["values"] if value["key"] == "apiKey"]
    assert api_key["type"] == "secret"


@pytest.mark.parametrize("site", SITE_NAMES)
def test_every_value_to_replace_is_named_where_the_reader_reads(site: str) -> None:
    """What is not Kontur's address is a placeholder the reader replaces: the sandbox page (in
    both languages) and the collection's description name each one."""
    values = environment(site)
    to_replace = {key for key, value in values.items() if value not in KONTUR[site]}
    assert to_replace >= {"clientId", "apiKey", "redirectUri"}
    assert all("your-" in values[key] for key in to_replace), values
    description = json.loads(COLLECTION.read_text("utf-8"))["info"]["description"]
    page = (REPO / "docs" / "sandbox.rst").read_text("utf-8")
    po = (REPO / "docs" / "locale" / "en" / "LC_MESSAGES" / "sandbox.po").read_text("utf-8")
    english = po.split('msgstr "The Postman collection repeats', 1)[1].split("\n\n", 1)[0]
    for key in to_replace:
        for text in (description, page, english):
            assert f"`{key}`" in text, key
