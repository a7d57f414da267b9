"""notification-service settings (NOTIFICATION_*)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arflow_runtime.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    """Settings of notifications."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")

    port: int = Field(8004, description="HTTP port")
