"""docs/security.md lists every operation's scope, generated from the services' OpenAPI.

After adding or changing an endpoint, regenerate the table:
    uv run python tests/security/test_security_scopes_doc.py
"""

import re
import sys
from pathlib import Path
from typing import Any

from arflow_cli.services import SERVICES
from arflow_runtime.settings import PlatformSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
BEGIN, END = "<!-- scopes:begin (generated) -->", "<!-- scopes:end -->"
OPEN = {"/healthz", "/readyz", "/metrics"}
ORDER = ("credit-service", "invoice-service", "dunning-service", "notification-service")


def operations(name: str) -> list[tuple[str, str, str, str]]:
    """(path, method, scope, summary) of every operation of one service."""
    app = SERVICES[name].create_app(platform=PlatformSettings(api_keys="doc doc-key *"))
    spec: dict[str, Any] = app.openapi()
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if path in OPEN:
                scope = "open"
            else:
                [requirement] = operation.get("security") or [{"": ["(none!)"]}]
                scope = ", ".join(scope for scopes in requirement.values() for scope in scopes)
            summary = re.sub(r"\s+", " ", operation.get("summary", "")).replace("|", "/")
            found.append((path, method.upper(), scope, summary))
    return sorted(found, key=lambda op: (op[0], op[1]))


def render() -> str:
    lines = []
    for name in ORDER:
        lines += ["", f"### {name}", "", "| method | path | scope | what |", "| --- | --- | --- | --- |"]
        lines += [f"| {m} | `{p}` | `{s}` | {w} |" for p, m, s, w in operations(name)]
    scopes = sorted({s for name in ORDER for _, _, s, _ in operations(name) if s != "open"})
    lines += ["", "Scopes in use: " + ", ".join(f"`{s}`" for s in scopes) + "."]
    return "\n".join(lines) + "\n"


def section(text: str) -> str:
    return text.split(BEGIN, 1)[1].split(END, 1)[0] if BEGIN in text and END in text else ""


def test_the_scope_table_in_docs_security_is_current() -> None:
    assert section(DOC.read_text()) == render(), (
        "docs/security.md is stale: run `uv run python tests/security/test_security_scopes_doc.py`"
    )


def test_every_operation_but_health_and_metrics_needs_exactly_one_scope() -> None:
    for name in ORDER:
        for path, method, scope, _ in operations(name):
            assert scope == "open" if path in OPEN else ("," not in scope and scope != "(none!)"), (
                f"{name} {method} {path}: {scope}"
            )


if __name__ == "__main__":
    text = DOC.read_text()
    if BEGIN not in text:
        sys.exit(f"{DOC} has no {BEGIN} … {END} section")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    DOC.write_text(before + BEGIN + render() + END + after)
    print(f"wrote the scope table into {DOC}")
