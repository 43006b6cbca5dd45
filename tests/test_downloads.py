"""What the site publishes for download: the sandbox package, the examples, the Postman files."""

import ast
import hashlib
import io
import re
import shutil
import sys
import tarfile
import tomllib
import zipfile
from email.parser import HeaderParser
from importlib.metadata import packages_distributions
from pathlib import Path
from urllib.parse import urljoin

import pytest
from site_build import LANGUAGES, REPO, SiteBuild, soup

sys.path.insert(0, str(REPO / "docs" / "_ext"))
import downloads

from extern_stub import __version__

SANDBOX = tomllib.loads((REPO / "sandbox" / "pyproject.toml").read_text(encoding="utf-8"))
DOCS_PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def linked_files(page: Path) -> dict[Path, tuple[str, str]]:
    """Each table of downloads on a page: file -> (version, SHA-256) shown beside its link."""
    found = {}
    for row in soup(page).select("table.downloads tbody tr"):
        link, version, checksum = row.find_all("td")
        href = link.a["href"]
        target = Path(urljoin(page.as_uri(), href).removeprefix("file://"))
        found[target] = (version.get_text(strip=True), checksum.get_text(strip=True))
    return found


def published(built_site: SiteBuild, lang: str, suffix: str) -> Path:
    (path,) = [
        path
        for path in linked_files(built_site.html / lang / "sandbox.html")
        if path.name.endswith(suffix)
    ]
    return path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sandbox_page_links_each_file_with_its_version_and_checksum(
    built_site: SiteBuild, lang: str
) -> None:
    files = linked_files(built_site.html / lang / "sandbox.html")
    # In the order a reader takes them: the sandbox, the examples, the collection, its
    # environments.
    assert [path.name for path in files] == [
        f"kontur_extern_sandbox-{__version__}-py3-none-any.whl",
        f"kontur_extern_sandbox-{__version__}.tar.gz",
        f"kontur-extern-examples-{__version__}.zip",
        "kontur-extern.postman_collection.json",
        *sorted(path.name for path in (REPO / "postman").glob("*.postman_environment.json")),
    ]
    assert len(files) == 3 + len(list((REPO / "postman").iterdir()))
    for path, (version, checksum) in files.items():
        assert path.is_file(), path
        assert path.parent == built_site.html / lang / "downloads"
        assert version == __version__
        assert checksum == hashlib.sha256(path.read_bytes()).hexdigest(), path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_of_the_flows_link_the_postman_files(built_site: SiteBuild, lang: str) -> None:
    postman = sorted(path.name for path in (REPO / "postman").iterdir())
    pages = [
        page
        for page in (built_site.html / lang).rglob("*.html")
        if "download-line" in page.read_text("utf-8")
    ]
    assert len(pages) >= 4, pages  # the first request and the three flows
    for page in pages:
        (line,) = soup(page).select(".download-line")
        targets = [
            Path(urljoin(page.as_uri(), a["href"]).removeprefix("file://"))
            for a in line.select("p a.external")
        ]
        assert sorted(target.name for target in targets) == postman, page
        for target in targets:
            assert target.read_bytes() == (REPO / "postman" / target.name).read_bytes()


def test_wheel_is_the_sandbox_with_its_own_name_and_command(built_site: SiteBuild) -> None:
    with zipfile.ZipFile(published(built_site, "en", ".whl")) as wheel:
        names = set(wheel.namelist())
        info = f"kontur_extern_sandbox-{__version__}.dist-info"
        metadata = HeaderParser().parsestr(wheel.read(f"{info}/METADATA").decode())
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert metadata["Name"] == "kontur-extern-sandbox"
    assert metadata["Version"] == __version__
    assert sorted(metadata.get_all("Requires-Dist")) == sorted(SANDBOX["project"]["dependencies"])
    assert "kontur-sandbox = extern_stub.__main__:main" in entry_points
    # Every module, template and registry of the package, and nothing of the docs project.
    package = {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "extern_stub").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert package == {name for name in names if name.startswith("extern_stub/")}
    assert not [name for name in names if not name.startswith(("extern_stub/", info))]


def test_sdist_builds_the_same_package(built_site: SiteBuild) -> None:
    with tarfile.open(published(built_site, "ru", ".tar.gz")) as sdist:
        names = sdist.getnames()
        top = f"kontur_extern_sandbox-{__version__}"
        pyproject = sdist.extractfile(f"{top}/pyproject.toml")
        assert pyproject is not None
        assert pyproject.read() == (REPO / "sandbox" / "pyproject.toml").read_bytes()
    assert f"{top}/extern_stub/__main__.py" in names
    assert f"{top}/extern_stub/sites.json" in names


def test_sandbox_dependencies_are_pinned_as_in_the_docs_project() -> None:
    pins = set(DOCS_PROJECT["project"]["dependencies"])
    assert set(SANDBOX["project"]["dependencies"]) <= pins
    constraints = set((REPO / "constraints.txt").read_text(encoding="utf-8").lower().split())
    assert {pin.lower() for pin in SANDBOX["project"]["dependencies"]} <= constraints
    assert SANDBOX["build-system"] == DOCS_PROJECT["build-system"]


def test_every_library_the_sandbox_imports_is_a_dependency_of_its_package() -> None:
    """An import the package does not declare fails only once installed elsewhere: catch it here."""
    distributions = packages_distributions()
    declared = {re.split(r"[=<>!~ ]", pin)[0].lower() for pin in SANDBOX["project"]["dependencies"]}
    imported = set()
    for module in (REPO / "extern_stub").glob("*.py"):
        if module.name == "pytest_plugin.py":  # for the project's own tests, needs pytest
            continue
        for node in ast.walk(ast.parse(module.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = {
        name for name in imported - set(sys.stdlib_module_names) - {"extern_stub", "_typeshed"}
    }
    needed = {dist.lower() for name in third_party for dist in distributions.get(name, [name])}
    assert needed <= declared, f"sandbox/pyproject.toml lacks {sorted(needed - declared)}"


def test_examples_zip_holds_every_task_folder_and_a_readme(built_site: SiteBuild) -> None:
    with zipfile.ZipFile(published(built_site, "en", ".zip")) as archive:
        names = archive.namelist()
        top = f"kontur-extern-examples-{__version__}/"
        readme = archive.read(f"{top}README.md").decode()
        contents = {name.removeprefix(top): archive.read(name) for name in names}
    assert all(name.startswith(top) for name in names)
    expected = {
        path.relative_to(REPO / "snippets").as_posix(): path.read_bytes()
        for task in downloads.task_folders()
        for path in task.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert len(expected) >= 4 * 3  # four tasks, each with at least two languages and outputs
    del contents["README.md"]
    assert contents == expected
    for task in downloads.task_folders():
        assert f"`{task.name}/`" in readme, (
            f"sandbox/examples-README.md, the examples archive's README, does not describe"
            f" the task folder `{task.name}/`: add a line for it, as for the others"
        )


def small_repo(tmp_path: Path) -> Path:
    """A copy of what the published files are made from."""
    repo = tmp_path / "repo"
    for folder in ("extern_stub", "sandbox", "snippets", "postman"):
        if (REPO / folder).is_dir():
            shutil.copytree(
                REPO / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__")
            )
    return repo


def test_made_once_and_again_only_when_an_input_changes(tmp_path: Path) -> None:
    repo, cache = small_repo(tmp_path), tmp_path / "cache"
    first = downloads.make_published(repo, cache)
    stamps = {path: path.stat().st_mtime_ns for path in cache.rglob("*") if path.is_file()}
    assert downloads.make_published(repo, cache) == first
    assert stamps == {path: path.stat().st_mtime_ns for path in cache.rglob("*") if path.is_file()}
    # A file new in a task folder (another language, say) is in the next zip, with no list to edit.
    (repo / "snippets" / "client-credentials" / "ClientCredentials.java").write_text("class C {}\n")
    second = downloads.make_published(repo, cache)
    (archive,) = [entry for entry in second if entry.name.endswith(".zip")]
    with zipfile.ZipFile(cache / "files" / archive.name) as made:
        assert any(
            name.endswith("/client-credentials/ClientCredentials.java") for name in made.namelist()
        )
    assert archive.sha256 != next(entry for entry in first if entry.name == archive.name).sha256
    # The package did not change, and is made the same, to the byte.
    assert [entry for entry in second if entry.name.endswith(".whl")] == [
        entry for entry in first if entry.name.endswith(".whl")
    ]


def test_a_build_takes_the_files_another_made_from_the_same_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store the test suite's builds share: the same bytes, without setuptools; an
    input changed, or another address, and the package is made again."""
    repo, store = small_repo(tmp_path), tmp_path / "store"
    first = downloads.make_published(repo, tmp_path / "one", store=store)
    made = []
    build_packages = downloads.build_packages
    monkeypatch.setattr(
        downloads, "build_packages", lambda *args: made.append(args) or build_packages(*args)
    )
    assert downloads.make_published(repo, tmp_path / "two", store=store) == first
    assert not made
    for entry in first:
        one, two = (tmp_path / folder / "files" / entry.name for folder in ("one", "two"))
        assert one.read_bytes() == two.read_bytes(), entry.name
    downloads.make_published(repo, tmp_path / "three", "https://docs.example.org", store)
    (repo / "snippets" / "client-credentials" / "ClientCredentials.java").write_text("class C {}\n")
    changed = downloads.make_published(repo, tmp_path / "four", store=store)
    assert len(made) == 2
    assert changed != first
    assert len(list(store.iterdir())) == 3  # one folder a set of inputs, nothing half-made


def test_the_sdist_is_normalized(tmp_path: Path) -> None:
    sdist = tmp_path / "x.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        for name in ("b", "a"):
            info = tarfile.TarInfo(f"x/{name}")
            info.size, info.mtime, info.uname = 1, 1_900_000_000, "someone"
            tar.addfile(info, io.BytesIO(b"1"))
    downloads.normalize_sdist(sdist, 315532800)
    with tarfile.open(sdist) as tar:
        members = tar.getmembers()
        contents = [tar.extractfile(member).read() for member in members]
    assert [m.name for m in members] == ["x/a", "x/b"]
    assert {(m.mtime, m.uname, m.mode) for m in members} == {(315532800, "", 0o644)}
    assert contents == [b"1", b"1"]  # the files themselves are kept


def test_the_examples_zip_is_dated_by_the_commit_and_readable_by_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    downloads.build_examples_zip(small_repo(tmp_path), tmp_path, "1.2.3")
    with zipfile.ZipFile(tmp_path / "kontur-extern-examples-1.2.3.zip") as archive:
        infos = archive.infolist()
    assert len(infos) > 1
    assert {info.date_time for info in infos} == {(2023, 11, 14, 22, 13, 20)}
    assert {info.external_attr >> 16 for info in infos} == {0o644}


def test_the_sandbox_package_names_the_published_site_it_answers(tmp_path: Path) -> None:
    """Built for a published address, the wheel carries that site's origin, which the
    sandbox then lets run the examples from its pages; built without one, nothing."""
    repo = small_repo(tmp_path)
    # One cache: a build for another address makes the package again.
    for origin in ("https://docs.example.org", "", "http://localhost:8000"):
        made = downloads.make_published(repo, tmp_path / "cache", origin)
        (wheel,) = [entry for entry in made if entry.name.endswith(".whl")]
        with zipfile.ZipFile(tmp_path / "cache" / "files" / wheel.name) as package:
            names = package.namelist()
            if origin:
                assert package.read("extern_stub/docs-origin.txt").decode() == f"{origin}\n"
            else:
                assert "extern_stub/docs-origin.txt" not in names
    assert downloads.published_origin("https://docs.example.org/extern-auth/en/") == (
        "https://docs.example.org"
    )
    assert downloads.published_origin("") == ""
    assert downloads.published_origin("http://localhost:8000/en/") == "http://localhost:8000"
    assert downloads.published_origin("file:///tmp/site/en/") == ""
