"""The services of the platform and the API keys the API-level tests start it with."""

SERVICES = {
    "credit-service": "CREDIT",
    "invoice-service": "INVOICE",
    "dunning-service": "DUNNING",
    "notification-service": "NOTIFICATION",
}
"""Service name → the prefix of its settings (CREDIT_PORT, ...)."""

KEYS = {"all": "all-key", "nothing": "nothing-key"}
"""A key with every scope and one with none the services know."""
