"""`minusma-facts add-source`: a text stored byte for byte with its sources row, or nothing at all."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from damage import find_row, get_cell, read_rows
from minusma_facts.cli import app
from spans import spans

HERE = Path(__file__).resolve().parent
FRENCH = HERE / "sources" / "bamako-manifestation-fr.txt"
SEED = "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt"
NEW_ID = "exemple_fr_2023_05_26"
OPTIONS = ["--id", NEW_ID, "--headline", "Bamako : des centaines de manifestants réclament le départ de la Minusma",
           "--publisher", "Texte écrit pour les tests", "--url", "https://example.org/bamako-manifestation",
           "--published", "2023-05-26", "--language", "fr"]


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*map(str, args)])
    return result.exit_code, result.stdout + (result.stderr or "")


def state(package: Path) -> dict[str, bytes]:
    """Every file of the package that a command could write."""
    return {str(p.relative_to(package)): p.read_bytes() for p in sorted(package.rglob("*")) if p.is_file()}


def test_the_text_is_stored_byte_for_byte_with_its_row_and_the_package_validates(package_copy):
    code, out = run("add-source", FRENCH, *OPTIONS, "--package", package_copy)
    assert code == 0, out
    raw = FRENCH.read_bytes()
    stored = package_copy / "sources" / f"{NEW_ID}.txt"
    assert stored.read_bytes() == raw
    header, rows = read_rows(package_copy, "sources")
    row = dict(zip(header, rows[-1]))
    assert row["text_sha256"] == hashlib.sha256(raw).hexdigest()
    assert int(row["text_length_chars"]) == len(raw.decode("utf-8")) < int(row["text_length_bytes"]) == len(raw)
    assert row["text_path"] == f"sources/{NEW_ID}.txt" and row["is_text_redistributable"] == "false"
    assert row["headline"].startswith("Bamako : des centaines")
    assert f"added source {NEW_ID}: sources/{NEW_ID}.txt ({len(raw.decode())} code points, {len(raw)} bytes" in out
    assert run("validate", package_copy)[0] == 0


def _not_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Le départ de la Minusma\n".encode("latin-1"))
    return path


def _nfd(tmp_path: Path) -> Path:
    path = tmp_path / "nfd.txt"
    path.write_bytes("Choguel Mai\u0308ga\n".encode("utf-8"))
    return path


def _crlf(tmp_path: Path) -> Path:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Bamako\r\nMinusma\r\n")
    return path


def _seed_copy(tmp_path: Path) -> Path:
    path = tmp_path / "same.txt"
    path.write_bytes((Path(__file__).resolve().parents[1] / "sources" / SEED).read_bytes())
    return path


@pytest.mark.parametrize("make, options, message", [
    pytest.param(_not_utf8, OPTIONS, "line 1, byte 4: not UTF-8", id="not UTF-8"),
    pytest.param(_nfd, OPTIONS, "line 1, column 11: not in Unicode NFC", id="not NFC"),
    pytest.param(_crlf, OPTIONS, "line 1, column 7: has CR line endings", id="CR line endings"),
    pytest.param(lambda t: FRENCH, [*OPTIONS[:1], "aljazeera_2023_05_26_mali_protest", *OPTIONS[2:]],
                 "data/sources.csv row 2 (line 2), field source_id: the id 'aljazeera_2023_05_26_mali_protest' is already taken",
                 id="id taken"),
    pytest.param(_seed_copy, OPTIONS, "data/sources.csv row 2 (line 2), field text_sha256: the same text is already stored "
                 "as source 'aljazeera_2023_05_26_mali_protest'", id="same text already stored"),
    pytest.param(lambda t: FRENCH, [*OPTIONS[:9], "26/05/2023", *OPTIONS[10:]],
                 'sources.csv row 3 (line 3), field publication_date: "26/05/2023" is not of type date', id="bad date"),
    pytest.param(lambda t: FRENCH, [*OPTIONS[:1], "Exemple FR", *OPTIONS[2:]],
                 'field source_id: "Exemple FR" does not match the pattern', id="bad id"),
])
def test_refusals_exit_1_and_leave_nothing_behind(package_copy, tmp_path, make, options, message):
    before = state(package_copy)
    code, out = run("add-source", make(tmp_path), *options, "--package", package_copy)
    assert code == 1, out
    assert message in out
    assert "Traceback" not in out
    assert state(package_copy) == before


def test_the_nfc_refusal_says_how_to_normalize(package_copy, tmp_path):
    code, out = run("add-source", _nfd(tmp_path), *OPTIONS, "--package", package_copy)
    assert code == 1 and "unicodedata.normalize('NFC'" in out and "never changed" in out


def test_missing_options_and_unreadable_files_exit_2(package_copy, tmp_path):
    assert run("add-source", FRENCH, "--id", NEW_ID, "--package", package_copy)[0] == 2
    code, out = run("add-source", tmp_path / "missing.txt", *OPTIONS, "--package", package_copy)
    assert code == 2 and "cannot run" in out


def fail_second_replace(monkeypatch) -> list:
    """Make the second rename of `writes.write_all` fail as a full disk would; returns the renames' targets."""
    from minusma_facts import writes

    real, calls = os.replace, []

    def fail_second(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(writes.os, "replace", fail_second)
    return calls


def test_a_failure_while_writing_leaves_no_file_and_no_row(package_copy, monkeypatch):
    before = state(package_copy)
    calls = fail_second_replace(monkeypatch)
    code, out = run("add-source", FRENCH, *OPTIONS, "--package", package_copy)
    assert code == 2 and "No space left on device" in out
    assert len(calls) == 2
    assert state(package_copy) == before
    assert not list(package_copy.rglob(".*.tmp"))


# -- --replace ----------------------------------------------------------------------------------------------
def _seed_text(package: Path) -> str:
    return (package / "sources" / SEED).read_text(encoding="utf-8")


def _offsets(package: Path) -> dict:
    return {(s.table, s.row, s.field): (s.start, s.end) for s in spans(package)}


def test_replace_moves_every_span_when_text_is_inserted_before_it(package_copy, tmp_path):
    text = _seed_text(package_copy)
    insert = "Correction: this copy restores the agency’s byline.\n\n"
    cut = text.index("Several thousand")
    corrected = tmp_path / "corrected.txt"
    corrected.write_bytes((text[:cut] + insert + text[cut:]).encode("utf-8"))
    before = _offsets(package_copy)
    code, out = run("add-source", corrected, "--replace", "aljazeera_2023_05_26_mali_protest", "--package", package_copy)
    assert code == 0, out
    after = _offsets(package_copy)
    moved = [k for k in before if before[k] != after[k]]
    assert moved and all(int(after[k][0]) == int(before[k][0]) + len(insert) for k in moved)
    assert all(int(before[k][0]) < cut for k in before if k not in moved)
    assert f"{len(moved)} moved" in out and "0 orphaned" in out
    assert (package_copy / "sources" / SEED).read_bytes() == corrected.read_bytes()
    row = find_row(package_copy, "sources", lambda r: True)
    assert get_cell(package_copy, "sources", row, "text_sha256") == hashlib.sha256(corrected.read_bytes()).hexdigest()
    assert run("validate", package_copy)[0] == 0
    assert run("locate", package_copy, "--check")[0] == 0


def test_replace_with_orphans_writes_nothing_unless_told(package_copy, tmp_path):
    text = _seed_text(package_copy)
    sentence = "More than 300 UN peacekeepers have also been killed."
    assert sentence in text
    corrected = tmp_path / "corrected.txt"
    corrected.write_bytes(text.replace(sentence, "Many UN peacekeepers have also been killed.").encode("utf-8"))
    before = state(package_copy)
    code, out = run("add-source", corrected, "--replace", "aljazeera_2023_05_26_mali_protest", "--package", package_copy)
    assert code == 1
    assert "orphaned, 'More than 300 UN peacekeepers have also been killed.' is not in the new text" in out
    assert "casualties.csv row" in out and "nothing written" in out
    assert state(package_copy) == before

    code, out = run("add-source", corrected, "--replace", "aljazeera_2023_05_26_mali_protest", "--allow-orphans",
                    "--package", package_copy)
    assert code == 0, out
    assert "offsets of the orphaned and ambiguous spans were cleared" in out
    code, out = run("locate", package_copy)
    assert code == 1 and "span-not-found" not in out and "does not occur in the text" in out


def test_replace_json_lists_every_span_with_its_status(package_copy, tmp_path):
    corrected = tmp_path / "corrected.txt"
    corrected.write_bytes(_seed_text(package_copy).replace("Bamako", "Bamako ", 1).encode("utf-8"))
    result = CliRunner().invoke(app, ["add-source", str(corrected), "--replace", "aljazeera_2023_05_26_mali_protest",
                                      "--check", "--json", "--package", str(package_copy)])
    report = json.loads(result.stdout)
    statuses = {s["status"] for s in report["spans"]}
    assert len(report["spans"]) == len([x for x in spans(package_copy) if x.source_id == "aljazeera_2023_05_26_mali_protest"]) and statuses <= {"unchanged", "moved", "orphaned", "ambiguous"}
    assert "moved" in statuses and report["written"] is False


def _span(words: str, start: int) -> "SpanCell":
    from minusma_facts.locate import SpanCell

    return SpanCell("t", "data/t.csv", 2, 2, "evidence", "evidence_start", "evidence_end", "s", words,
                    str(start), str(start + len(words)), (0, 0), (0, 0))


@pytest.mark.parametrize("old, start, new, status, where", [
    pytest.param("a UN b UN c", 7, "a UN b UN c", "unchanged", 7, id="same text"),
    pytest.param("a UN b UN c", 7, "xx a UN b UN c", "moved", 10, id="second of two, text inserted before"),
    pytest.param("a UN b UN c", 2, "a UN b c", "unchanged", 2, id="the other occurrence removed"),
    pytest.param("a UN b UN c", 7, "a UN b c", "moved", 2, id="its own occurrence removed, one left"),
    pytest.param("p UN q / p UN q", 2, "r p UN q / p UN q", "moved", 4, id="the surroundings decide between two"),
    pytest.param("xUNx", 1, "yyUNy zUNz", "ambiguous", None, id="surroundings do not decide"),
    pytest.param("a UN b", 2, "a b", "orphaned", None, id="words gone"),
])
def test_reanchoring_uses_the_words_and_the_text_around_them(old, start, new, status, where):
    from minusma_facts.addsource import reanchor

    result = reanchor(_span("UN", start), old, new)
    assert result.status == status
    if where is not None:
        assert (result.start, result.end) == (where, where + 2)


def test_write_all_keeps_permission_bits_and_puts_everything_back_on_failure(tmp_path, monkeypatch):
    from minusma_facts import writes

    kept, new = tmp_path / "kept.csv", tmp_path / "new.csv"
    kept.write_bytes(b"old\n")
    kept.chmod(0o640)
    writes.write_all({kept: b"changed\n"})
    assert kept.read_bytes() == b"changed\n" and (kept.stat().st_mode & 0o777) == 0o640
    fail_second_replace(monkeypatch)
    with pytest.raises(OSError):
        writes.write_all({kept: b"third\n", new: b"fresh\n"})
    monkeypatch.undo()
    assert kept.read_bytes() == b"changed\n" and not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.csv"]


def test_the_new_rows_key_screens_leave_no_database_open(package_copy, monkeypatch):
    """The cell checks of the new sources table screen its keys with DuckDB from SCREEN_ROWS rows (here every
    column is screened); the database they open is closed when the row is checked, not kept to the process's end."""
    import duckdb

    from minusma_facts.validation import screens

    connections = []
    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: connections.append(connect(*a, **k)) or connections[-1])
    monkeypatch.setattr(screens, "SCREEN_ROWS", 0)
    code, out = run("add-source", FRENCH, *OPTIONS, "--package", package_copy)
    assert code == 0, out
    assert connections and getattr(screens._open, "connection", None) is None
    with pytest.raises(duckdb.ConnectionException):
        connections[-1].execute("SELECT 1")
