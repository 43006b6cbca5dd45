"""How `make mutate AREA=...` makes, draws and counts mutants (bench/areas.py); no mutant runs."""

import json
import re
from pathlib import Path

from site_build import EXTENSIONS, REPO

from bench import areas


def changes(line: str, path: str = "x.java") -> list[tuple[str, str | None]]:
    return list(areas._line_changes(line, path))


def test_the_operators_of_the_examples() -> None:
    line = '    request.setHeader("Authorization", "Bearer " + token); if (a == 200) {'
    found: dict[str, str | None] = {}
    for operator, new in changes(line):
        found.setdefault(operator, new)
    assert found["string"] == line.replace('"Authorization"', '"XXAuthorization"')
    assert found["header"] == line.replace("Authorization", "Authorisation")
    assert found["number"] == line.replace("200", "201")
    assert found["swap"] == line.replace("==", "!=")
    assert found["delete"] is None
    # Every string of the line, not only the first, gets its own mutant.
    assert [new for op, new in changes(line) if op == "string"][1] == line.replace(
        '"Bearer "', '"XXBearer "'
    )
    assert ("delete", None) not in changes("  }")
    assert ("delete", None) not in changes("fi", "x.sh")


def test_flags_are_the_strict_builds_or_a_shell_examples() -> None:
    make = "\t$(SPHINXBUILD) -c . -b html $(STRICT) $(SPHINXOPTS)"
    assert [new for op, new in changes(make, "Makefile") if op == "flag"] == [
        "\t$(SPHINXBUILD) -c . -b html $(SPHINXOPTS)"
    ]
    strict = "STRICT     := --fail-on-warning --keep-going -n"
    dropped = [new for op, new in changes(strict, "Makefile") if op == "flag"]
    assert dropped == [
        "STRICT     := --keep-going -n",
        "STRICT     := --fail-on-warning -n",
        "STRICT     := --fail-on-warning --keep-going",
    ]
    curl = "  curl --silent --max-time 30 \\"
    assert "  curl --max-time 30 \\" in [new for op, new in changes(curl, "a.sh") if op == "flag"]


def test_comments_and_blank_lines_are_never_mutated(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(areas, "REPO", tmp_path)
    (tmp_path / "a.sh").write_text('# "comment" 30\n\necho "x"\n', encoding="utf-8")
    found = list(areas.text_mutants("a.sh"))
    assert {candidate.id.split(":")[1] for candidate in found} == {"3"}
    mutant = found[0].write()
    assert (mutant.line, mutant.before, mutant.after) == (3, 'echo "x"', 'echo "XXx"')


def test_the_sample_is_seeded_and_any_first_part_is_drawn_the_same() -> None:
    candidates = [
        areas.Candidate(f"m{n}", "f", lambda n=n: areas.Mutant(f"m{n}", "f", n, "", "", ""))
        for n in range(500)
    ]
    first = [m.id for m in areas.sample(candidates, 140)]
    assert first == [m.id for m in areas.sample(candidates, 140)]
    assert len(set(first)) == 140
    assert [m.id for m in areas.sample(candidates, 140, seed=1)] != first
    assert len(areas.sample(candidates[:10], 140)) == 10


def test_every_area_has_files_and_every_extension_its_tests() -> None:
    for area in areas.AREAS.values():
        assert any(REPO.glob(pattern) for pattern in area.files), area.name
    assert set(areas.EXTENSION_TESTS) == {path.stem for path in EXTENSIONS.glob("*.py")}
    for tests in areas.EXTENSION_TESTS.values():
        assert all((REPO / test).is_file() for test in tests), tests
    assert "sandbox" not in areas.AREAS  # mutmut's own run: make mutate


def test_settings_mutants_are_the_switches_only() -> None:
    candidates = areas.mutants_of(areas.AREAS["settings"])
    lines = {candidate.write().before for candidate in candidates}
    assert "STRICT     := --fail-on-warning --keep-going -n" in lines
    assert 'translation_allow_untranslated = _switch("ALLOW_UNTRANSLATED")' in lines
    assert not any(line.startswith(("html_theme", "project", "PYTHON")) for line in lines)


def test_examples_mutants_are_in_example_files_only() -> None:
    paths = {candidate.path for candidate in areas.mutants_of(areas.AREAS["examples"])}
    assert {Path(path).suffix for path in paths} == {".py", ".sh", ".mjs", ".java", ".php", ".cs"}


def record(tmp_path: Path, verdicts: dict) -> Path:
    results = tmp_path / "areas"
    results.mkdir()
    entry = {"date": "2026-12-06 23:00 UTC", "sample": 140, "population": 600}
    (results / "po.json").write_text(json.dumps({**entry, "verdicts": verdicts}))
    return results


def test_killed_over_checked_leaving_out_listed_equivalents(tmp_path: Path) -> None:
    verdicts = {f"k{n}": {"verdict": "killed", "line": "x"} for n in range(18)}
    verdicts |= {
        "s1": {"verdict": "survived", "line": "a = None"},
        "s2": {"verdict": "no tests", "line": "b"},
        "s3": {"verdict": "survived", "line": "c = 2"},
    }
    listing = tmp_path / "MUTANTS.toml"
    listing.write_text(
        '[po."s1"]\nline = "a = None"\nwhy = "None is the default."\n'
        '[po."s3"]\nline = "c = 3"\nwhy = "judged on another line: stale"\n'
    )
    kills = areas.read("po", listing, record(tmp_path, verdicts))
    assert kills is not None
    assert (kills.killed, kills.checked, kills.equivalent) == (18, 21, ("s1",))
    assert kills.ratio == 18 / 20
    low, high = kills.interval
    assert (round(low, 3), round(high, 3)) == (0.699, 0.972)  # Wilson's, 18 of 20
    assert re.match(
        r"po: 18 of 20 mutants killed \(90\.0%; 95% interval 70% to 97%\)", kills.summary()
    )
    assert "21 of a seeded sample of 140 checked, out of 600 (2026-12-06 23:00 UTC)" in (
        kills.summary()
    )
    assert areas.read("runner", listing, tmp_path / "areas") is None


def test_an_equivalent_is_known_by_its_file_and_line_whatever_its_id(tmp_path: Path) -> None:
    """A line added above a listed mutant renumbers it (py638 becomes py641): the entry still
    counts for the survivor of that file writing that line, and for no other file's; a
    deletion's entry names the line deleted."""
    line = "x = run(check=None)"
    verdicts = {
        "tools/po.py:py641": {"verdict": "survived", "line": line, "was": "x = run(check=False)"},
        "tools/other.py:py638": {"verdict": "survived", "line": line, "was": ""},
        "tools/po.py:py12": {"verdict": "survived", "line": "x = run(check=True)", "was": ""},
        "tools/po.py:py7": {"verdict": "killed", "line": line, "was": ""},
        "a.sh:12:delete3": {"verdict": "survived", "line": "(deleted)", "was": 'echo ""'},
        "a.sh:14:delete0": {"verdict": "survived", "line": "(deleted)", "was": "exit 1"},
        "b.sh:9:delete0": {"verdict": "survived", "line": "(deleted)", "was": "exit 1"},
    }
    listing = tmp_path / "MUTANTS.toml"
    listing.write_text(
        f'[po."tools/po.py:py638"]\nline = "{line}"\nwhy = "None is false."\n'
        '[po."tools/po.py:py12"]\nline = "x = run(check=False)"\nwhy = "stale: moved on"\n'
        '[po."a.sh:9:delete0"]\nline = "(deleted)"\nwas = \'echo ""\'\nwhy = "prints nothing"\n'
        '[po."b.sh:9:delete0"]\nline = "(deleted)"\nwhy = "names no line: no deletion\'s"\n'
    )
    kills = areas.read("po", listing, record(tmp_path, verdicts))
    assert kills is not None
    assert kills.equivalent == ("a.sh:12:delete3", "tools/po.py:py641")
    assert (kills.killed, kills.checked, kills.ratio) == (1, 7, 1 / 5)


def test_entries_that_match_no_mutant_or_several_lines_are_named(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(areas, "REPO", tmp_path)
    (tmp_path / "a.sh").write_text("a && b || c\na || b && c\necho 1\n", encoding="utf-8")
    area = areas.Area("t", ("a.sh",), lambda _path: [], kind="text")
    listing = tmp_path / "MUTANTS.toml"
    listing.write_text(
        '[t."a.sh:3:number0"]\nline = "echo 2"\nwhy = "still written"\n'
        '[t."a.sh:3:number1"]\nline = "echo 3"\nwhy = "the code moved on"\n'
        '[t."a.sh:1:swap0"]\nline = "a || b || c"\nwhy = "two lines become it"\n'
        '[t."a.sh:2:swap0"]\nline = "a || b || c"\nwas = "a || b && c"\nwhy = "one"\n'
    )
    assert areas.stale(area, listing) == {
        "a.sh:3:number1": "no mutant writes its line",
        "a.sh:1:swap0": "its line replaces 2 different lines: give `was`",
    }


def test_again_checks_the_survivors_but_the_listed_equivalents(tmp_path: Path, monkeypatch) -> None:
    """MUTATE_AGAIN=1 after new tests: a listed equivalent would only cost a run of every test
    of its file again."""
    mutants = [areas.Mutant(f"f.py:py{n}", "f.py", n, "x = 1", f"x = {n}", "") for n in (1, 2, 3)]
    candidates = [areas.Candidate(m.id, m.path, lambda m=m: m) for m in mutants]
    kept = {"seed": areas.SEED, "sample": 3, "verdicts": {}}
    for mutant, verdict in zip(mutants, ("killed", "survived", "survived"), strict=True):
        kept["verdicts"][mutant.id] = {"verdict": verdict, "line": mutant.after, "was": "x = 1"}
    judged: list[str] = []

    def judge(mutant: areas.Mutant, *args: object) -> tuple[str, float]:
        judged.append(mutant.id)
        return "killed", 0.0

    monkeypatch.setattr(areas, "mutants_of", lambda area: candidates)
    monkeypatch.setattr(areas, "load", lambda name: kept)
    monkeypatch.setattr(areas, "equivalent_listed", lambda name: {"f.py:py9": {"line": "x = 2"}})
    monkeypatch.setattr(areas, "judge", judge)
    monkeypatch.setattr(areas, "scratch_copy", lambda name: tmp_path / "copy")
    monkeypatch.setattr(areas, "RESULTS", tmp_path / "areas")
    area = areas.Area("t", ("f.py",), lambda path: [])
    record = areas.run_area(area, 3, budget=60, fresh=False, again=True)
    assert judged == ["f.py:py3"]
    verdicts = {id: v["verdict"] for id, v in record["verdicts"].items()}
    assert verdicts == {"f.py:py1": "killed", "f.py:py2": "survived", "f.py:py3": "killed"}


def test_strings_are_found_whole_empty_ones_included() -> None:
    line = 'if value in ("", "0", "it\'s"):'
    strings = [new for op, new in changes(line, "conf.py") if op == "string"]
    assert strings == [
        'if value in ("", "XX0", "it\'s"):',
        'if value in ("", "0", "XXit\'s"):',
    ]
