"""Kafka TLS and SASL/SCRAM settings reach every aiokafka client the platform builds (docs/security.md)."""

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from arflow_runtime.bus import kafka
from arflow_runtime.bus.kafka import KafkaBus, KafkaSubscription, connection_options
from arflow_runtime.settings import PlatformSettings

CA = Path(certifi.where())  # any real CA bundle will do: the test checks it is loaded, not trusted


def scram_over_tls(**overrides: Any) -> PlatformSettings:
    fields: dict[str, Any] = {
        "mode": "distributed",
        "kafka_bootstrap_servers": "kafka-1.example:9093,kafka-2.example:9093",
        "kafka_security_protocol": "SASL_SSL",
        "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": "arflow-invoice",
        "kafka_sasl_password": "s3cret-scram-password",
        "kafka_ssl_cafile": CA,
        **overrides,
    }
    return PlatformSettings(**fields)


def client_config(client: Any) -> dict[str, Any]:
    """What an aiokafka client will connect with (its AIOKafkaClient's settings)."""
    return {
        "bootstrap_servers": client._bootstrap_servers,
        "security_protocol": client._security_protocol,
        "ssl_context": client._ssl_context,
        "sasl_mechanism": client._sasl_mechanism,
        "sasl_plain_username": client._sasl_plain_username,
        "sasl_plain_password": client._sasl_plain_password,
    }


def expect_scram_over_tls(config: dict[str, Any]) -> None:
    assert config["bootstrap_servers"] == "kafka-1.example:9093,kafka-2.example:9093"
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_username"] == "arflow-invoice"
    assert config["sasl_plain_password"] == "s3cret-scram-password"
    context = config["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs(), "the CA file was not loaded"


def test_the_options_carry_tls_and_scram() -> None:
    options = connection_options(scram_over_tls())
    expect_scram_over_tls({**options, "bootstrap_servers": options["bootstrap_servers"]})


class UnconnectedProducer(AIOKafkaProducer):  # type: ignore[misc]
    """The real producer, built but never connected (there is no broker in this test)."""

    async def start(self) -> None:
        return None


@pytest.fixture
def producers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[AIOKafkaProducer]]:
    built: list[AIOKafkaProducer] = []

    class Recorded(UnconnectedProducer):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            built.append(self)

    monkeypatch.setattr(kafka, "AIOKafkaProducer", Recorded)
    yield built


async def test_the_bus_producer_connects_with_tls_and_scram(producers: list[AIOKafkaProducer]) -> None:
    bus = KafkaBus(scram_over_tls(), client_id="invoice-service")
    await bus.start()
    try:
        [producer] = producers
        expect_scram_over_tls(client_config(producer.client))
    finally:
        await bus.stop()


async def test_consumer_groups_and_the_admin_client_connect_with_tls_and_scram() -> None:
    options = connection_options(scram_over_tls())
    subscription = KafkaSubscription("arflow.credit-service", ["arflow.ledger.events"], options, "credit")
    expect_scram_over_tls(client_config(subscription._consumer._client))
    admin = AIOKafkaAdminClient(client_id="credit", **options)
    expect_scram_over_tls(client_config(admin._client))


def test_sasl_without_tls_sends_no_ssl_context() -> None:
    options = connection_options(
        scram_over_tls(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="SCRAM-SHA-256")
    )
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_mechanism"] == "SCRAM-SHA-256"
    assert "ssl_context" not in options


def test_tls_without_sasl_and_the_plaintext_default() -> None:
    tls = connection_options(
        PlatformSettings(kafka_security_protocol="SSL", kafka_ssl_cafile=CA)  # type: ignore[arg-type]
    )
    assert tls["security_protocol"] == "SSL" and isinstance(tls["ssl_context"], ssl.SSLContext)
    assert "sasl_mechanism" not in tls
    plain = connection_options(PlatformSettings())
    assert plain == {"bootstrap_servers": "127.0.0.1:19092", "security_protocol": "PLAINTEXT"}


def test_the_settings_come_from_the_environment_and_hide_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "ARFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "ARFLOW_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "ARFLOW_KAFKA_SASL_USERNAME": "arflow-dunning",
        "ARFLOW_KAFKA_SASL_PASSWORD": "from-the-secret-store",
        "ARFLOW_KAFKA_SSL_CAFILE": str(CA),
    }.items():
        monkeypatch.setenv(name, value)
    settings = PlatformSettings()
    options = connection_options(settings)
    assert options["sasl_plain_password"] == "from-the-secret-store"
    assert options["sasl_plain_username"] == "arflow-dunning"
    assert "from-the-secret-store" not in repr(settings) and "from-the-secret-store" not in str(settings)
