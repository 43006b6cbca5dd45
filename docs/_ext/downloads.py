"""Files the site publishes: the sandbox package, the examples and the Postman collection.

At the start of every build the extension makes, from the repository:

- ``sandbox``: the wheel and the sdist of ``kontur-extern-sandbox`` (``sandbox/pyproject.toml``
  with the ``extern_stub`` package, built by setuptools in a scratch folder), and
  ``kontur-extern-examples-<version>.zip``: every task folder of ``snippets/`` as it is,
  with ``sandbox/examples-README.md`` as its README;
- ``postman``: every file of ``postman/``, as it is.

They are made once into ``<doctreedir>/../published/`` and made again only when one of
their inputs changed, so a no-op build does not touch them; a lock lets the Russian and
the English build, which run side by side, share them. Every file gets the same version,
``extern_stub.__version__``, and the same bytes from the same commit (``SOURCE_DATE_EPOCH``).
An HTML build copies them into ``downloads/`` of its output.

``.. downloads:: sandbox`` shows a group as a table (file, version, SHA-256);
``.. download-line:: postman`` shows it as a label and one line of links. The column
titles and the line's label are the extension's (``LABELS``), written in the build's
language and translated once for every page (see ``labels``); nothing the directives
write (labels, names, versions, checksums) is a message of the page's ``.po`` file.
"""

from __future__ import annotations

import ast
import fcntl
import gzip
import hashlib
import io
import json
import os
import posixpath
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version as distribution_version
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from labels import Label, in_language
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

from extern_stub.cors import DOCS_ORIGIN_FILE

REPO = Path(__file__).resolve().parents[2]
#: Where the built files go in each language's output.
OUTPUT_FOLDER = "downloads"
#: The oldest time a zip file can hold (1980-01-01).
ZIP_EPOCH = 315532800
#: The words the directives write, in each language: the table's column titles, and the
#: label of each group's one-line form.
LABELS: dict[str, Label] = {
    "file": {"ru": "Файл", "en": "File"},
    "version": {"ru": "Версия", "en": "Version"},
    "sha256": {"ru": "SHA-256", "en": "SHA-256"},
    "line-sandbox": {
        "ru": "Песочница и примеры (:ref:`как установить <sandbox-start>`):",
        "en": "The sandbox and the examples (:ref:`how to install them <sandbox-start>`):",
    },
    "line-postman": {
        "ru": "Эти же запросы для Postman (:ref:`как их запустить <sandbox-postman>`):",
        "en": "The same requests for Postman (:ref:`how to run them <sandbox-postman>`):",
    },
}
#: The groups of published files, in the order they are listed.
GROUPS = ("sandbox", "postman")
#: The environment variable naming a folder where builds share the files they made.
STORE_VARIABLE = "PUBLISHED_FILES_STORE"
#: Folders and files never published.
SKIPPED = {"__pycache__", ".pytest_cache", ".DS_Store"}


@dataclass(frozen=True)
class Published:
    """One published file."""

    group: str
    name: str
    version: str
    sha256: str


def sandbox_version(repo: Path = REPO) -> str:
    """``extern_stub.__version__``, read without importing the package."""
    tree = ast.parse((repo / "extern_stub" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise ExtensionError("extern_stub/__init__.py sets no __version__ = '...'")


def _files(folder: Path) -> Iterator[Path]:
    """Every file under ``folder``, sorted, caches and hidden files left out."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(p in SKIPPED or p.startswith(".") for p in parts):
            yield path


def task_folders(repo: Path = REPO) -> list[Path]:
    """The task folders of ``snippets/``: every folder there, whatever languages it holds."""
    return [
        path
        for path in sorted((repo / "snippets").iterdir())
        if path.is_dir() and path.name not in SKIPPED and not path.name.startswith((".", "_"))
    ]


def inputs(repo: Path = REPO) -> list[Path]:
    """Every file the published files are made from."""
    found = [*_files(repo / "extern_stub"), *_files(repo / "sandbox"), *_files(repo / "postman")]
    for task in task_folders(repo):
        found += _files(task)
    return found


def _epoch() -> int:
    return max(int(os.environ.get("SOURCE_DATE_EPOCH") or ZIP_EPOCH), ZIP_EPOCH)


def input_key(repo: Path = REPO, origin: str = "") -> str:
    """Changes whenever a published file would: inputs, the epoch, this module, setuptools,
    the published site's origin."""
    digest = hashlib.sha256()
    digest.update(f"{_epoch()}\n{origin}\n".encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(_setuptools_version().encode())
    for path in inputs(repo):
        digest.update(f"{path.relative_to(repo).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _setuptools_version() -> str:
    return distribution_version("setuptools")


def build_packages(repo: Path, scratch: Path, out: Path, origin: str = "") -> None:
    """The wheel and the sdist of the sandbox, into ``out``; ``origin``, when known, is the
    published site's, which the sandbox then answers (the live examples)."""
    source = scratch / "source"
    shutil.copytree(
        repo / "extern_stub",
        source / "extern_stub",
        ignore=shutil.ignore_patterns(*SKIPPED, "*.pyc"),
    )
    if origin:
        (source / "extern_stub" / DOCS_ORIGIN_FILE).write_text(f"{origin}\n", encoding="utf-8")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(repo / "sandbox" / name, source / name)
    for path in [source, *source.rglob("*")]:
        os.utime(path, (_epoch(), _epoch()))
    script = (
        "import sys, setuptools.build_meta as backend\n"
        "out = sys.argv[1]  # the backend rewrites sys.argv\n"
        "backend.build_sdist(out)\n"
        "backend.build_wheel(out)\n"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", script, str(out)],
        cwd=source,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(_epoch()), "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise ExtensionError(f"building the sandbox package failed:\n{result.stderr[-3000:]}")
    for sdist in out.glob("*.tar.gz"):
        normalize_sdist(sdist, _epoch())


def normalize_sdist(path: Path, epoch: int) -> None:
    """Rewrite an sdist with sorted members, one time, no owners: the same bytes every build."""
    with tarfile.open(path) as tar:
        members = []
        for member in tar.getmembers():
            data = tar.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            members.append((member, data))
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=epoch) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for member, data in sorted(members, key=lambda pair: pair[0].name):
            member.mtime, member.uid, member.gid, member.uname, member.gname = epoch, 0, 0, "", ""
            member.pax_headers = {}
            member.mode = 0o755 if member.isdir() or member.mode & 0o100 else 0o644
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    path.write_bytes(buffer.getvalue())


def build_examples_zip(repo: Path, out: Path, version: str) -> None:
    """Every task folder of ``snippets/`` and a README, in one zip."""
    top = f"kontur-extern-examples-{version}"
    entries = [("README.md", repo / "sandbox" / "examples-README.md")]
    for task in task_folders(repo):
        entries += [(path.relative_to(repo / "snippets").as_posix(), path) for path in _files(task)]
    date_time = time.gmtime(_epoch())[:6]
    with zipfile.ZipFile(out / f"{top}.zip", "w") as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())


def make_published(
    repo: Path, cache: Path, origin: str = "", store: Path | None = None
) -> list[Published]:
    """The published files in ``cache/files/``, made again only when an input changed.

    With ``store``, files made from the same inputs by any build are taken from there
    (``store/<key>/``) instead of being made again, and files made here are kept there.
    """
    cache.mkdir(parents=True, exist_ok=True)
    manifest = cache / "manifest.json"
    with (cache / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other language's build waits, then reuses them
        key = input_key(repo, origin)
        if manifest.is_file():
            known = json.loads(manifest.read_text(encoding="utf-8"))
            if known["key"] == key and all(
                (cache / "files" / entry["name"]).is_file() for entry in known["files"]
            ):
                return [Published(**entry) for entry in known["files"]]
        version = sandbox_version(repo)
        with tempfile.TemporaryDirectory(dir=cache) as scratch_name:
            scratch = Path(scratch_name)
            made = scratch / "made"
            if store is not None and (store / key).is_dir():
                shutil.copytree(store / key, made)
            else:
                _make_files(repo, scratch, made, version, origin)
                if store is not None:
                    _keep(made, store / key)
            files = cache / "files"
            shutil.rmtree(files, ignore_errors=True)
            files.mkdir()
            published = []
            for group in GROUPS:
                for path in sorted((made / group).iterdir(), key=_order):
                    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
                    published.append(Published(group, path.name, version, sha256))
                    shutil.move(path, files / path.name)
        entries = [asdict(entry) for entry in published]
        manifest.write_text(json.dumps({"key": key, "files": entries}, indent=1), "utf-8")
        return published


def _make_files(repo: Path, scratch: Path, made: Path, version: str, origin: str) -> None:
    """Each group's files, made from ``repo`` into ``made/<group>/``."""
    for group in GROUPS:
        (made / group).mkdir(parents=True)
    build_packages(repo, scratch, made / "sandbox", origin)
    build_examples_zip(repo, made / "sandbox", version)
    for path in _files(repo / "postman"):
        shutil.copyfile(path, made / "postman" / path.name)


def _keep(made: Path, kept: Path) -> None:
    """A copy of ``made`` at ``kept``, whole or not at all: builds running side by side
    may keep the same files at once, and the first one's copy stays."""
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=kept.parent))
    shutil.copytree(made, partial, dirs_exist_ok=True)
    try:
        partial.rename(kept)
    except OSError:  # kept by another build meanwhile
        shutil.rmtree(partial)


def _order(path: Path) -> tuple[int, str]:
    """Wheel, sdist, examples; the Postman collection before its environments."""
    rank = [".whl", ".tar.gz", ".zip", "postman_collection.json"]
    return next((i for i, end in enumerate(rank) if path.name.endswith(end)), len(rank)), path.name


def _cache(app: Sphinx) -> Path:
    return Path(app.doctreedir).parent / "published"


def _store() -> Path | None:
    """Where builds keep the files they made for one another, if anywhere: the test suite
    builds the site again and again from the same inputs."""
    folder = os.environ.get(STORE_VARIABLE)
    return Path(folder) if folder else None


def published_origin(base_url: str) -> str:
    """The origin (scheme://host[:port]) of the site's published address; "" when unknown."""
    parts = urllib.parse.urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} else ""


def _make(app: Sphinx) -> None:
    origin = published_origin(app.config.html_baseurl)
    app.published = make_published(REPO, _cache(app), origin, _store())  # type: ignore[attr-defined]


def _copy_to_output(app: Sphinx, exception: Exception | None) -> None:
    """Put the files beside the pages of an HTML build."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / OUTPUT_FOLDER
    target.mkdir(exist_ok=True)
    for entry in app.published:  # type: ignore[attr-defined]
        source = _cache(app) / "files" / entry.name
        if not (target / entry.name).is_file() or not _same(source, target / entry.name):
            shutil.copyfile(source, target / entry.name)


def _same(one: Path, two: Path) -> bool:
    return one.read_bytes() == two.read_bytes()


class DownloadsDirective(SphinxDirective):
    """``.. downloads:: sandbox|postman``: links to a group's files, with version and SHA-256."""

    required_arguments = 1
    #: One line of links (``download-line``) instead of the table.
    as_line = False

    def run(self) -> list[nodes.Node]:
        group = self.arguments[0]
        entries = [entry for entry in self.env.app.published if entry.group == group]
        if not entries:
            raise self.error(f"no published files in the group {group!r}")
        self.env.note_dependency(str(_cache(self.env.app) / "manifest.json"))
        here = posixpath.dirname(self.env.docname)
        link = {
            entry.name: posixpath.relpath(f"{OUTPUT_FOLDER}/{entry.name}", here or ".")
            for entry in entries
        }
        if self.as_line:
            links = ", ".join(f"`{entry.name} <{link[entry.name]}>`__" for entry in entries)
            lines = [self.label(f"line-{group}"), "", links]
        else:
            lines = [".. list-table::", "   :header-rows: 1", "   :class: downloads", ""]
            lines += [f"   * - {self.label('file')}", f"     - {self.label('version')}"]
            lines += [f"     - {self.label('sha256')}"]
            for entry in entries:
                lines += [
                    f"   * - `{entry.name} <{link[entry.name]}>`__",
                    f"     - {entry.version}",
                    f"     - ``{entry.sha256}``",
                ]
        source, line = self.get_source_info()
        container = nodes.container(classes=["download-line" if self.as_line else "downloads"])
        self.set_source_info(container)
        content = StringList(lines, items=[(source, (line or 1) - 1)] * len(lines))
        self.state.nested_parse(content, self.content_offset, container)
        for paragraph in container.findall(nodes.paragraph):
            paragraph["translatable"] = False  # labels in the build's language, names, ...
        return [container]

    def label(self, name: str) -> str:
        return in_language(LABELS[name], self.config.language)


class DownloadLineDirective(DownloadsDirective):
    """``.. download-line:: postman``: a label, then the group's links on one line."""

    as_line = True


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_directive("downloads", DownloadsDirective)
    app.add_directive("download-line", DownloadLineDirective)
    app.connect("builder-inited", _make)
    app.connect("build-finished", _copy_to_output)
    return {
        "version": "1.0",
        # Raised when what the directives write changes: every page is read again. 2: the
        # labels are the extension's, no longer messages of the pages.
        "env_version": 2,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
