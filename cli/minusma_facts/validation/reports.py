"""Rules of event_reports that span tables: a further source's report of an event is another source's.

The events row holds the report of the source that established the event; event_reports holds every further
source's (docs/codebook.md, "One event, several sources"). So an event_reports row whose source is the event's
own is filed as `report-same-source`: that source's words belong in the events row (or, for a second passage of
the same text, in its coding_note). One source reports an event once: a second row for the same event and
source is filed as `report-duplicate` (its primary key is report_id, so that the benchmark generator can scale
it like every table with an id; the pair is this rule). Its foreign keys, spans and required match_note are
checked as every table's are, from its schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..report import Report
    from .table import TableData

REPORTS = "event_reports"
EVENTS = "events"
# the columns the rule reads of each table (kept by the engine after the table is freed)
REPORT_FIELDS = {EVENTS: ("event_id", "source_id"), REPORTS: ("event_id", "source_id")}


def check_reports(report: "Report", tables: dict[str, "TableData"]) -> None:
    """File `report-same-source` on each event_reports row whose source_id is its event's own, and
    `report-duplicate` on each row repeating an earlier row's event and source. Skipped when a table or field
    is missing or the table has no rows (the descriptor and cell checks report those)."""
    if any(name not in tables or not all(f in tables[name].typed for f in fields) for name, fields in REPORT_FIELDS.items()):
        return
    events, reports = tables[EVENTS], tables[REPORTS]
    if len(reports.row_numbers) == 0:  # no further report yet: nothing to look up in events (10^6 rows at scale)
        return
    own = {}
    for event_id, source_id in zip(events.typed["event_id"].to_pylist(), events.typed["source_id"].to_pylist()):
        if event_id is not None:
            own.setdefault(event_id, source_id)
    event_ids, source_ids = reports.typed["event_id"].to_pylist(), reports.typed["source_id"].to_pylist()
    first: dict[tuple[str, str], int] = {}
    for i, (event_id, source_id) in enumerate(zip(event_ids, source_ids)):
        if reports.blank[i] or source_id is None or event_id is None:
            continue
        earlier = first.setdefault((event_id, source_id), int(reports.row_numbers[i]))
        if earlier != int(reports.row_numbers[i]):
            report.add(reports.problem(
                "report-duplicate", f"event {event_id} already has a report by {source_id} (row {earlier}); one report per "
                "source per event: put this passage in that row's evidence or coding_note", i, "source_id", source_id))
        if own.get(event_id) != source_id:
            continue
        report.add(reports.problem(
            "report-same-source",
            f"the report of event {event_id} is by {source_id}, the event's own source, whose report is the events row; "
            "an event_reports row holds a further source's report", i, "source_id", source_id))
