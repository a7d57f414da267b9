"""The committed schemas and docs are current, and no committed version was broken."""

import json
import shutil
from pathlib import Path

import pytest

from arflow_contracts import all_events, contract_for
from arflow_contracts.compat import incompatibilities
from arflow_contracts.export import (
    SCHEMA_DIR,
    ContractBreak,
    contract_breaks,
    export,
    find_root,
    main,
    stale_files,
)
from arflow_contracts.schemas import ENVELOPE_FILE, envelope_schema, event_schema, schema_file

ROOT = find_root(Path(__file__).parent)
COMMITTED = sorted((ROOT / SCHEMA_DIR).glob("*.json"))


def test_committed_files_are_not_stale() -> None:
    stale = stale_files(ROOT)

    assert stale == [], "run: uv run python -m arflow_contracts.export"


def test_every_registered_event_version_has_a_committed_schema() -> None:
    committed = {path.name for path in COMMITTED}

    assert {schema_file(model) for model in all_events().values()} <= committed


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
def test_committed_schema_version_is_compatible_with_the_current_model(path: Path) -> None:
    committed = json.loads(path.read_text(encoding="utf-8"))
    if path.name == ENVELOPE_FILE:
        current = envelope_schema()
    else:
        model = contract_for(committed["x-event-type"], committed["x-event-version"])
        current = event_schema(model)

    assert incompatibilities(committed, current) == []


def test_check_finds_nothing_to_report() -> None:
    assert contract_breaks(ROOT) == []
    assert main(["--check", "--root", str(ROOT)]) == 0


@pytest.fixture
def exported_root(tmp_path: Path) -> Path:
    export(tmp_path)
    return tmp_path


def test_check_reports_a_stale_file_and_export_rewrites_it(exported_root: Path) -> None:
    events_md = exported_root / "docs" / "events.md"
    events_md.write_text("outdated\n", encoding="utf-8")

    assert main(["--check", "--root", str(exported_root)]) == 1
    assert events_md.read_text(encoding="utf-8") == "outdated\n"
    assert export(exported_root) == [Path("docs/events.md")]
    assert main(["--check", "--root", str(exported_root)]) == 0


def test_export_refuses_to_overwrite_a_committed_version_incompatibly(
    exported_root: Path,
) -> None:
    # The committed file had a required field that the current model no longer has.
    path = exported_root / SCHEMA_DIR / "InvoicePaid.v1.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["properties"]["legacy_code"] = {"type": "string"}
    schema["required"].append("legacy_code")
    tampered = json.dumps(schema)
    path.write_text(tampered, encoding="utf-8")
    (exported_root / "docs" / "events.md").unlink()

    with pytest.raises(ContractBreak, match="legacy_code: property removed"):
        export(exported_root)
    assert main(["--root", str(exported_root)]) == 1
    assert path.read_text(encoding="utf-8") == tampered
    assert not (exported_root / "docs" / "events.md").exists()


def test_a_committed_version_without_a_model_is_reported(exported_root: Path) -> None:
    schemas = exported_root / SCHEMA_DIR
    shutil.copy(schemas / "InvoicePaid.v1.json", schemas / "InvoicePaid.v0.json")

    assert contract_breaks(exported_root) == [
        "libs/contracts/schemas/InvoicePaid.v0.json: committed schema has no model any more"
    ]
