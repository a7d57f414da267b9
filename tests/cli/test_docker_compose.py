"""docker-compose.yml parses and gives each service the variables it reads, with healthchecks."""

from pathlib import Path

import yaml

from arflow_cli.configuration import all_variables

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = {
    "credit-service": "CREDIT",
    "invoice-service": "INVOICE",
    "dunning-service": "DUNNING",
    "notification-service": "NOTIFICATION",
}


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_kafka_postgres_and_the_four_services_with_healthchecks() -> None:
    services = compose()["services"]
    assert set(services) == {"kafka", "postgres", *PREFIXES}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft


def test_each_service_gets_the_variables_it_needs_and_only_known_ones() -> None:
    known = {v.name for variables in all_variables().values() for v in variables}
    for name, prefix in PREFIXES.items():
        service = compose()["services"][name]
        env = service["environment"]
        assert service["command"] == ["serve", name]
        assert env["ARFLOW_MODE"] == "distributed"
        assert {
            "ARFLOW_KAFKA_BOOTSTRAP_SERVERS",
            "ARFLOW_API_KEYS",
            f"{prefix}_DATABASE_URL",
            f"{prefix}_PORT",
            f"{prefix}_HOST",
        } <= set(env)
        assert set(env) <= known, f"{name} sets variables nothing reads: {set(env) - known}"
        assert f"/arflow_{prefix.lower()}" in env[f"{prefix}_DATABASE_URL"]
        assert str(env[f"{prefix}_PORT"]) in str(service["healthcheck"]["test"])


def test_the_image_is_built_from_the_repository_dockerfile() -> None:
    assert (ROOT / "Dockerfile").exists()
    assert all(compose()["services"][name]["build"] == "." for name in PREFIXES)
