"""credit-service settings (CREDIT_*)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arflow_runtime.settings import ServiceSettings


class CreditSettings(ServiceSettings):
    """Settings of credit management."""

    model_config = SettingsConfigDict(env_prefix="CREDIT_", extra="ignore")

    port: int = Field(8001, description="HTTP port")
