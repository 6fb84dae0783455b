"""`minusma-facts site OUTDIR`: the audit page, driven in Debian's headless chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from packages import copy_package
from minusma_facts.cli import app
from minusma_facts.coverage import coverage, span_fields
from minusma_facts.package import Package

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Package.open(ROOT)
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
runner = CliRunner()


def rows(table: str) -> list[dict[str, str]]:
    return PACKAGE.read_table(table, typed=False).to_dict(orient="records")


def build(tmp_path: Path, package: Path = ROOT) -> Path:
    out = tmp_path / "site"
    result = runner.invoke(app, ["site", str(out), "--package", str(package)])
    assert result.exit_code == 0, result.output
    return out / "index.html"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 850})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    yield page
    page.close()
    assert errors == []
    assert all(url.startswith(("file:", "data:", "about:")) for url in requests), requests


@pytest.fixture(scope="module")
def full_site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("full"))


def select_text(page, start: int, end: int) -> None:
    """Select text[start:end] of the article (code points) with a DOM range and release the mouse, as a drag does."""
    page.evaluate(
        """([start, end]) => {
            const segs = [...document.querySelectorAll('#article .seg')];
            const first = segs.find(s => +s.dataset.start <= start && +s.dataset.end > start);
            const last = segs.find(s => +s.dataset.start < end && +s.dataset.end >= end);
            const range = document.createRange();
            range.setStart(first.firstChild, [...first.textContent].slice(0, start - +first.dataset.start).join('').length);
            range.setEnd(last.firstChild, [...last.textContent].slice(0, end - +last.dataset.start).join('').length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            document.getElementById('article').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        [start, end],
    )


CASES = [
    pytest.param(table, PACKAGE.schema(table)["primaryKey"][0], pick, id=f"{table} {pick}")
    for table in ("events", "casualties", "quotes", "actor_aliases", "figures")
    for pick in ("first", "last")
]


@pytest.mark.parametrize("table, key, pick", CASES)
def test_clicking_a_row_highlights_exactly_its_evidence(page, full_site, table, key, pick):
    row = rows(table)[0 if pick == "first" else -1]
    page.goto(full_site.as_uri())
    page.click(f'#tabs button[data-table="{table}"]')
    page.click(f'#rows tr[data-id="{row[key]}"]')
    mark = page.locator("#highlight")
    assert mark.count() == 1
    assert mark.text_content() == row["evidence"]
    assert mark.get_attribute("data-start") == row["evidence_start"]
    assert mark.get_attribute("data-end") == row["evidence_end"]
    assert page.locator(f'#rows tr.selected[data-id="{row[key]}"]').count() == 1


def test_selecting_a_passage_lists_the_rows_that_cite_it(page, full_site):
    casualty = next(r for r in rows("casualties") if r["casualty_id"] == "moura_civilians_executed")
    start, end = int(casualty["count_text_start"]), int(casualty["count_text_end"])  # "more than 500"
    page.goto(full_site.as_uri())
    select_text(page, start, end)
    cites = page.locator("#cites")
    assert (cites.get_attribute("data-start"), cites.get_attribute("data-end")) == (str(start), str(end))
    listed = set(page.locator("#cites li").evaluate_all("items => items.map(i => i.dataset.table + ' ' + i.dataset.id)"))
    expected = set()
    for table in PACKAGE.resource_names:
        for row in rows(table):
            for span in span_fields(PACKAGE.schema(table)):
                if row[span.text] and int(row[span.start] or 0) < end and int(row[span.end] or 0) > start:
                    expected.add(f"{table} {row[PACKAGE.schema(table)['primaryKey'][0]]}")
    assert "casualties moura_civilians_executed" in listed
    assert listed == expected
    page.click('#cites li[data-id="moura_civilians_executed"]')
    assert page.locator("#highlight").text_content() == casualty["evidence"]


def test_the_filter_keeps_only_matching_rows(page, full_site):
    page.goto(full_site.as_uri())
    page.click('#tabs button[data-table="events"]')
    page.fill("#filter", "moura")
    shown = page.locator("#rows tbody tr").evaluate_all("trs => trs.map(tr => tr.dataset.id)")
    expected = [e["event_id"] for e in rows("events") if any("moura" in v.lower() for v in e.values())]
    assert shown == expected and 0 < len(shown) < len(rows("events"))
    assert page.locator("#row-count").text_content() == f"{len(expected)} of {len(rows('events'))} rows"


def test_the_page_loads_nothing_from_outside(tmp_path):
    html = build(tmp_path).read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert "default-src 'none'" in html


def test_built_without_the_text_it_shows_excerpts_only_and_says_so(page, tmp_path):
    package = copy_package(tmp_path / "pkg", with_text=False)
    index = build(tmp_path, package)
    html = index.read_text(encoding="utf-8")
    text = (ROOT / "sources" / "mali-protesters-demand-exit-of-un-peacekeeping-mission.txt").read_text(encoding="utf-8")
    gaps = coverage(PACKAGE)["sources"][0]["uncovered_ranges"]
    cells = "\n".join((ROOT / "data" / f"{t}.csv").read_text(encoding="utf-8") for t in PACKAGE.resource_names)
    uncited = [text[g["start"] : g["end"]].strip() for g in gaps]
    private = [u for u in uncited if len(u) >= 5 and u not in cells]
    assert private, "the article has stretches that no row quotes"
    assert not [u for u in private if u in html]  # none of them leaks into the page
    page.goto(index.as_uri())
    assert "not part of this build" in page.locator("#text-notice").text_content()
    quote = rows("quotes")[0]
    page.click('#tabs button[data-table="quotes"]')
    page.click(f'#rows tr[data-id="{quote["quote_id"]}"]')
    mark = page.locator("#highlight")
    assert mark.text_content() == quote["evidence"]
    assert (mark.get_attribute("data-start"), mark.get_attribute("data-end")) == (quote["evidence_start"], quote["evidence_end"])


def test_a_screenshot_can_be_taken(page, full_site, tmp_path):
    page.goto(full_site.as_uri())
    page.click('#tabs button[data-table="casualties"]')
    page.click('#rows tr[data-id="moura_civilians_executed"]')
    shot = tmp_path / "site.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unwritable_outdir_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["site", str(blocker / "sub"), "--package", str(ROOT)])
    assert result.exit_code == 2
    assert result.output.startswith("site: ")
    assert "Traceback" not in result.output
