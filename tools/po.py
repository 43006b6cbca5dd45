"""The translation's .po files: update them, list what is left, count it.

``python -m tools.po update POT_DIR LOCALE_DIR`` (``make po``) brings every
``<page>.po`` of the English translation up to date with the messages Sphinx extracted
(``<page>.pot``):

- an entry whose Russian text changed is kept, marked ``#, fuzzy``, with the Russian
  text it was translated from as ``#| msgid`` (so ``make po-todo`` can show the change);
- a new file gets a real header (language, project, team), not the template's;
- a new, untranslated message that another page already translates (the same Russian
  text, such as a tab label) is filled in from all the catalogs together (a
  compendium): as it is when every page translates it the same way, marked
  ``#, fuzzy`` with the other translations in a comment when the pages disagree.

The catalogs follow the pages: ``make po`` first empties ``_build/gettext``, so only the
current pages' messages are read. A catalog whose page is gone is reported by name, and
removed with ``--prune`` (``make po PRUNE=1``); when ``redirects.toml`` says the page
moved (``"terms" = "glossary"``) and the new page has no translation yet, the catalog is
renamed with it and keeps every translation. A ``.po`` file with merge conflict markers
or a syntax error stops every command before anything is written, naming file and line.

``python -m tools.po todo LOCALE_DIR`` (``make po-todo``) lists, per file, every
untranslated or fuzzy message with its line, and for a fuzzy one a word-level diff of
the Russian text it was translated from and the Russian text now; then a one-line
summary. ``python -m tools.po stats LOCALE_DIR`` (``make po-stats``) counts them per
file. Both only report: they exit 0.
"""

import argparse
import difflib
import io
import re
import sys
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import denormalize, normalize, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))
from po_files import BrokenCatalog, read_strictly

LANGUAGE = "en"
LANGUAGE_TEAM = "English"
TRANSLATOR = "Kontur.Extern API docs team"
#: No wrapping: one message, one line, so a diff of a .po file shows whole messages.
WIDTH = -1


def read(path: Path) -> Catalog:
    """A catalog, with each fuzzy entry's previous msgid (``#|``) where it was written.

    Babel writes ``#| msgid`` but reads it back as a translator's comment ``| msgid``.
    """
    catalog = read_strictly(path, locale=LANGUAGE if path.suffix == ".po" else None)
    for message in messages(catalog):
        previous = [c for c in message.user_comments if c.startswith(("| msgid ", '| "'))]
        if not previous:
            continue
        message.user_comments = [c for c in message.user_comments if c not in previous]
        text = "\n".join(c.removeprefix("| msgid ").removeprefix("| ") for c in previous)
        message.previous_id = [denormalize(text)]
    return catalog


def render(catalog: Catalog) -> bytes:
    """The .po file; a fuzzy entry's previous msgid as ``#| msgid "..."``, never wrapped.

    Babel's own ``include_previous`` wraps that comment at 76 characters, which no
    gettext tool can read back; so the ``#|`` lines are written here.
    """
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH)
    entries = iter(catalog)  # the header first, then every message, in the file's order
    lines = []
    for line in out.getvalue().decode("utf-8").splitlines(keepends=True):
        if line.startswith('msgid "'):
            message = next(entries)
            if message.fuzzy and message.previous_id:
                previous = normalize(message.previous_id[0], width=WIDTH).splitlines()
                lines.append(f"#| msgid {previous[0]}\n")
                lines += [f"#| {more}\n" for more in previous[1:]]
        lines.append(line)
    return "".join(lines).encode("utf-8")


def catalogs(locale_dir: Path) -> list[Path]:
    return sorted((locale_dir / LANGUAGE / "LC_MESSAGES").rglob("*.po"))


def messages(catalog: Catalog) -> Iterator[Message]:
    """The catalog's messages, without its header."""
    return (message for message in catalog if message.id)


# -- update ---------------------------------------------------------------------------


def compendium(paths: list[Path]) -> dict[str, dict[str, list[str]]]:
    """Every translated message of every catalog: msgid -> translation -> files."""
    memory: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in paths:
        for message in messages(read(path)):
            if message.string and not message.fuzzy and isinstance(message.id, str):
                memory[message.id][str(message.string)].append(path.stem)
    return memory


def new_catalog(template: Catalog, pot: Path, page: str) -> Catalog:
    """An empty English catalog with a header a translator needs not touch."""
    # Babel writes "<project> <version>" and reads the last word back as the version.
    project, _, version = (template.project or "").strip().rpartition(" ")
    holder = re.search(r"^# Copyright \(C\) (.+)$", pot.read_text(encoding="utf-8"), re.M)
    catalog = Catalog(
        locale=LANGUAGE,
        project=project,
        version=version,
        msgid_bugs_address="",
        copyright_holder=holder.group(1) if holder else None,
        creation_date=template.creation_date,
        revision_date=template.creation_date,
        last_translator=TRANSLATOR,
        language_team=LANGUAGE_TEAM,
        fuzzy=False,
    )
    catalog.msgid_bugs_address = ""  # babel's constructor puts its placeholder for ""
    catalog.header_comment = (
        f"# English translation of the page {page}.\n# Copyright (C) {catalog.copyright_holder}"
    )
    return catalog


def fill_from_compendium(catalog: Catalog, memory: dict[str, dict[str, list[str]]]) -> int:
    """Translate untranslated messages that other pages translate; how many were filled."""
    filled = 0
    for message in messages(catalog):
        if message.string or message.fuzzy or message.id not in memory:
            continue
        translations = memory[message.id]
        ranked = Counter({text: len(files) for text, files in translations.items()})
        message.string = ranked.most_common(1)[0][0]
        if len(translations) > 1:
            message.flags.add("fuzzy")
            message.user_comments.append(
                "pages translate this differently: "
                + "; ".join(f"{', '.join(files)}: {text!r}" for text, files in translations.items())
            )
        filled += 1
    return filled


def moved_pages(redirects: Path | None) -> dict[str, str]:
    """Old page -> new page, from the site's redirects.toml (none when there is none)."""
    if redirects is None or not redirects.is_file():
        return {}
    return tomllib.loads(redirects.read_text(encoding="utf-8"))


def follow_the_pages(pot_dir: Path, locale_dir: Path, moved: dict[str, str], prune: bool) -> None:
    """Rename the catalog of a moved page; report (or remove) the catalog of a page gone."""
    folder = locale_dir / LANGUAGE / "LC_MESSAGES"
    pages = {str(pot.relative_to(pot_dir).with_suffix("")) for pot in pot_dir.rglob("*.pot")}
    for path in catalogs(locale_dir):
        page = str(path.relative_to(folder).with_suffix(""))
        if page in pages:
            continue
        new = moved.get(page)
        target = (folder / new).with_suffix(".po") if new in pages else None
        if target is not None and not (target.is_file() and translated(read(target))):
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
            print(f"Renamed {_shown(path)} to {_shown(target)}: the page moved to {new}")
        elif prune:
            path.unlink()
            print(f"Removed {_shown(path)}: its page {page} is gone")
        else:
            print(
                f"Orphaned {_shown(path)}: its page {page} is gone; `make po PRUNE=1` removes it"
                " (its translations still fill in the same messages on other pages)"
            )


def translated(catalog: Catalog) -> int:
    return sum(1 for message in messages(catalog) if message.string and not message.fuzzy)


def update(
    pot_dir: Path, locale_dir: Path, redirects: Path | None = None, prune: bool = False
) -> None:
    # Every catalog is read before anything is written: a broken one stops it all.
    memory = compendium(catalogs(locale_dir))
    follow_the_pages(pot_dir, locale_dir, moved_pages(redirects), prune)
    for pot in sorted(pot_dir.rglob("*.pot")):
        page = pot.relative_to(pot_dir).with_suffix("")
        path = (locale_dir / LANGUAGE / "LC_MESSAGES" / page).with_suffix(".po")
        template = read(pot)
        old = path.read_bytes() if path.is_file() else None
        catalog = read(path) if old is not None else new_catalog(template, pot, f"{page}")
        # What a fuzzy entry was translated from, before this update: babel forgets it.
        translated_from = {m.id: m.previous_id for m in messages(catalog) if m.previous_id}
        catalog.update(template, update_creation_date=False)
        for message in messages(catalog):
            # Fuzzy-matched now (previous = the old msgid) or still fuzzy from before; a
            # translator who cleared the flag is done with the old text (babel drops it).
            base = message.previous_id[0] if message.previous_id else message.id
            if message.fuzzy and base in translated_from:
                message.previous_id = translated_from[base]
        filled = fill_from_compendium(catalog, memory)
        new = render(catalog)
        if new == old:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(new)
        left = sum(1 for message in messages(catalog) if message.fuzzy or not message.string)
        verb = "Created" if old is None else "Updated"
        print(f"{verb} {path}: {left} message(s) to translate, {filled} filled from other pages")


# -- todo and stats -------------------------------------------------------------------


@dataclass
class Left:
    """What is left to translate in one catalog."""

    path: Path
    total: int
    untranslated: list[Message]
    fuzzy: list[Message]


def left(path: Path) -> Left:
    catalog = read(path)
    found = Left(path, 0, [], [])
    for message in messages(catalog):
        found.total += 1
        if message.fuzzy:
            found.fuzzy.append(message)
        elif not message.string:
            found.untranslated.append(message)
    return found


def word_diff(old: str, new: str) -> str:
    """``[-removed-]{+added+}`` between two texts, word by word (as ``git diff --word-diff``)."""
    before, after = old.split(), new.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(" ".join(before[a1:a2]))
            continue
        if a2 > a1:
            parts.append(f"[-{' '.join(before[a1:a2])}-]")
        if b2 > b1:
            parts.append(f"{{+{' '.join(after[b1:b2])}+}}")
    return " ".join(parts)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def todo(locale_dir: Path) -> None:
    files = untranslated = fuzzy = 0
    for path in catalogs(locale_dir):
        found = left(path)
        if not (found.untranslated or found.fuzzy):
            continue
        files += 1
        untranslated += len(found.untranslated)
        fuzzy += len(found.fuzzy)
        print(
            f"{_shown(path)}: {len(found.untranslated)} untranslated, {len(found.fuzzy)} fuzzy"
            f" of {found.total}"
        )
        for message in sorted(found.untranslated + found.fuzzy, key=lambda m: m.lineno):
            where = f"  {_shown(path)}:{message.lineno}:"
            if not message.fuzzy:
                print(f"{where} untranslated: {message.id}")
            elif message.previous_id:
                previous = message.previous_id
                previous = previous if isinstance(previous, str) else previous[0]
                print(f"{where} fuzzy, the Russian changed: {word_diff(previous, message.id)}")
                print(f"      English now: {message.string}")
            else:
                print(f"{where} fuzzy: {message.id}")
                print(f"      English now: {message.string}")
    if files:
        print(
            f"To translate: {untranslated} untranslated and {fuzzy} fuzzy message(s)"
            f" in {files} file(s)."
        )
    else:
        print("Nothing to translate: every message of every .po file is translated.")


def stats(locale_dir: Path) -> None:
    totals = Counter[str]()
    for path in catalogs(locale_dir):
        found = left(path)
        translated = found.total - len(found.untranslated) - len(found.fuzzy)
        totals.update(
            translated=translated, fuzzy=len(found.fuzzy), untranslated=len(found.untranslated)
        )
        print(
            f"{_shown(path)}: {translated} translated, {len(found.fuzzy)} fuzzy,"
            f" {len(found.untranslated)} untranslated"
        )
    print(
        f"In all: {totals['translated']} translated, {totals['fuzzy']} fuzzy,"
        f" {totals['untranslated']} untranslated."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.po", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("update", help="update the .po files from Sphinx's .pot files")
    command.add_argument("pot_dir", type=Path)
    command.add_argument("locale_dir", type=Path)
    command.add_argument("--redirects", type=Path, help="the site's redirects.toml: moved pages")
    command.add_argument("--prune", action="store_true", help="remove catalogs of pages gone")
    for name, text in (("todo", "what is left to translate"), ("stats", "counts per file")):
        commands.add_parser(name, help=text).add_argument("locale_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "update":
            update(args.pot_dir, args.locale_dir, args.redirects, args.prune)
        elif args.command == "todo":
            todo(args.locale_dir)
        else:
            stats(args.locale_dir)
    except BrokenCatalog as error:
        print(f"{error}\nNothing was changed.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
