"""Every environment variable the platform reads, from the settings classes themselves."""

from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings

from arflow_cli.services import SERVICES
from arflow_runtime.settings import PlatformSettings


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    default: str
    description: str


def _type_name(annotation: object) -> str:
    text = str(annotation).replace("typing.", "").replace("pathlib.", "").replace("pydantic.types.", "")
    return text.removeprefix("<class '").removesuffix("'>")


def variables_of(settings: type[BaseSettings]) -> list[Variable]:
    """The variables one settings class reads (prefix + field name, upper case)."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    found = []
    for name, field in settings.model_fields.items():
        default = "" if field.default is None else str(field.default)
        found.append(
            Variable((prefix + name).upper(), _type_name(field.annotation), default, field.description or "")
        )
    return found


def all_variables() -> dict[str, list[Variable]]:
    """Section title → variables, platform first, then each service."""
    sections = {"Platform (every service)": variables_of(PlatformSettings)}
    for service in SERVICES.values():
        sections[service.name] = variables_of(type(service.settings()))
    return sections


def render_markdown() -> str:
    """docs/configuration.md."""
    lines = [
        "# Configuration",
        "",
        "Every setting is an environment variable (pydantic-settings). This page is generated from",
        "the settings classes by `uv run arflow config-doc > docs/configuration.md`; a test fails when",
        "it is stale. In the embedded default nothing needs setting. In distributed mode set at least",
        "`ARFLOW_MODE=distributed`, `ARFLOW_KAFKA_BOOTSTRAP_SERVERS`, `ARFLOW_API_KEYS` and each",
        "service's `*_DATABASE_URL`.",
        "",
        "`ARFLOW_API_KEYS` holds entries separated by `;`, each `principal key scope,scope` (a scope `*`",
        "grants all). A key may be given as `sha256:<hex digest>` so the plain key never sits in",
        "configuration. Without it, the embedded default accepts `arflow-dev-key` with every scope",
        "and logs a warning; distributed mode refuses to start.",
    ]
    for title, variables in all_variables().items():
        lines += [
            "",
            f"## {title}",
            "",
            "| variable | type | default | meaning |",
            "| --- | --- | --- | --- |",
        ]
        for v in variables:
            lines.append(
                f"| `{v.name}` | {v.type.replace('|', '&#124;')} | {v.default or '—'} | "
                f"{v.description.replace('|', '&#124;')} |"
            )
    lines += [
        "",
        "## deploy/ scripts and tests",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{name}` | {default} | {meaning} |" for name, default, meaning in DEPLOY_VARIABLES]
    return "\n".join(lines) + "\n"


DEPLOY_VARIABLES = [
    ("ARFLOW_VAR", "./var", "where deploy/ keeps Kafka, PostgreSQL and service state and logs"),
    ("ARFLOW_KAFKA_PORT", "19092", "Kafka listener on 127.0.0.1"),
    ("ARFLOW_KAFKA_CONTROLLER_PORT", "19093", "KRaft controller listener on 127.0.0.1"),
    ("ARFLOW_PG_PORT", "55432", "PostgreSQL on 127.0.0.1"),
    ("ARFLOW_TEST_KAFKA", "127.0.0.1:19092", "the broker the tests use"),
    ("ARFLOW_TEST_POSTGRES", "postgresql+asyncpg://arflow@127.0.0.1:55432", "the server the tests use"),
]


def write(path: Path) -> None:
    """Write the configuration page."""
    path.write_text(render_markdown())
