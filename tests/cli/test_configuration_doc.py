"""docs/configuration.md lists every variable the settings classes read, and is not stale."""

from pathlib import Path

from arflow_cli.configuration import all_variables, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_configuration_page_is_current() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text()
    assert committed == render_markdown(), "regenerate: uv run arflow config-doc > docs/configuration.md"


def test_every_service_documents_its_database_url_and_port() -> None:
    names = {v.name for variables in all_variables().values() for v in variables}
    for prefix in ("INVOICE", "CREDIT", "DUNNING", "NOTIFICATION"):
        assert {f"{prefix}_DATABASE_URL", f"{prefix}_PORT", f"{prefix}_HOST"} <= names
    assert {"ARFLOW_MODE", "ARFLOW_API_KEYS", "ARFLOW_KAFKA_BOOTSTRAP_SERVERS"} <= names
