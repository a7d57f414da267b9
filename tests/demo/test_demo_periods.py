"""Quarters and months of a replayed history: what the demo reports on."""

from datetime import date

from arflow_cli.demo.periods import months, quarters


def test_whole_quarters_and_the_quarter_the_history_ends_in() -> None:
    assert quarters(date(2012, 1, 3), date(2012, 3, 31)) == [("2012Q1", date(2012, 1, 3), date(2012, 3, 31))]
    assert quarters(date(2012, 1, 3), date(2014, 1, 9))[-2:] == [
        ("2013Q4", date(2013, 10, 1), date(2013, 12, 31)),
        ("2014Q1 to 01-09", date(2014, 1, 1), date(2014, 1, 9)),
    ]
    assert len(quarters(date(2012, 1, 3), date(2014, 1, 9))) == 9
    assert quarters(date(2012, 1, 6), date(2012, 2, 29)) == [
        ("2012Q1 to 02-29", date(2012, 1, 6), date(2012, 2, 29))
    ]


def test_months_are_clipped_to_the_history() -> None:
    assert months(date(2012, 1, 6), date(2012, 3, 10)) == [
        ("2012-01", date(2012, 1, 6), date(2012, 1, 31)),
        ("2012-02", date(2012, 2, 1), date(2012, 2, 29)),
        ("2012-03", date(2012, 3, 1), date(2012, 3, 10)),
    ]
