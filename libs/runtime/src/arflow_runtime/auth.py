"""API keys with scopes: `Authorization: Bearer <key>`; only health and metrics are open."""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from arflow_runtime.errors import ProblemError
from arflow_runtime.log import get_logger
from arflow_runtime.settings import PlatformSettings

DEV_KEY = "arflow-dev-key"
ALL_SCOPES = "*"

log = get_logger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who called: the name behind an API key and what it may do."""

    name: str
    scopes: frozenset[str]

    def may(self, scope: str) -> bool:
        """Whether this principal holds a scope."""
        return ALL_SCOPES in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class ApiKey:
    principal: Principal
    key_sha256: str


class ConfigurationError(RuntimeError):
    """The platform refuses to start with this configuration."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_api_keys(raw: str) -> list[ApiKey]:
    """Parse 'principal key scope,scope;…'; a key given as sha256:<hex> is stored as is."""
    keys = []
    for number, entry in enumerate(filter(None, (e.strip() for e in raw.replace("\n", ";").split(";"))), 1):
        parts = entry.split()
        if len(parts) != 3:
            raise ConfigurationError(f"ARFLOW_API_KEYS entry {number} must be 'principal key scope,scope'")
        name, key, scopes = parts
        digest = key.removeprefix("sha256:") if key.startswith("sha256:") else _hash(key)
        keys.append(ApiKey(Principal(name, frozenset(scopes.split(","))), digest.lower()))
    return keys


class ApiKeyring:
    """The keys this deployment accepts; compares hashes in constant time."""

    def __init__(self, keys: list[ApiKey]) -> None:
        self._keys = keys

    @classmethod
    def from_settings(cls, settings: PlatformSettings) -> "ApiKeyring":
        """Keys from ARFLOW_API_KEYS; the dev key only in embedded mode, never in distributed."""
        raw = settings.api_keys.get_secret_value() if settings.api_keys else ""
        if raw.strip():
            return cls(parse_api_keys(raw))
        if settings.mode == "distributed":
            raise ConfigurationError("distributed mode needs ARFLOW_API_KEYS; refusing to start")
        log.warning(
            "auth.dev_key_enabled",
            detail=f"ARFLOW_API_KEYS is unset: the dev key '{DEV_KEY}' is accepted with every scope",
        )
        return cls([ApiKey(Principal("dev", frozenset({ALL_SCOPES})), _hash(DEV_KEY))])

    def authenticate(self, presented: str) -> Principal | None:
        """The principal whose key this is, or None."""
        digest = _hash(presented)
        found = None
        for key in self._keys:
            if hmac.compare_digest(key.key_sha256, digest):
                found = key.principal
        return found


bearer = HTTPBearer(auto_error=False, description="API key: Authorization: Bearer <key>")


def unauthorized(detail: str) -> ProblemError:
    error = ProblemError(detail, status=401, problem_type="unauthorized", title="Unauthorized")
    error.headers = {"WWW-Authenticate": "Bearer"}
    return error


async def current_principal(
    request: Request,
    security_scopes: SecurityScopes,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The authenticated caller; 401 without a valid key, 403 without the route's scopes."""
    if credentials is None:
        raise unauthorized("Send 'Authorization: Bearer <api key>'.")
    keyring: ApiKeyring = request.app.state.keyring
    principal = keyring.authenticate(credentials.credentials)
    if principal is None:
        raise unauthorized("The API key is not known.")
    missing = [scope for scope in security_scopes.scopes if not principal.may(scope)]
    if missing:
        raise ProblemError(
            f"This API key lacks the scope {', '.join(missing)}.",
            status=403,
            problem_type="forbidden",
            title="Forbidden",
            required_scopes=missing,
        )
    return principal
