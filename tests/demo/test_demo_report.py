"""var/report.html: one self-contained page, charts as inline SVG, nothing fetched from anywhere."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from demo_support import sample_summary

from arflow_cli.demo import report, svg, text
from arflow_cli.main import main


class Elements(HTMLParser):
    """Counts start tags and collects every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action", "data")]


def test_the_report_has_the_four_charts_and_every_table_and_loads_nothing() -> None:
    page = report.render(sample_summary())
    found = Elements()
    found.feed(page)
    assert (
        found.tags["svg"] == 2 + 3
    )  # aging for EUR and USD, DSO trend, recovery by stage, score distribution
    for title in (
        "Aging over time",
        "DSO trend",
        "Recovery by stage",
        "Credit score distribution",
        "Aging at each quarter end",
        "DSO and CEI per quarter",
        "Dunning actions by stage and channel",
        "Notifications",
        "Customers on hold",
        "Collector worklist",
    ):
        assert title in page
    assert found.urls == [] and "script" not in found.tags and "link" not in found.tags
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page), "no address outside the page"


def test_a_failed_report_section_is_shown_as_unavailable_and_the_rest_renders() -> None:
    summary = sample_summary()
    summary["figures"]["dunning"] = None
    summary["figures"]["errors"] = {"dunning": "GET /v1/reports/effectiveness → 500"}
    page = report.render(summary)
    assert "unavailable: GET /v1/reports/effectiveness" in page and "Aging over time" in page
    assert "dunning: unavailable" in text.render(summary)


def test_charts_without_data_say_so() -> None:
    assert "no data" in svg.line_chart("DSO", ["a"], [("EUR", [None], "#000")])
    assert "no data" in svg.stacked_bars("Aging", [], [])
    assert svg.nice_ceiling(0) == 1 and svg.nice_ceiling(73) == 100 and svg.nice_ceiling(0.3) == 0.5


def test_the_report_can_be_rendered_again_from_a_saved_summary(tmp_path: Path, capsys: object) -> None:
    saved = tmp_path / "summary.json"
    saved.write_text(json.dumps(sample_summary()))
    out = tmp_path / "report.html"
    try:
        main(["demo", "--report-only", str(saved), "--out", str(out)])
    except SystemExit as done:
        assert done.code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
