"""The command imports a service's package only when it serves that service."""

import subprocess
import sys
from importlib import import_module

LOADED = """
import sys
import arflow_cli.main
from arflow_cli.services import SERVICES
SERVICES["dunning-service"].settings()
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in {
    "arflow_credit", "arflow_invoice", "arflow_dunning", "arflow_notification"})))
"""


def test_the_command_and_a_services_settings_load_no_service_code() -> None:
    """`arflow serve X` with X_PROCESSES > 1 starts its processes after reading X's settings alone."""
    done = subprocess.run([sys.executable, "-c", LOADED], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["arflow_dunning", "arflow_dunning.settings"]


def test_each_registered_service_is_the_package_it_names() -> None:
    from arflow_cli.services import SERVICES

    for name, service in SERVICES.items():
        module = import_module(f"{service.package}.main")
        assert module.NAME == name
        assert type(service.settings()).__name__ == service.settings_class
