"""Write the event schemas, docs/asyncapi.yaml and docs/events.md; `--check` only compares.

    uv run python -m arflow_contracts.export [--check] [--root PATH]

A committed schema file is a promise to consumers: the export refuses to overwrite one with an
incompatible change (exit 1) and never deletes one; such a change needs a new event version.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import arflow_contracts  # noqa: F401  (registers every event)
from arflow_contracts.asyncapi import asyncapi_document
from arflow_contracts.compat import incompatibilities
from arflow_contracts.events_doc import events_markdown
from arflow_contracts.schemas import (
    ENVELOPE_FILE,
    envelope_schema,
    event_schema,
    events_in_order,
    schema_file,
    to_json,
)

SCHEMA_DIR = Path("libs/contracts/schemas")
ASYNCAPI_FILE = Path("docs/asyncapi.yaml")
EVENTS_FILE = Path("docs/events.md")


class ContractBreak(Exception):
    """An export would break a committed contract."""


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest directory above `start` holding libs/contracts."""
    for base in (start or Path.cwd(), Path(__file__)):
        for directory in (base.resolve(), *base.resolve().parents):
            if (directory / "libs" / "contracts").is_dir():
                return directory
    raise FileNotFoundError("no directory with libs/contracts above the working directory")


def rendered_files() -> dict[Path, str]:
    """Every generated file (path relative to the root) and its exact text."""
    files = {SCHEMA_DIR / ENVELOPE_FILE: to_json(envelope_schema())}
    for model in events_in_order():
        files[SCHEMA_DIR / schema_file(model)] = to_json(event_schema(model))
    files[ASYNCAPI_FILE] = _yaml(asyncapi_document())
    files[EVENTS_FILE] = events_markdown()
    return files


def contract_breaks(root: Path, files: dict[Path, str] | None = None) -> list[str]:
    """Why writing `files` would break committed schemas (incompatible or removed versions)."""
    files = rendered_files() if files is None else files
    problems = []
    for committed in sorted((root / SCHEMA_DIR).glob("*.json")):
        relative = committed.relative_to(root)
        if relative not in files:
            problems.append(f"{relative}: committed schema has no model any more")
            continue
        old, new = json.loads(committed.read_text(encoding="utf-8")), json.loads(files[relative])
        problems += [f"{relative}: {problem}" for problem in incompatibilities(old, new)]
    return problems


def stale_files(root: Path, files: dict[Path, str] | None = None) -> list[Path]:
    """Generated files that are missing or differ from what the models produce now."""
    files = rendered_files() if files is None else files
    return [
        path
        for path, text in files.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]


def export(root: Path) -> list[Path]:
    """Write every stale file; raises ContractBreak (writing nothing) on an incompatible change."""
    files = rendered_files()
    problems = contract_breaks(root, files)
    if problems:
        raise ContractBreak("\n".join(problems))
    written = stale_files(root, files)
    for path in written:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(files[path], encoding="utf-8")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m arflow_contracts.export")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    parser.add_argument("--root", type=Path, help="repository root (default: found from cwd)")
    args = parser.parse_args(argv)
    root = args.root.resolve() if args.root else find_root()
    files = rendered_files()
    problems = contract_breaks(root, files)
    if problems:
        print("refusing: incompatible change to a committed event version", file=sys.stderr)
        print("(add a new event_version instead)", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if args.check:
        stale = stale_files(root, files)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("run: uv run python -m arflow_contracts.export", file=sys.stderr)
        return 1 if stale else 0
    for path in export(root):
        print(f"wrote {path}")
    return 0


def _yaml(document: object) -> str:
    # pyyaml is the export tool's dependency; the contracts themselves need only pydantic.
    import yaml  # type: ignore[import-untyped]

    text: str = yaml.safe_dump(
        document, sort_keys=True, allow_unicode=True, default_flow_style=False, width=100
    )
    return text


if __name__ == "__main__":
    sys.exit(main())
