"""invoice-service settings (INVOICE_*)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arflow_runtime.settings import ServiceSettings


class InvoiceSettings(ServiceSettings):
    """Settings of the receivables ledger."""

    model_config = SettingsConfigDict(env_prefix="INVOICE_", extra="ignore")

    port: int = Field(8002, description="HTTP port")
