"""The coding workbench of the audit page, driven in headless chromium: rows coded from selected words, exported as
a patch, applied to a copy of the package with `minusma-facts apply`, and validated."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from damage import read_rows, write_rows
from packages import ROOT, copy_package
from minusma_facts.cli import app
from minusma_facts.validation import validate_package
from test_site import browser, build, select_text  # noqa: F401 - the audit page's chromium, its build, a selection

TEXT = (ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt").read_text(encoding="utf-8")
SOURCE = "aljazeera_2023_05_26_mali_protest"
runner = CliRunner()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert errors == []


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("site"))


def at(words: str, text: str = TEXT, after: int = 0) -> tuple[int, int]:
    """Code-point offsets of the first occurrence of `words` at or after `after`."""
    start = text.index(words, after)
    return start, start + len(words)


def select(page, start: int, end: int) -> None:
    """Select text[start:end] as a user does; the workbench holds exactly those code points."""
    select_text(page, start, end)
    shown = page.locator("#selection span")
    assert (shown.get_attribute("data-start"), shown.get_attribute("data-end")) == (str(start), str(end))


def new_row(page, table: str, words: tuple[int, int] | None = None) -> None:
    """Select text[start:end] (when given), choose the table and open the form for a new row."""
    if words:
        select(page, *words)
    page.select_option("#new-table", table)
    page.click("#new-row")


def fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f"#f-{name}")
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def export(page, tmp_path: Path) -> dict:
    with page.expect_download() as download:
        page.click("#export-patch")
    target = tmp_path / "patch.json"
    download.value.save_as(target)
    return json.loads(target.read_text(encoding="utf-8"))


def apply(tmp_path: Path, patch: dict, package: Path):
    file = tmp_path / "exported.json"
    file.write_text(json.dumps(patch, ensure_ascii=False), encoding="utf-8")
    return runner.invoke(app, ["apply", str(file), "--package", str(package)])


def rows(package: Path, table: str) -> list[dict[str, str]]:
    header, data = read_rows(package, table)
    return [dict(zip(header, r)) for r in data]


EVENT = {"event_id": "bamako_gathering_test", "event_name": "Gathering in Bamako (test)", "event_type": "protest",
         "is_series": "false", "claim_status": "asserted", "date_start": "2023-05-25", "date_end": "2023-05-25",
         "date_precision": "day", "date_resolution": "relative_to_publication",
         "date_note": "The Thursday before the publication date, Friday 2023-05-26."}


def test_an_event_and_an_actor_role_coded_in_the_page_apply_and_validate(page, site, tmp_path):
    page.goto(site.as_uri())
    evidence = at("Several thousand protesters gathered in the country’s capital, Bamako, on Thursday")
    new_row(page, "events", evidence)
    assert page.locator("#form-title").text_content() == "New row in events"
    assert page.locator("#f-evidence").text_content() == TEXT[slice(*evidence)]
    assert (page.locator("#f-evidence_start").text_content(), page.locator("#f-evidence_end").text_content()) == tuple(map(str, evidence))
    fill(page, EVENT)
    date = at("on Thursday", after=evidence[0])
    select(page, *date)  # a second selection fills the date's words
    page.click("#use-date_text")
    assert page.locator("#f-date_text").text_content() == "on Thursday"
    page.click("#form-save")
    assert page.locator("#changes li").count() == 1

    role = at("Several thousand protesters")
    new_row(page, "event_actors", role)
    fill(page, {"event_actor_id": "bamako_gathering_test__protesters_bamako__participant",
                "event_id": "bamako_gathering_test", "actor_id": "protesters_bamako", "role": "participant",
                "certainty": "stated"})
    assert page.locator("#e-event_id").text_content() == ""  # the event added in the page counts as existing
    page.click("#form-save")
    assert page.locator("#changes li").count() == 2
    patch = export(page, tmp_path)
    assert [(c["op"], c["table"]) for c in patch["changes"]] == [("insert", "events"), ("insert", "event_actors")]

    package = copy_package(tmp_path / "package")
    result = apply(tmp_path, patch, package)
    assert result.exit_code == 0, result.output
    assert validate_package(package).valid
    event = rows(package, "events")[-1]
    assert event["event_id"] == "bamako_gathering_test"
    for name, (start, end) in (("evidence", evidence), ("date_text", date)):
        assert (event[name], event[f"{name}_start"], event[f"{name}_end"]) == (TEXT[start:end], str(start), str(end))
    assert event["source_id"] == SOURCE
    role_row = rows(package, "event_actors")[-1]
    assert (role_row["event_id"], role_row["evidence"], role_row["evidence_start"]) == ("bamako_gathering_test", TEXT[slice(*role)], str(role[0]))


def test_a_bad_value_is_refused_with_the_schemas_message(page, site):
    page.goto(site.as_uri())
    new_row(page, "events", at("At Thursday’s protest, protesters waved Russian flags."))
    fill(page, {**EVENT, "event_id": "Bad Id", "date_start": "2023-02-30", "parent_event_id": "no_such_event"})
    page.click("#form-save")
    assert page.locator("#e-event_id").text_content() == '"Bad Id" does not match the pattern ^[a-z][a-z0-9_]*$'
    assert page.locator("#e-date_start").text_content() == '"2023-02-30" is not of type date'
    assert page.locator("#e-parent_event_id").text_content() == '"no_such_event" is not a events.event_id (no such row in events)'
    assert page.locator("#f-event_id").get_attribute("aria-invalid") == "true"
    assert "the row was not added" in page.locator("#form-status").text_content()
    assert page.locator("#changes li").count() == 0
    fill(page, {"event_id": "bamako_protest_signs"})  # a key the table has: checked as typed
    assert page.locator("#e-event_id").text_content() == ('"bamako_protest_signs" repeats row 3; the field is unique; '
                                                          "the primary key (event_id) = (bamako_protest_signs) repeats row 3")


def test_edit_and_delete_rows_then_apply(page, site, tmp_path):
    page.goto(site.as_uri())
    page.click('#tabs button[data-table="events"]')
    page.click('#rows tr[data-id="bamako_protest_signs"]')
    page.click("#edit-row")
    assert page.locator("#f-event_name").input_value() == "Protesters hold signs calling for MINUSMA to leave"
    fill(page, {"event_name": "Protesters hold signs against MINUSMA"})
    page.click("#form-save")

    # a row others point at: they are listed before anything is deleted
    page.click('#tabs button[data-table="events"]')
    page.click('#rows tr[data-id="moura_killings_2022_03"]')
    page.click("#delete-row")
    dependents = page.locator("#delete-dependents li").evaluate_all("items => items.map(i => i.dataset.table + ' ' + i.dataset.id)")
    assert "casualties moura_civilians_executed" in dependents
    page.click("#delete-cancel")
    # a row nothing points at is deleted
    figure = next(f for f in rows(ROOT, "figures")
                  if not any(f["figure_id"] in r.values() for t in ("events", "casualties", "quotes") for r in rows(ROOT, t)))
    page.click('#tabs button[data-table="figures"]')
    page.click(f'#rows tr[data-id="{figure["figure_id"]}"]')
    assert page.locator("#linked-from li").count() == 0
    page.click("#delete-row")
    assert page.locator("#delete-dependents li").count() == 0
    page.click("#delete-yes")
    assert page.locator(f'#rows tr[data-id="{figure["figure_id"]}"]').count() == 0
    patch = export(page, tmp_path)
    assert [(c["op"], c["table"]) for c in patch["changes"]] == [("update", "events"), ("delete", "figures")]
    assert patch["changes"][0]["row"] == {"event_name": "Protesters hold signs against MINUSMA"}

    package = copy_package(tmp_path / "package")
    result = apply(tmp_path, patch, package)
    assert result.exit_code == 0, result.output
    assert next(r for r in rows(package, "events") if r["event_id"] == "bamako_protest_signs")["event_name"] == "Protesters hold signs against MINUSMA"
    assert figure["figure_id"] not in [r["figure_id"] for r in rows(package, "figures")]
    assert validate_package(package).valid


def test_the_row_panel_lists_the_rows_that_point_at_a_row(page, site):
    page.goto(site.as_uri())
    page.click('#tabs button[data-table="events"]')
    page.click('#rows tr[data-id="moura_killings_2022_03"]')
    listed = set(page.locator("#linked-from li").evaluate_all("items => items.map(i => i.dataset.table + ' ' + i.dataset.id)"))
    from minusma_facts.package import Package
    from minusma_facts.show import show

    expected = {f"{l['table']} {l['id']}" for l in show(Package.open(ROOT), "events", "moura_killings_2022_03")["linked_from"]}
    assert listed == expected and "casualties moura_civilians_executed" in listed


def test_changes_are_undone_one_by_one(page, site):
    page.goto(site.as_uri())
    new_row(page, "events", at("At Thursday’s protest, protesters waved Russian flags."))
    fill(page, {**EVENT, "event_id": "undo_test_event"})
    page.click("#form-save")
    page.click('#tabs button[data-table="events"]')
    page.click('#rows tr[data-id="undo_test_event"]')
    page.click("#edit-row")
    fill(page, {"event_name": "Renamed"})
    page.click("#form-save")
    assert page.locator("#changes li").count() == 2
    page.locator("#changes li").nth(0).locator("button.undo").click()  # the edit builds on the insert
    assert "undo that first" in page.locator("#changes-status").text_content()
    assert page.locator("#changes li").count() == 2
    page.locator("#changes li").nth(1).locator("button.undo").click()
    page.locator("#changes li").nth(0).locator("button.undo").click()
    assert page.locator("#changes li").count() == 0
    page.click('#tabs button[data-table="events"]')
    assert page.locator('#rows tr[data-id="undo_test_event"]').count() == 0
    assert page.locator("#export-patch").is_disabled()


def test_pending_rows_are_marked_until_undone(page, site):
    """Rows the page added or edited, and the count it deleted, are marked in the tables until the change is undone
    (the patch is what makes them real: the page never writes the package)."""
    page.goto(site.as_uri())
    page.click('#tabs button[data-table="events"]')
    assert page.locator("#rows tr[data-pending]").count() == 0
    total = page.locator("#rows tbody tr").count()
    new_row(page, "events", at("At Thursday’s protest, protesters waved Russian flags."))
    fill(page, {**EVENT, "event_id": "pending_test_event"})
    page.click("#form-save")
    page.click('#tabs button[data-table="events"]')
    page.click('#rows tr[data-id="bamako_protest_signs"]')
    page.click("#edit-row")
    fill(page, {"event_name": "Protesters hold signs against MINUSMA"})
    page.click("#form-save")
    page.click('#tabs button[data-table="events"]')
    marked = dict(page.locator("#rows tr[data-pending]").evaluate_all("rows => rows.map(r => [r.dataset.id, r.dataset.pending])"))
    assert marked == {"pending_test_event": "added", "bamako_protest_signs": "edited"}
    assert page.locator('#rows tr[data-id="pending_test_event"]').get_attribute("title") == "Pending: added in this page, not yet applied"
    assert page.locator("#row-count").text_content() == f"{total + 1} of {total + 1} rows; pending, not yet applied: 1 added, 1 edited"
    assert page.locator('#tabs button[data-table="events"]').text_content() == f"events ({total + 1}, 2 pending)"
    # an added row edited again stays "added"; a deleted row is counted, since it is no longer in the table
    page.click('#rows tr[data-id="pending_test_event"]')
    page.click("#edit-row")
    fill(page, {"event_name": "Renamed"})
    page.click("#form-save")
    figure = next(f for f in rows(ROOT, "figures")
                  if not any(f["figure_id"] in r.values() for t in ("events", "casualties", "quotes") for r in rows(ROOT, t)))
    page.click('#tabs button[data-table="figures"]')
    page.click(f'#rows tr[data-id="{figure["figure_id"]}"]')
    page.click("#delete-row")
    page.click("#delete-yes")
    assert page.locator("#row-count").text_content().endswith("; pending, not yet applied: 1 deleted")
    page.click('#tabs button[data-table="events"]')
    assert page.locator('#rows tr[data-id="pending_test_event"]').get_attribute("data-pending") == "added"
    while page.locator("#changes li").count():
        page.locator("#changes li").last.locator("button.undo").click()
    page.click('#tabs button[data-table="events"]')
    assert page.locator("#rows tr[data-pending]").count() == 0
    assert page.locator("#row-count").text_content() == f"{total} of {total} rows"
    page.click('#tabs button[data-table="figures"]')
    assert "pending" not in page.locator("#row-count").text_content()


def tab_to(page, selector: str, limit: int = 600) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user does."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only(page, site, tmp_path):
    page.goto(site.as_uri())
    tab_to(page, "#find-words")
    page.keyboard.type("protesters waved Russian flags")
    page.keyboard.press("Enter")
    start, end = at("protesters waved Russian flags")
    assert page.locator("#selection span").get_attribute("data-start") == str(start)
    tab_to(page, "#new-table")
    page.keyboard.type("events")  # a select takes the first option starting with what is typed
    tab_to(page, "#new-row")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "f-event_id"  # the form opens on its first field
    for name, value in {**EVENT, "event_id": "keyboard_test_event"}.items():
        tab_to(page, f"#f-{name}")
        page.keyboard.type(value)  # a select takes the option that starts with what is typed
    tab_to(page, "#form-save")
    page.keyboard.press("Enter")
    assert page.locator("#changes li").count() == 1
    tab_to(page, "#export-patch")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    target = tmp_path / "keyboard.json"
    download.value.save_as(target)
    patch = json.loads(target.read_text(encoding="utf-8"))
    row = patch["changes"][0]["row"]
    assert patch["changes"][0]["key"] == {"event_id": "keyboard_test_event"}
    assert (row["evidence"], row["evidence_start"], row["evidence_end"]) == (TEXT[start:end], str(start), str(end))
    assert (row["event_type"], row["is_series"], row["date_precision"]) == ("protest", "false", "day")


@pytest.mark.parametrize("width", [1280, 1920], ids=["1280 px", "1920 px"])
def test_readable_at_common_widths(page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site.as_uri())
    select(page, *at("protesters waved Russian flags"))
    page.click("#new-row")
    overflow = page.evaluate("""() => [...document.querySelectorAll('#row-form, #code-bar, #form-fields .field')]
        .filter(n => n.scrollWidth > n.clientWidth + 1).map(n => n.id || n.className)""")
    assert overflow == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_offsets_are_code_points_with_an_astral_character(page, tmp_path):
    """A test text with a character outside the BMP (two UTF-16 units in the browser, one code point in the CSV)."""
    package = copy_package(tmp_path / "package")
    text = "Le 𝟐𝟓 mai, des manifestants ont défilé à Bamako contre la MINUSMA.\n"
    (package / "sources" / "astral-test.txt").write_text(text, encoding="utf-8")
    header, data = read_rows(package, "sources")
    new = dict(zip(header, data[0]))
    new.update(source_id="astral_test", headline="Test text", original_url="https://example.org/astral-test", text_path="sources/astral-test.txt",
               text_sha256=hashlib.sha256(text.encode()).hexdigest(), text_length_chars=str(len(text)),
               text_length_bytes=str(len(text.encode())), copy_url="", copy_publication_date="", language_code="fr")
    write_rows(package, "sources", header, data + [[new[h] for h in header]])
    assert validate_package(package).valid
    page.goto(build(tmp_path, package).as_uri())
    page.select_option("#source-bar select", "astral_test")
    words = "des manifestants ont défilé à Bamako"
    start, end = at(words, text)
    assert len(text[:start].encode("utf-16-le")) // 2 == start + 2  # the browser counts two more units before it
    new_row(page, "event_actors", (start, end))
    fill(page, {"event_actor_id": "astral_test_role", "event_id": "bamako_protest_2023_05_25",
                "actor_id": "protesters_bamako", "role": "participant", "certainty": "stated"})
    page.click("#form-save")
    patch = export(page, tmp_path)
    row = patch["changes"][0]["row"]
    assert (row["source_id"], row["evidence"], row["evidence_start"], row["evidence_end"]) == ("astral_test", words, str(start), str(end))
    result = apply(tmp_path, patch, package)
    assert result.exit_code == 0, result.output
    assert validate_package(package).valid


def test_a_screenshot_of_the_form(page, site, tmp_path):
    page.goto(site.as_uri())
    evidence = at("Several thousand protesters gathered in the country’s capital, Bamako, on Thursday")
    new_row(page, "events", evidence)
    fill(page, {**EVENT, "event_id": "Bamako gathering"})
    page.click("#form-save")
    shot = tmp_path / "form.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# the page's checks and validate's agree, word for word, on the same bad cell
SAME_WORDS = [
    pytest.param("events", "bamako_protest_signs", "date_start", "2023-02-30", id="date that does not exist"),
    pytest.param("events", "bamako_protest_signs", "event_id", "Bad Id", id="pattern"),
    pytest.param("events", "bamako_protest_signs", "event_type", "riot", id="enum"),
    pytest.param("events", "bamako_protest_signs", "event_name", "", id="required"),
    pytest.param("events", "bamako_protest_signs", "is_series", "yes", id="boolean"),
    pytest.param("events", "bamako_protest_signs", "admin_level", "3.5", id="integer"),
    pytest.param("events", "bamako_protest_signs", "latitude", "north", id="number"),
    pytest.param("events", "bamako_protest_signs", "parent_event_id", "no_such_event", id="foreign key"),
    pytest.param("events", "bamako_protest_meeting", "event_id", "bamako_protest_signs", id="unique key"),
    pytest.param("event_actors", 0, "evidence_start", "-1", id="minimum"),
    pytest.param("event_actors", 0, "evidence", "Several thousand protesters gathered!", id="span not the text"),
    pytest.param("event_actors", 0, "evidence_end", "", id="span incomplete"),
]


@pytest.mark.parametrize("table, which, field, value", SAME_WORDS)
def test_the_page_refuses_a_bad_cell_in_validates_words(page, site, tmp_path, table, which, field, value):
    from damage import find_row, set_cell

    header, data = read_rows(ROOT, table)
    key = header[0]
    index = which if isinstance(which, int) else next(i for i, r in enumerate(data) if r[0] == which)
    values = {**dict(zip(header, data[index])), field: value}
    page.goto(site.as_uri())
    in_page = page.evaluate("([t, v, i]) => window.minusmaWorkbench.check(t, v, i)", [table, values, index])
    package = copy_package(tmp_path / "package")
    row = find_row(package, table, lambda r: r[key] == data[index][0])
    set_cell(package, table, row, field, value)
    report = validate_package(package).to_dict()
    prefix = f"{table}.csv row {row} (line {row}), field {field}: "
    by_validate = sorted(p["message"][len(prefix):] for p in report["errors"]
                         if p["message"].startswith(prefix) and p["type"] not in {"date-order", "date-precision"})
    assert in_page.get(field), in_page
    assert sorted(in_page[field]) == by_validate
