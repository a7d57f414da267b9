"""Configuration: one platform-wide settings class (ARFLOW_*) and a base for each service's own."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Mode = Literal["embedded", "distributed"]
ProcessRole = Literal["all", "replica", "api"]


class PlatformSettings(BaseSettings):
    """Settings every service shares, read from ARFLOW_* variables."""

    model_config = SettingsConfigDict(env_prefix="ARFLOW_", extra="ignore")

    mode: Mode = Field("embedded", description="embedded (SQLite + in-process bus) or distributed")
    data_dir: Path = Field(Path("var"), description="where embedded mode keeps its SQLite files")
    kafka_bootstrap_servers: str = Field("127.0.0.1:19092", description="Kafka brokers, comma-separated")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="SSL or SASL_SSL for TLS; SASL_* to authenticate"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="SASL mechanism, e.g. SCRAM-SHA-512"
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password (never logged)")
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle for Kafka TLS")
    topic_prefix: str = Field("arflow.", description="prefix of every topic name")
    topic_partitions: int = Field(6, ge=1, description="partitions of topics the platform creates")
    api_keys: SecretStr | None = Field(
        None, description="'principal key scope,scope;…' entries; key may be sha256:<hex>"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="log threshold")

    def topic(self, name: str) -> str:
        """A contract topic name with this deployment's prefix."""
        return self.topic_prefix + name


class ServiceSettings(BaseSettings):
    """Base of each service's settings; subclasses set env_prefix (INVOICE_, CREDIT_, …)."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; default: a SQLite file under ARFLOW_DATA_DIR"
    )
    database_pool_size: int = Field(
        30, ge=1, le=500, description="PostgreSQL connections a process opens at most, and keeps open"
    )
    host: str = Field("127.0.0.1", description="address the HTTP API listens on")
    port: int = Field(8000, description="HTTP port")
    consumer_max_attempts: int = Field(
        5, ge=1, description="attempts for an event that fails for a non-transient reason"
    )
    outbox_batch_size: int = Field(500, ge=1, description="events the relay publishes per batch")
    processes: int = Field(
        1,
        ge=1,
        le=32,
        description="processes `arflow serve` starts for this service on one port (PostgreSQL and Kafka "
        "only); the first runs everything, the others everything but the background jobs",
    )
    process_role: ProcessRole = Field(
        "all",
        description="all: API, consumers, background jobs and outbox relay; replica: the same without "
        "the background jobs (more members of the consumer groups); api: API and outbox relay only "
        "(more replicas of the API behind one address)",
    )

    def resolved_database_url(self, platform: PlatformSettings, service: str) -> str:
        """The configured URL, or the embedded default SQLite file."""
        if self.database_url:
            return self.database_url
        path = platform.data_dir / f"{service}.sqlite"
        return f"sqlite+aiosqlite:///{path}"
