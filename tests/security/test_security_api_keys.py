"""API keys are held only as SHA-256 digests: not in memory, settings output or logs in plain text."""

import hashlib
from pathlib import Path
from typing import Any

import httpx
from structlog.testing import capture_logs

from arflow_credit.main import create_app
from arflow_runtime.auth import ApiKeyring, parse_api_keys
from arflow_runtime.settings import PlatformSettings

PLAIN = "erp-key-7f3a9c1e5b"
DIGEST_ONLY = "checker-key-0d2b6e"


def raw_keys() -> str:
    digest = hashlib.sha256(DIGEST_ONLY.encode()).hexdigest()
    return f"erp {PLAIN} credit:write,credit:read;checker sha256:{digest} credit:read"


def everything_inside(value: Any, seen: set[int] | None = None) -> list[str]:
    """Every string reachable from an object's attributes (to search memory for the plain key)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes):
        return [value.decode(errors="replace")]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in everything_inside(k, seen) + everything_inside(v, seen)]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for item in value for s in everything_inside(item, seen)]
    if hasattr(value, "__dict__"):
        return everything_inside(vars(value), seen)
    if hasattr(value, "__slots__") or hasattr(value, "__dataclass_fields__"):
        names = getattr(value, "__dataclass_fields__", None) or value.__slots__
        return [s for name in names for s in everything_inside(getattr(value, name, None), seen)]
    return []


def test_the_keyring_keeps_digests_only() -> None:
    keyring = ApiKeyring(parse_api_keys(raw_keys()))
    held = everything_inside(keyring)
    assert hashlib.sha256(PLAIN.encode()).hexdigest() in held
    assert not [s for s in held if PLAIN in s or DIGEST_ONLY in s]
    assert keyring.authenticate(PLAIN) is not None and keyring.authenticate(DIGEST_ONLY) is not None
    assert keyring.authenticate(PLAIN.upper()) is None


def test_the_settings_never_print_the_keys() -> None:
    settings = PlatformSettings(api_keys=raw_keys())  # type: ignore[arg-type]
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert PLAIN not in shown


async def test_a_running_service_answers_both_keys_and_logs_neither(tmp_path: Path) -> None:
    app = create_app(platform=PlatformSettings(data_dir=tmp_path, api_keys=raw_keys()))  # type: ignore[arg-type]
    with capture_logs() as logs:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://credit") as client:
                for key, expected in ((PLAIN, 404), (DIGEST_ONLY, 404), ("wrong-" + PLAIN, 401)):
                    response = await client.get(
                        "/v1/customers/C-1", headers={"Authorization": f"Bearer {key}"}
                    )
                    assert response.status_code == expected, response.text
                    assert PLAIN not in response.text
    held = everything_inside(app.state.keyring)
    assert not [s for s in held if PLAIN in s]
    assert not [entry for entry in logs if PLAIN in repr(entry) or DIGEST_ONLY in repr(entry)]
