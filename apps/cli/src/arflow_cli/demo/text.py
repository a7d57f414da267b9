"""The demo's figures as plain-text tables for the terminal."""

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from arflow_cli.demo.figures import BUCKETS

CHANNELS = ("email", "sms", "letter", "webhook", "none")


NUMBER = re.compile(r"^[-+]?[\d,.]+$|^[·—]$|^[-+\d,.—]+ / [-+\d,.—]+$")


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> str:
    """Columns sized to fit; numbers right-aligned, text left-aligned."""
    cells = [[str(c) for c in header]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [
        all(NUMBER.match(row[i]) for row in cells[1:] if row[i]) and len(cells) > 1
        for i in range(len(header))
    ]
    lines = [title] if title else []
    for index, row in enumerate(cells):
        lines.append(
            "  "
            + "  ".join(
                c.rjust(w) if numeric[i] else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def money(text: Any) -> str:
    if text is None:
        return "—"
    value = Decimal(str(text))
    return f"{value:,.2f}" if value != value.to_integral() or "." in str(text) else f"{value:,.0f}"


def currencies_of(aging: Sequence[dict[str, Any]]) -> list[str]:
    return sorted({row["currency"] for point in aging for row in point["rows"]})


def aging_tables(aging: Sequence[dict[str, Any]]) -> list[str]:
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
                    *(money(amounts[b]) if b in amounts else "·" for b in BUCKETS),
                    money(sum(amounts.values(), Decimal(0))),
                ]
            )
        out.append(table(["as of", *BUCKETS, "total"], rows, f"Aging at each quarter end — {currency}"))
    return out


def dso_cei_table(dso: Sequence[dict[str, Any]], cei: Sequence[dict[str, Any]]) -> str:
    currencies = sorted({f["currency"] for p in dso for f in p["figures"]})
    rows = []
    for d, c in zip(dso, cei, strict=True):
        by_dso = {f["currency"]: f.get("dso") for f in d["figures"]}
        by_cei = {f["currency"]: f.get("cei") for f in c["figures"]}
        rows.append(
            [d["period"], *(f"{_num(by_dso.get(cur))} / {_num(by_cei.get(cur))}" for cur in currencies)]
        )
    return table(["quarter", *currencies], rows, "DSO (days) / CEI (%) per quarter")


def _num(value: Any) -> str:
    return "—" if value is None else f"{Decimal(str(value)):.1f}"


def dunning_table(dunning: dict[str, Any]) -> str:
    rows = [
        [s["stage"], *(s["channels"].get(c, "") or "" for c in CHANNELS), s["actions"]]
        for s in dunning["by_stage_and_channel"]
    ]
    return table(
        ["stage", *CHANNELS, "actions"],
        rows,
        "Dunning: invoices reaching each stage, by channel (and actions taken)",
    )


def notification_lines(notes: dict[str, Any], where: dict[str, str]) -> str:
    lines = [
        f"Notifications: {notes['total']:,} in the delivery log — "
        + ", ".join(f"{n:,} {status}" for status, n in notes["by_status"].items())
    ]
    lines.append("  by channel: " + ", ".join(f"{k} {n:,}" for k, n in notes["by_channel"].items()))
    for reason, n in notes["failure_reasons"].items():
        lines.append(f"  failed ({n:,}): {reason}")
    for label, place in where.items():
        lines.append(f"  {label}: {place}")
    return "\n".join(lines)


def holds_table(credit: dict[str, Any]) -> str:
    rows = [
        [h["customer_id"], h["risk_class"], h["score"], h["since"], _clip("; ".join(h["reasons"]), 80)]
        for h in credit["on_hold"]
    ]
    title = (
        f"Customers on hold: {len(rows)} of {credit['customers']} "
        f"(classes: {', '.join(f'{k} {n}' for k, n in credit['classes'].items())})"
    )
    return table(["customer", "class", "score", "since", "reason"], rows, title) if rows else title


def worklist_table(work: dict[str, Any]) -> str:
    rows = [
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
    ]
    return table(
        ["#", "customer", "priority", "cur", "overdue", "days", "class", "expected loss", "tasks"],
        rows,
        f"Collector worklist as of {work['as_of']} (top {len(rows)})",
    )


def render(summary: dict[str, Any]) -> str:
    """Everything the demo prints after the replay (a section whose report failed says so)."""
    f, run = summary["figures"], summary["run"]
    parts: list[str] = []
    if f.get("aging"):
        parts += aging_tables(f["aging"])
    if f.get("dso") and f.get("cei"):
        parts.append(dso_cei_table(f["dso"], f["cei"]))
    if f.get("dunning"):
        parts.append(dunning_table(f["dunning"]))
    if f.get("notifications"):
        parts.append(notification_lines(f["notifications"], run.get("where", {})))
    if f.get("credit"):
        parts.append(holds_table(f["credit"]))
    if f.get("worklist"):
        parts.append(worklist_table(f["worklist"]))
    parts += [f"{name}: unavailable — {error}" for name, error in f.get("errors", {}).items()]
    return "\n\n".join(parts)
