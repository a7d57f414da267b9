"""dunning-service settings (DUNNING_*)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arflow_runtime.settings import ServiceSettings


class DunningSettings(ServiceSettings):
    """Settings of dunning and collections."""

    model_config = SettingsConfigDict(env_prefix="DUNNING_", extra="ignore")

    port: int = Field(8003, description="HTTP port")
