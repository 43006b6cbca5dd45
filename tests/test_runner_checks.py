"""The runner's own checks, fed deliberately wrong examples (tests/fixtures/broken_examples/).

Every example on the site is judged by tests/snippets_runner.py: what it sends is compared
with its task's expect.toml. A check loosened there (a value accepted by prefix, a repeated
parameter let through, the api-key allowed in a header) would let a wrong example pass
quietly, so each file of the fixture folder is wrong in one way, runs against the sandbox
as a real example does, and must draw the complaint its docstring names
("The runner must say: ..."), judged against the real task's expect.toml.
"""

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import snippets_runner
from site_build import REPO
from snippets_runner import (
    _JVM_FLAGS,
    _QUIET_ARCHIVE,
    APT_PACKAGES,
    BY_SUFFIX,
    GSON,
    JAR,
    PUBLIC_URLS,
    SNIPPETS,
    CompileError,
    Example,
    Language,
    Run,
    Task,
    _at_least,
    base_env,
    built,
    file_name,
    lint,
    masked,
    match_requests,
    missing_toolchain,
    public,
    record,
    run,
    state_of,
    tasks,
)
from werkzeug.datastructures import Headers, MultiDict

from extern_stub import RecordedRequest, StubServer

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


# -- the runner's other answers: what it says when a toolchain is missing, names, masks ------


def fake_language(**fields: object) -> Language:
    return dataclasses.replace(BY_SUFFIX[".py"], name="Fake", **fields)


def test_a_missing_program_is_named_with_the_package_to_install() -> None:
    language = fake_language(needs=("javac", "no-such-program"))
    with_javac = "javac" if shutil.which("javac") is None else None
    problem = missing_toolchain(language)
    assert problem is not None
    absent = ", ".join(p for p in (with_javac, "no-such-program") if p)
    packages = " ".join(sorted({APT_PACKAGES.get(p, p) for p in absent.split(", ")}))
    assert problem == (
        f"Fake: {absent} not found: run `make toolchains` as root (apt-get install {packages})"
    )
    assert missing_toolchain(fake_language(check=lambda: "too old")) == "Fake: too old"
    assert missing_toolchain(fake_language(needs=(), check=lambda: None)) is None
    linter = fake_language(needs=(), lint_needs=("no-such-linter",))
    assert missing_toolchain(linter) is None
    assert "no-such-linter not found" in str(missing_toolchain(linter, linting=True))


def test_a_version_below_the_minimum_is_named() -> None:
    says = [sys.executable, "-c", "print('curl 7.80.0 (x86_64)')"]
    assert _at_least(says, r"curl (\d+)\.(\d+)", (7, 84), "curl") == (
        "curl 7.84 or newer is needed (found 7.80)"
    )
    assert _at_least(says, r"curl (\d+)\.(\d+)", (7, 80), "curl") is None
    assert (
        _at_least(says, r"wget (\d+)", (1,), "wget") == "wget 1 or newer is needed (found unknown)"
    )
    assert (
        _at_least(["no-such-program"], r"(\d+)", (1,), "x")
        == "x 1 or newer is needed (found unknown)"
    )


def test_file_names_follow_each_languages_habit() -> None:
    assert file_name("client-credentials", ".py") == "client_credentials.py"
    assert file_name("client-credentials", ".sh") == "client_credentials.sh"
    assert file_name("client-credentials", ".java") == "ClientCredentials.java"
    assert file_name("device-flow", ".cs") == "DeviceFlow.cs"


def test_random_values_are_masked_and_the_state_found() -> None:
    state = "a" * 16 + "_-Z9"
    text = f"open http://x/connect/authorize?state={state}&nonce={'b' * 20}&scope=openid\n"
    assert (
        masked(text)
        == "open http://x/connect/authorize?state=<random>&nonce=<random>&scope=openid\n"
    )
    assert state_of(text) == state
    assert state_of("state=short") is None
    assert masked("state=short") == "state=short"


def test_public_addresses_replace_the_sandboxs_free_ports(stub: StubServer) -> None:
    for name, site in stub.sites.items():
        assert (
            public(f"{site.base_url}/connect/token", site) == f"{PUBLIC_URLS[name]}/connect/token"
        )


def test_the_environment_of_a_run_is_a_shells_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTUR_API_KEY", "leaked")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("LC_ALL", "ru_RU.UTF-8")
    env = base_env()
    assert "KONTUR_API_KEY" not in env and "HTTPS_PROXY" not in env
    assert (env["LANG"], env["LC_ALL"]) == ("C.UTF-8", "ru_RU.UTF-8")
    assert set(env) <= {"PATH", "HOME", "LANG", "LC_ALL"}


def test_lint_names_what_is_wrong_with_a_python_file(tmp_path: Path) -> None:
    folder = tmp_path / "client-credentials"
    folder.mkdir()
    clean = folder / "client_credentials.py"
    clean.write_text('print("ok")\n', encoding="utf-8")
    assert lint(Example(clean)) == ""
    clean.write_text("import os\n", encoding="utf-8")
    assert "F401" in lint(Example(clean))


def test_a_linter_that_fails_without_a_word_is_not_read_as_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    silent = fake_language(lint=lambda path: ["sh", "-c", "exit 3", str(path)])
    monkeypatch.setitem(BY_SUFFIX, ".py", silent)
    example = tmp_path / "client-credentials" / "client_credentials.py"
    assert lint(Example(example)) == f"sh -c 'exit 3' {example} exited with 3 and said nothing"


def test_lint_names_what_is_wrong_with_a_php_file(tmp_path: Path) -> None:
    """php -l says "No syntax errors detected" of a clean file, which the runner drops, and
    names a syntax error, which it keeps."""
    if problem := missing_toolchain(BY_SUFFIX[".php"], linting=True):
        pytest.fail(problem) if os.environ.get("CI") else pytest.skip(problem)
    folder = tmp_path / "client-credentials"
    folder.mkdir()
    example = folder / "client_credentials.php"
    example.write_text("<?php\necho 'ok';\n", encoding="utf-8")
    assert lint(Example(example)) == ""
    example.write_text("<?php\necho 'ok'\n", encoding="utf-8")
    assert re.search(
        rf"syntax error, .* in {re.escape(str(example))} on line 3", lint(Example(example))
    )


def test_php_without_its_curl_extension_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    class Modules:
        stdout = "[PHP Modules]\nCore\njson\n"

    monkeypatch.setattr(snippets_runner.subprocess, "run", lambda *args, **kwargs: Modules())
    assert snippets_runner._php_curl() == (
        "php-curl is missing: run `make toolchains` as root (apt-get install php-curl)"
    )


def test_a_php_that_cannot_list_its_modules_is_named_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken php (`php -m` fails, as with a bad php.ini): the same advice as a missing
    php-curl, where the examples' tests skip (or fail under CI), not a traceback."""
    php = tmp_path / "php"
    php.write_text("#!/bin/sh\necho 'PHP Fatal error: bad php.ini' >&2\nexit 255\n")
    php.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert BY_SUFFIX[".php"].check() == (
        "php-curl is missing: run `make toolchains` as root (apt-get install php-curl)"
    )


def test_a_version_query_that_never_answers_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that never answers `--version` (a stand-in for `subprocess.run`, which would
    wait on it): the runner gives up and names the command, instead of waiting for good."""

    def never_answers(command: list[str], *, timeout: float | None, **kwargs: object) -> None:
        if timeout is None:
            pytest.fail(f"{command} waited on for good")
        raise subprocess.TimeoutExpired(command, timeout)

    monkeypatch.setattr(snippets_runner.subprocess, "run", never_answers)
    assert BY_SUFFIX[".mjs"].check() == "`node --version` did not answer in 30 s"


def token_request(form: dict[str, str], status: int = 200, body: bytes = b"") -> RecordedRequest:
    """A token request as the sandbox records it, with this form (and raw body)."""
    return RecordedRequest(
        method="POST",
        path="/connect/token",
        query=MultiDict(),
        headers=Headers(),
        content_type="application/x-www-form-urlencoded",
        form=MultiDict(form),
        basic_auth=None,
        body=body,
        trace_id="",
        status=status,
    )


def test_a_value_split_over_lines_is_refused(stub: StubServer) -> None:
    """A code read from the terminal with its line break (stdin's readline) is a slip an
    example could make: a {placeholder} takes any text on one line, never a line break."""
    site = stub.sites["test"]
    want = {"method": "POST", "path": "/connect/token", "status": 200, "form": {"code": "{code}"}}
    task = Task(SNIPPETS / "authorization-code", requests=(want,))
    assert match_requests(task, [token_request({"code": "a1b2"})], site) == []
    assert match_requests(task, [token_request({"code": "a1b2\n"})], site) == [
        "request 1 (POST /connect/token): form parameter code is 'a1b2\\n', expected '{code}'"
    ]


def test_too_many_or_too_few_requests_are_listed(stub: StubServer) -> None:
    """The count alone would not say which request is extra or missing: each one received
    is listed with its status."""
    site = stub.sites["test"]
    want = {"method": "POST", "path": "/connect/token", "status": 200}
    task = Task(SNIPPETS / "client-credentials", requests=(want, want))
    assert match_requests(task, [token_request({})], site) == [
        "2 requests expected, 1 received: ['POST /connect/token -> 200']"
    ]


def test_device_polls_are_the_token_requests_with_a_device_code() -> None:
    """What the runner counts before the person approves, and what the slow_down test reads:
    not another grant's token request."""
    poll = token_request({"device_code": "d", "client_id": "c"}, status=400)

    class Received:
        requests = (token_request({"grant_type": "client_credentials"}), poll)

    assert snippets_runner.device_polls(Received()) == [poll]  # type: ignore[arg-type]


def test_a_runs_seconds_are_its_own(tmp_path: Path) -> None:
    """What the test of the examples' own timeouts reads (test_snippets.py)."""
    example = tmp_path / "some-task" / "waits.py"
    example.parent.mkdir()
    example.write_text("import time\ntime.sleep(0.2)\n", encoding="utf-8")
    result = run(Example(example), {})
    assert result.returncode == 0, result.output
    assert 0.2 <= result.seconds < snippets_runner.TIMEOUT


def test_a_missing_toolchain_is_warned_about_on_stderr(
    stub: StubServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make snippets` on a machine without a language's toolchain records the others and
    says which it left out, on stderr (stdout lists what it recorded)."""
    monkeypatch.setattr(snippets_runner, "LANGUAGES", (fake_language(needs=("no-such-program",)),))
    assert record(stub, []) == []
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err == (
        "warning: not run: Fake: no-such-program not found: run `make toolchains` as root"
        " (apt-get install no-such-program)\n"
    )


#: Per language: what its program prints at the oldest version the examples run on, at an
#: older one, and what the runner then says.
VERSIONS = {
    ".sh": ("curl 7.84.0 (x86_64)", "curl 7.83.1 (x86_64)", "curl 7.84 or newer", "7.83"),
    ".mjs": ("v20.0.0", "v19.9.0", "Node.js 20 or newer", "19"),
    ".java": ("javac 17.0.2", "javac 11.0.19", "Java 17 or newer", "11"),
    ".php": ("PHP 8.2.0 (cli) (NTS)", "PHP 8.1.27 (cli) (NTS)", "PHP 8.2 or newer", "8.1"),
}


@pytest.mark.parametrize("suffix", VERSIONS)
def test_each_language_asks_for_its_oldest_version(
    suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oldest, older, said, found = VERSIONS[suffix]

    def prints(version: str) -> None:
        def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
            # `php -m` lists the modules, the rest say their version.
            out = "[PHP Modules]\nCore\ncurl\njson\n" if command[1:] == ["-m"] else version
            return subprocess.CompletedProcess(command, 0, out, "")

        monkeypatch.setattr(snippets_runner.subprocess, "run", fake_run)

    (tmp_path / "gson.jar").touch()
    monkeypatch.setattr(snippets_runner, "GSON", tmp_path / "gson.jar")
    prints(oldest)
    assert BY_SUFFIX[suffix].check() is None
    prints(older)
    assert BY_SUFFIX[suffix].check() == f"{said} is needed (found {found})"


def test_each_task_says_who_is_at_the_keyboard_and_what_it_calls() -> None:
    """What tests/test_snippets.py chooses each task's examples by: a wrong answer here
    would quietly leave a task's examples out of a test."""
    found = {t.name: (t.user, t.calls_api(), t.sends_credentials_first()) for t in tasks()}
    assert found == {
        "authorization-code": ("browser", False, False),
        "client-credentials": (None, False, True),
        "device-flow": ("device", False, True),
        "first-request": (None, True, True),
    }
    assert [t.name for t in tasks() if t.patterns] == ["authorization-code", "first-request"]


def test_waiting_for_what_never_happens_says_so() -> None:
    with pytest.raises(TimeoutError, match=r"^the example never got that far$"):
        snippets_runner._wait(lambda: False, timeout=0.05)


def test_recording_writes_an_output_that_changed_and_only_that(
    stub: StubServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`make snippets TASK=authorization-code` on a copy of snippets/ without its Java and C#,
    Python's toolchain alone present: the output that no longer matches is written again,
    then nothing is; the missing file is named, the languages not run are warned about."""
    snippets = tmp_path / "snippets"
    shutil.copytree(SNIPPETS, snippets)
    for name in ("AuthorizationCode.java", "AuthorizationCode.cs"):
        (snippets / "authorization-code" / name).unlink()
    monkeypatch.setattr(snippets_runner, "SNIPPETS", snippets)
    monkeypatch.setattr(
        snippets_runner,
        "missing_toolchain",
        lambda language, linting=False: None if language.suffix == ".py" else "absent",
    )
    task = Task.load(snippets / "authorization-code")
    stale = task.folder / "output.test.txt"
    recorded = stale.read_text(encoding="utf-8")
    stale.write_text(recorded + "one line more\n", encoding="utf-8")
    assert record(stub, [task]) == [stale]
    assert masked(stale.read_text(encoding="utf-8")) == masked(recorded)
    assert record(stub, [task]) == []  # a new random state is no change
    said = capsys.readouterr()
    assert said.err == "warning: not run: absent\n" * 10
    missing = "authorization-code: no example in Java, C# yet: the site shows each\n"
    assert said.out == missing * 2
    # The languages not run keep what their outputs were recorded from; the files gone, theirs.
    notes = snippets_runner.example_records.RECORD
    kept = (SNIPPETS / notes).read_text("utf-8").splitlines(keepends=True)
    gone = [line for line in kept if line.endswith(("Code.java\n", "Code.cs\n"))]
    assert len(gone) == 2
    assert (snippets / notes).read_text("utf-8") == "".join(n for n in kept if n not in gone)


def test_a_compiled_language_is_built_once_and_its_warnings_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """C# (mcs: the quicker of the two compilers) into an empty cache: the file is compiled
    into a folder of its own, used again, and a warning is an error naming the file."""
    if problem := missing_toolchain(BY_SUFFIX[".cs"]):
        pytest.fail(problem) if os.environ.get("CI") else pytest.skip(problem)
    monkeypatch.setattr(snippets_runner, "BUILD_CACHE", tmp_path / "built")
    monkeypatch.setattr(snippets_runner, "_BUILT", {})
    example = Example(SNIPPETS / "client-credentials" / "ClientCredentials.cs")
    folder = built(example)
    assert folder is not None and folder.parent == tmp_path / "built"
    assert [path.name for path in folder.iterdir()] == ["ClientCredentials.exe"]
    assert built(example) == folder
    assert example.command() == ["mono", str(folder / "ClientCredentials.exe")]
    warned = tmp_path / "client-credentials" / "ClientCredentials.cs"
    warned.parent.mkdir()
    warned.write_text("class ClientCredentials { static void Main() { int unused = 1; } }\n")
    with pytest.raises(CompileError) as refused:
        built(Example(warned))
    said = str(refused.value)
    assert said.startswith("client-credentials/ClientCredentials.cs does not compile cleanly:\n")
    assert f"{warned}(1,52): error CS0219: Warning as Error: The variable `unused'" in said
    assert lint(Example(warned)) == said
    # What the refused compile leaves: its lock file (the workers' turn to compile), no folder.
    kept = [path.name for path in (tmp_path / "built").iterdir() if path.suffix != ".lock"]
    assert kept == [folder.name]


def test_archiving_keeps_a_whole_archive_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a JVM run that archives classes leaves, whatever becomes of it (a stand-in JVM:
    it writes its archive, or not, and exits): the archive when it succeeded, never the
    scratch file it wrote into, and another process's archive when that one was first."""
    example = Example(SNIPPETS / "client-credentials" / "ClientCredentials.java")
    monkeypatch.setattr(snippets_runner, "class_archive", lambda: "classes-test.jsa")
    archive = tmp_path / "classes-test.jsa"

    def jvm(returncode: int, dumps: bool, other_first: bool = False) -> None:
        def fake_run(ran: Example, env: object, site: object, *, command: list[str]) -> Run:
            assert ran == example
            (dump,) = [arg for arg in command if arg.startswith("-XX:ArchiveClassesAtExit=")]
            if dumps:
                Path(dump.partition("=")[2]).write_bytes(b"this run's")
            if other_first:
                archive.write_bytes(b"another process's")
            return Run(returncode, "", "")

        monkeypatch.setattr(snippets_runner, "run", fake_run)

    for returncode, dumps in ((1, True), (1, False), (0, False)):
        jvm(returncode, dumps)
        snippets_runner._archive_classes(example, tmp_path)
        assert list(tmp_path.iterdir()) == [], (returncode, dumps)
    jvm(0, dumps=True, other_first=True)
    snippets_runner._archive_classes(example, tmp_path)
    assert list(tmp_path.iterdir()) == [archive]
    assert archive.read_bytes() == b"another process's"
    archive.unlink()
    jvm(0, dumps=True)
    snippets_runner._archive_classes(example, tmp_path)
    assert list(tmp_path.iterdir()) == [archive]
    assert archive.read_bytes() == b"this run's"


def test_a_compiled_java_example_archives_its_classes_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Java into an empty cache: the classes javac wrote go into one jar, a first run archives
    the classes it loads, and later runs map that archive (the flags of the command), made
    once. The classes are those the shared cache compiled (javac runs once a machine)."""
    if problem := missing_toolchain(BY_SUFFIX[".java"]):
        pytest.fail(problem) if os.environ.get("CI") else pytest.skip(problem)
    example = Example(SNIPPETS / "client-credentials" / "ClientCredentials.java")
    compiled = built(example)
    assert compiled is not None
    monkeypatch.setattr(snippets_runner, "BUILD_CACHE", tmp_path)
    monkeypatch.setattr(snippets_runner, "_BUILT", {})
    folder = tmp_path / compiled.name
    with zipfile.ZipFile(compiled / JAR) as jar:
        classes = sorted(jar.namelist())
        jar.extractall(folder)  # as javac left them
    snippets_runner._jar(folder)
    assert [path.name for path in folder.iterdir()] == [JAR]
    with zipfile.ZipFile(folder / JAR) as jar:
        assert sorted(jar.namelist()) == classes
    java = ["java", *_JVM_FLAGS]
    classpath = ["-cp", f"{folder / JAR}:{GSON}"]
    assert example.language.run(example.path, folder) == [*java, *classpath, "ClientCredentials"]

    assert built(example) == folder  # the first run: it archives
    archive = folder / snippets_runner.class_archive()
    assert sorted(path.name for path in folder.iterdir()) == sorted([JAR, archive.name])
    sharing = [f"-XX:SharedArchiveFile={archive}", _QUIET_ARCHIVE]
    assert example.command() == [*java, *sharing, *classpath, "ClientCredentials"]
    # The archive maps into this JVM with these jars (-Xshare:on: or the JVM stops).
    maps = [*java, "-Xshare:on", sharing[0], *classpath, "-version"]
    assert subprocess.run(maps, capture_output=True, check=False).returncode == 0
    # Another process (an empty map of what it built) finds the archive: no run again.
    monkeypatch.setattr(snippets_runner, "_BUILT", {})
    monkeypatch.setattr(snippets_runner, "run", None)
    assert built(example) == folder
    assert sorted(path.name for path in folder.iterdir()) == sorted([JAR, archive.name])


@pytest.mark.parametrize(
    ("says", "refused"),
    [("Compilation succeeded - 0 warning(s)", False), ("Program.cs(3,1): warning CS0168", True)],
)
def test_a_compiler_that_exits_0_is_judged_by_what_it_says(
    says: str, refused: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A compiler's success in words passes; any other word, a warning, is refused."""
    compiler = [sys.executable, "-c", f"print({says!r})"]
    fake = dataclasses.replace(BY_SUFFIX[".cs"], compile=lambda path, out: compiler)
    monkeypatch.setitem(snippets_runner.BY_SUFFIX, ".cs", fake)
    monkeypatch.setattr(snippets_runner, "BUILD_CACHE", tmp_path / "built")
    example = Example(SNIPPETS / "client-credentials" / "ClientCredentials.cs")
    if refused:
        assert lint(example) == f"{example.id} does not compile cleanly:\n{says}"
    else:
        assert lint(example) == ""
        assert built(example) in (tmp_path / "built").iterdir()


def test_what_an_example_prints_is_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """A machine whose locale is plain ASCII (LC_ALL=C, no UTF-8 coercion): the runner still
    reads an example's output as the UTF-8 it is."""
    example = tmp_path / "some-task" / "prints.py"
    example.parent.mkdir()
    example.write_text('print("ключ: key")\n', encoding="utf-8")
    code = (
        "from pathlib import Path; from snippets_runner import Example, run;"
        f" print(ascii(run(Example(Path({str(example)!r})), {{}}).stdout))"
    )
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0"}
    result = subprocess.run(
        [sys.executable, "-X", "utf8=0", "-c", code],
        cwd=REPO / "tests",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout == ascii("ключ: key\n") + "\n", result.stderr


def test_what_an_example_left_running_is_killed_with_it(tmp_path: Path, stub: StubServer) -> None:
    """A run that ends early (here the person's part fails) kills the example's whole process
    group: a program it started (curl under sh) does not outlive the run."""
    folder = tmp_path / "some-task"
    folder.mkdir()
    (folder / "expect.toml").write_text('user = "browser"\n', encoding="utf-8")
    example = folder / "starts_a_child.py"
    example.write_text(
        "import time\nfrom subprocess import DEVNULL, Popen\n"
        "child = Popen(['sleep', '30'], stdout=DEVNULL, stderr=DEVNULL)  # not holding the pipes\n"
        "print(child.pid, '/connect/authorize?x', flush=True)\n"
        "time.sleep(5)\n",
        encoding="utf-8",
    )
    shown: list[str] = []

    def gives_up(line: str) -> str:
        shown.append(line)
        raise RuntimeError("the person closed the browser")

    with pytest.raises(RuntimeError):
        run(Example(example), {}, stub.sites["test"], browser=gives_up)
    child = int(shown[0].split()[0])

    def dead() -> bool:  # gone, or a zombie its new parent has not reaped yet
        stat = Path(f"/proc/{child}/stat")
        with contextlib.suppress(FileNotFoundError):
            return stat.read_text().split()[2] == "Z"
        return True

    try:
        # SIGKILL is sent to the group at once; the kernel may take a moment to end it.
        deadline = time.monotonic() + 5
        while not dead() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert dead(), f"pid {child} outlived the run"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


def test_recording_a_task_that_lists_no_request_says_what_to_write(stub: StubServer) -> None:
    bare = Task(SNIPPETS / "client-credentials")
    with pytest.raises(SystemExit) as refused:
        record(stub, [bare])
    assert str(refused.value) == (
        "snippets/client-credentials/expect.toml: list the requests the sandbox must receive"
        " (see snippets/README.md)"
    )


def test_the_credentials_are_the_sites_own_even_when_the_sandbox_says_200(
    stub: StubServer,
) -> None:
    """{client_id} and {api_key} stand for the site's own values, never for any value: a
    status alone (a sandbox that let another key through) decides nothing."""
    site = stub.sites["test"]
    form = {"client_id": "{client_id}", "client_secret": "{api_key}"}
    want = {"method": "POST", "path": "/connect/token", "status": 200, "form": form}
    task = Task(SNIPPETS / "client-credentials", requests=(want,))
    right = {"client_id": site.client_id, "client_secret": site.api_key}
    assert match_requests(task, [token_request(right)], site) == []
    for name, template in form.items():
        wrong = token_request({**right, name: "someone-else"})
        assert match_requests(task, [wrong], site) == [
            f"request 1 (POST /connect/token): form parameter {name} is 'someone-else',"
            f" expected {template!r}"
        ]


def test_an_api_key_in_a_body_that_is_not_utf8_is_still_found(stub: StubServer) -> None:
    site = stub.sites["test"]
    want = {"method": "POST", "path": "/connect/token", "status": 200}
    task = Task(SNIPPETS / "client-credentials", requests=(want,))
    body = b"\xff" + site.api_key.encode()
    assert match_requests(task, [token_request({}, body=body)], site) == [
        "request 1 (POST /connect/token): the api-key travels outside the client_secret field"
    ]


def test_make_snippets_records_a_task_against_the_tests_stub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make snippets TASK=device-flow` on a copy of snippets/, Python alone: its own stub,
    seeded and polled as the tests' is, gives the outputs recorded, and the one made stale
    is written again and named."""
    snippets = tmp_path / "snippets"
    shutil.copytree(SNIPPETS, snippets)
    monkeypatch.setattr(snippets_runner, "SNIPPETS", snippets)
    monkeypatch.setattr(
        snippets_runner,
        "missing_toolchain",
        lambda language, linting=False: None if language.suffix == ".py" else "absent",
    )
    monkeypatch.setattr(snippets_runner, "REPO", tmp_path)
    stale = snippets / "device-flow" / "output.test.txt"
    stale.write_text("an output of long ago\n", encoding="utf-8")
    other = snippets / "first-request" / "output.test.txt"  # a task not named: left alone
    other.write_text("an output of long ago\n", encoding="utf-8")
    snippets_runner.main(["device-flow"])
    said = capsys.readouterr()
    assert said.out == (
        "recorded snippets/device-flow/output.test.txt\n"
        "1 output files changed, 1 examples run on both sites\n"
    )
    for name in snippets_runner.OUTPUTS:
        path = Path("device-flow", name)
        assert (snippets / path).read_text("utf-8") == (SNIPPETS / path).read_text("utf-8")
    assert other.read_text("utf-8") == "an output of long ago\n"


def test_a_missing_library_or_assembly_is_named_with_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Gson absent, mcs without the assemblies the examples use (a stand-in mcs that fails
    as Debian's does without them): each names what to install, and nothing else prints."""
    monkeypatch.setattr(snippets_runner, "GSON", tmp_path / "gson.jar")
    assert BY_SUFFIX[".java"].check() == (
        f"{tmp_path}/gson.jar is missing: run `make toolchains` as root"
        " (apt-get install libgoogle-gson-java)"
    )
    mcs = tmp_path / "bin" / "mcs"
    mcs.parent.mkdir()
    mcs.write_text("#!/bin/sh\necho 'error CS0006: Metadata file could not be found' >&2\nexit 1\n")
    mcs.chmod(0o755)
    monkeypatch.setenv("PATH", f"{mcs.parent}:{os.environ['PATH']}")
    assert BY_SUFFIX[".cs"].check() == (
        "mcs cannot use System.Net.Http, System.Runtime.Serialization: apt-get install"
        " libmono-system-net-http4.0-cil libmono-system-runtime-serialization4.0-cil"
    )
    assert capfd.readouterr() == ("", "")
