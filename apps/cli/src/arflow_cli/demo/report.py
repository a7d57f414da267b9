"""var/report.html: the demo's figures as one self-contained page (inline CSS and SVG, no script)."""

import re
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any

from arflow_cli.demo import svg
from arflow_cli.demo.figures import BUCKETS
from arflow_cli.demo.text import CHANNELS, currencies_of, money

BUCKET_COLOURS = ("#4caf50", "#cddc39", "#ffc107", "#ff9800", "#f4511e", "#d32f2f", "#6d1b1b")
STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 12px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; } th { background: #f5f5f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts svg { display: block; margin: 8px 0 18px; }
code { background: #f3f3f3; padding: 1px 4px; }
"""


NUMERIC = re.compile(r"^[-+]?[\d,.]+( ?%)?$|^[-+\d,.—]+ d / [-+\d,.—]+ %$|^—$")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Numbers (a column whose every filled cell is one) right-aligned, header included."""
    numeric = [
        all(NUMERIC.match(_text(row[i])) for row in rows if _text(row[i]))
        and any(_text(row[i]) for row in rows)
        for i in range(len(header))
    ]
    css = [" class='num'" if n else "" for n in numeric]
    head = "".join(f"<th{c}>{escape(str(h))}</th>" for h, c in zip(header, css, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{c}>{escape(_text(v))}</td>" for v, c in zip(row, css, strict=True)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _colour(index: int) -> str:
    return svg.PALETTE[index % len(svg.PALETTE)]


def aging_charts(monthly: Sequence[dict[str, Any]]) -> list[str]:
    charts = []
    labels = [point["as_of"][:7] for point in monthly]
    for currency in currencies_of(monthly):
        series = []
        for bucket, colour in zip(BUCKETS, BUCKET_COLOURS, strict=True):
            values = [
                float(
                    sum(
                        (
                            Decimal(str(r["amount"]))
                            for r in p["rows"]
                            if r["currency"] == currency and r["bucket"] == bucket
                        ),
                        Decimal(0),
                    )
                )
                for p in monthly
            ]
            series.append((bucket, values, colour))
        charts.append(svg.stacked_bars(f"Aging over time (month ends) — {currency}", labels, series))
    return charts


def dso_chart(monthly: Sequence[dict[str, Any]]) -> str:
    currencies = sorted({f["currency"] for p in monthly for f in p["figures"]})
    labels = [p["period"] for p in monthly]
    series = []
    for i, currency in enumerate(currencies):
        values = []
        for p in monthly:
            found = next((f.get("dso") for f in p["figures"] if f["currency"] == currency), None)
            values.append(float(found) if found is not None else None)
        series.append((currency, values, _colour(i)))
    return svg.line_chart("DSO trend (per month, days)", labels, series, "")


def recovery_chart(dunning: dict[str, Any]) -> str:
    stages: list[str] = []
    for s in dunning["stages"]:
        if s["stage"] not in stages:
            stages.append(s["stage"])
    currencies = sorted({s["currency"] for s in dunning["stages"]})
    series = []
    for i, currency in enumerate(currencies):
        values: list[float | None] = []
        for stage in stages:
            reached = sum(
                (
                    Decimal(str(s["amount_reached"]))
                    for s in dunning["stages"]
                    if s["stage"] == stage and s["currency"] == currency
                ),
                Decimal(0),
            )
            recovered = sum(
                (
                    Decimal(str(s["recovered_within_30_days"]))
                    for s in dunning["stages"]
                    if s["stage"] == stage and s["currency"] == currency
                ),
                Decimal(0),
            )
            values.append(float(recovered / reached * 100) if reached else None)
        series.append((currency, values, _colour(i)))
    return svg.grouped_bars(
        "Recovery by stage: share of the amount reached paid within 30 days", stages, series, "%", top=100
    )


def score_chart(credit: dict[str, Any]) -> str:
    labels = list(credit["score_histogram"])
    values = [float(v) for v in credit["score_histogram"].values()]
    return svg.grouped_bars(
        "Credit score distribution (customers per score band)", labels, [("customers", values, _colour(0))]
    )


def _aging_tables(aging: Sequence[dict[str, Any]]) -> str:
    out = []
    for currency in currencies_of(aging):
        rows = []
        for point in aging:
            amounts = {
                r["bucket"]: Decimal(str(r["amount"])) for r in point["rows"] if r["currency"] == currency
            }
            rows.append(
                [
                    point["as_of"],
                    *(money(amounts[b]) if b in amounts else "" for b in BUCKETS),
                    money(sum(amounts.values(), Decimal(0))),
                ]
            )
        out.append(f"<h3>{escape(currency)}</h3>" + _table(["as of", *BUCKETS, "total"], rows))
    return "".join(out)


def _dso_cei(figures: dict[str, Any]) -> str:
    currencies = sorted({f["currency"] for p in figures["dso"] for f in p["figures"]})
    rows = []
    for d, c in zip(figures["dso"], figures["cei"], strict=True):
        dso = {f["currency"]: f.get("dso") for f in d["figures"]}
        cei = {f["currency"]: f.get("cei") for f in c["figures"]}
        rows.append(
            [d["period"], *(f"{_fmt(dso.get(cur))} d / {_fmt(cei.get(cur))} %" for cur in currencies)]
        )
    return _table(["quarter", *currencies], rows)


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{Decimal(str(value)):.1f}"


def _charts(f: dict[str, Any]) -> list[str]:
    charts: list[str] = []
    if f.get("aging_monthly"):
        charts += aging_charts(f["aging_monthly"])
    if f.get("dso_monthly"):
        charts.append(dso_chart(f["dso_monthly"]))
    if f.get("dunning"):
        charts.append(recovery_chart(f["dunning"]))
    if f.get("credit"):
        charts.append(score_chart(f["credit"]))
    return charts


def _sections(f: dict[str, Any], run: dict[str, Any]) -> list[str]:
    sections = []
    if f.get("aging"):
        sections.append("<h2>Aging at each quarter end</h2>" + _aging_tables(f["aging"]))
    if f.get("dso") and f.get("cei"):
        sections.append("<h2>DSO and CEI per quarter</h2>" + _dso_cei(f))
    if dunning := f.get("dunning"):
        sections.append(
            "<h2>Dunning actions by stage and channel</h2><p class='meta'>Invoices that reached each stage, "
            "per channel of its message; actions = messages, tasks, holds and charges.</p>"
            + _table(
                ["stage", *CHANNELS, "actions"],
                [
                    [s["stage"], *(s["channels"].get(c, "") for c in CHANNELS), s["actions"]]
                    for s in dunning["by_stage_and_channel"]
                ],
            )
        )
    if notes := f.get("notifications"):
        where = "".join(
            f"<li>{escape(k)}: <code>{escape(v)}</code></li>" for k, v in run.get("where", {}).items()
        )
        sections.append(
            f"<h2>Notifications</h2><p>{notes['total']:,} in the delivery log: "
            + escape(", ".join(f"{n:,} {s}" for s, n in notes["by_status"].items()))
            + "</p>"
            + _table(
                ["template", "channel", "status", "count"],
                [[t["template"], t["channel"], t["status"], t["count"]] for t in notes["by_template"]],
            )
            + (f"<ul>{where}</ul>" if where else "")
        )
    if credit := f.get("credit"):
        sections.append(
            f"<h2>Customers on hold ({len(credit['on_hold'])} of {credit['customers']})</h2>"
            + _table(
                ["customer", "class", "score", "since", "reason"],
                [
                    [h["customer_id"], h["risk_class"], h["score"], h["since"], "; ".join(h["reasons"])]
                    for h in credit["on_hold"]
                ],
            )
        )
    if work := f.get("worklist"):
        sections.append(
            f"<h2>Collector worklist (as of {escape(str(work['as_of']))})</h2>"
            + _table(
                [
                    "#",
                    "customer",
                    "priority",
                    "currency",
                    "overdue",
                    "days",
                    "class",
                    "expected loss",
                    "tasks",
                ],
                [
                    [
                        e["rank"],
                        e["customer_id"],
                        e["priority"],
                        e["currency"],
                        money(e["overdue_amount"]),
                        e["days_overdue"],
                        e["risk_class"],
                        money(e["expected_loss"]),
                        e["open_tasks"],
                    ]
                    for e in work["entries"]
                ],
            )
        )
    for name, error in f.get("errors", {}).items():
        sections.append(f"<h2>{escape(name)}</h2><p>unavailable: {escape(error)}</p>")
    return sections


def render(summary: dict[str, Any]) -> str:
    """The whole page."""
    f, run, scenario = summary["figures"], summary["run"], summary["scenario"]
    replay = run.get("replay", {})
    head = (
        "<h1>arflow demo report</h1>"
        f"<p class='meta'>{escape(scenario['source'])} ({escape(scenario['format'])}): "
        f"{scenario['customers']:,} customers, {escape(str(scenario['first_day']))} to "
        f"{escape(str(scenario['last_day']))}; {escape(run.get('mode', ''))} platform; replayed in "
        f"{replay.get('seconds', 0):.0f}s; generated {escape(run.get('generated_at', ''))}.</p>"
    )
    body = [
        head,
        "<h2>Charts</h2><div class='charts'>" + "".join(_charts(f)) + "</div>",
        *_sections(f, run),
        "<h2>Replay</h2><pre>" + escape(run.get("replay_text", "")) + "</pre>",
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>arflow demo report</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )
