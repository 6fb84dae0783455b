"""The reconciliation's rule (docs/codebook.md, "Several sources: one estimate"), case by case."""

from __future__ import annotations

import pytest

from minusma_facts.reconcile import Figure, computed_schema, estimate, estimate_rows


def fig(source: str, low=None, best=None, high=None, qualifier="exact", words="", row="r") -> Figure:
    return Figure(row, source, low, best, high, qualifier, words)


@pytest.mark.parametrize(
    "figures,low,best,high,n",
    [
        pytest.param([fig("a", 12, 12, 12)], 12, 12, 12, 1, id="one exact figure"),
        pytest.param([fig("a", 501, qualifier="more_than")], 501, 501, None, 1, id="more than 500 gives 501, as the GED layout"),
        pytest.param([fig("a", 12, 12, 12), fig("b", 20, 20, 20)], 12, 12, 20, 2, id="two stated: the lower middle"),
        pytest.param([fig("a", 12, 12, 12), fig("b", 20, 20, 20), fig("c", 15, 15, 15)], 12, 15, 20, 3, id="three stated: the median"),
        pytest.param([fig("a", 12, 12, 12), fig("b", 11, qualifier="more_than")], 11, 12, None, 2,
                     id="a stated best outvotes a bound; the open high stays open"),
        pytest.param([fig("a", 2000, qualifier="thousands"), fig("a", 3000, qualifier="several_thousand"), fig("b", 200, qualifier="hundreds")],
                     200, 200, None, 2, id="no best: each source's largest low, then the lower middle"),
        pytest.param([fig("a", None, None, 9, qualifier="almost")], None, None, 9, 1, id="almost N: no low, no best"),
        pytest.param([fig("a", 5, 5, 5), fig("b", qualifier="unspecified")], None, 5, None, 2,
                     id="words without a number open both bounds but count as a source"),
    ],
)
def test_the_estimate_follows_the_codebook(figures, low, best, high, n):
    got = estimate(figures)
    assert (got["low"], got["best"], got["high"], got["number_of_sources"]) == (low, best, high, n)
    assert got["best_rule"]


def test_each_source_keeps_its_own_words():
    got = estimate([fig("aj", 2000, qualifier="thousands", words="Thousands", row="x"),
                    fig("fr", 200, qualifier="hundreds", words="Des centaines", row="y")])
    assert got["source_ids"] == "aj; fr" and got["row_ids"] == "x; y"
    assert got["source_figures"] == 'aj: "Thousands" (thousands, 2000 or more) | fr: "Des centaines" (hundreds, 200 or more)'


def test_rows_are_grouped_by_event_and_kind_and_rows_without_an_event_are_left_out():
    casualties = [{"casualty_id": "c1", "event_id": "e", "harm_type": "killed", "count_low": "3", "count_best": "3",
                   "count_high": "3", "count_qualifier": "exact", "count_text": "three", "source_id": "a"},
                  {"casualty_id": "c2", "event_id": "e", "harm_type": "tortured", "count_low": "", "count_best": "",
                   "count_high": "", "count_qualifier": "unspecified", "count_text": "", "source_id": "a"}]
    figures = [{"figure_id": "f1", "event_id": "", "figure_type": "troop_strength", "unit": "troops", "value_low": "14001",
                "value_best": "", "value_high": "", "value_qualifier": "more_than", "value_text": "more than 14,000", "source_id": "a"}]
    rows = estimate_rows(casualties, figures)
    assert [(r["event_id"], r["from_table"], r["kind"], r["unit"]) for r in rows] == [("e", "casualties", "killed", "persons"),
                                                                                    ("e", "casualties", "tortured", "persons")]
    assert set(rows[0]) == {f["name"] for f in computed_schema()["fields"]}
