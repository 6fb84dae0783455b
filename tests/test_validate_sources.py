"""`validate --sources DIR` with a copy of a text that differs from the recorded one: the hash mismatch is reported
first and alone (no span errors piled on it), with what would fix the copy."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from packages import copy_package

ROOT = Path(__file__).resolve().parents[1]
TEXT = ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt"


def crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def nfd(data: bytes) -> bytes:
    return unicodedata.normalize("NFD", data.decode("utf-8")).encode("utf-8")


def edited(data: bytes) -> bytes:
    return data.replace(b"Bamako", b"Bamak0", 1)


@pytest.mark.parametrize(
    "damage, hint",
    [
        pytest.param(crlf, "It matches with its line ends converted from CRLF to LF", id="CRLF line ends"),
        pytest.param(bom, "It matches with its byte-order mark removed", id="byte-order mark"),
        pytest.param(lambda d: bom(crlf(d)), "converted from CRLF to LF and its byte-order mark removed", id="CRLF and BOM"),
        pytest.param(nfd, "It matches with it normalized to NFC", id="decomposed (NFD)"),
        pytest.param(edited, "Try: line ends (CRLF to LF), Unicode normalization (NFC)", id="a changed word"),
    ],
)
def test_a_copy_with_another_hash_gets_one_error_that_says_what_to_try(tmp_path, run_validate, damage, hint):
    package = copy_package(tmp_path / "package", with_text=False)
    copies = tmp_path / "copies"
    copies.mkdir()
    original = TEXT.read_bytes()
    if damage is nfd and nfd(original) == original:
        pytest.fail("the seed text has no character that NFD decomposes; pick another damage")
    (copies / TEXT.name).write_bytes(damage(original))
    code, _, _, report = run_validate(package, "--sources", copies, "--json")
    assert code == 1
    errors = report["errors"]
    assert [e["type"] for e in errors] == ["source-hash-mismatch"], [e["message"][:80] for e in errors]
    assert errors[0]["message"].startswith("sources.csv row 2 (line 2), field text_sha256: ")
    assert hint in errors[0]["message"]
    assert "its spans are not checked against it" in errors[0]["message"]


def test_the_right_copy_verifies_every_span(tmp_path, run_validate):
    package = copy_package(tmp_path / "package", with_text=False)
    code, _, _, report = run_validate(package, "--sources", TEXT.parent, "--json")
    # no warning but the empty event_reports table's (tests/test_event_reports.py)
    assert code == 0 and report["errors"] == [] and report["warnings"] == []
