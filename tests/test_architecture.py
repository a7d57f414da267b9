"""Services share only libs/contracts and the runtime kit: none imports another."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICE_PACKAGES = {
    "invoice-service": "arflow_invoice",
    "credit-service": "arflow_credit",
    "dunning-service": "arflow_dunning",
    "notification-service": "arflow_notification",
}


def imported_modules(source_dir: Path) -> set[str]:
    modules: set[str] = set()
    for path in source_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.parametrize("service", sorted(SERVICE_PACKAGES))
def test_a_service_never_imports_another_service(service: str) -> None:
    imports = imported_modules(ROOT / "services" / service / "src")
    others = {pkg for name, pkg in SERVICE_PACKAGES.items() if name != service}
    assert imports & others == set()


@pytest.mark.parametrize("library", ["contracts", "runtime"])
def test_the_shared_libraries_import_no_service(library: str) -> None:
    imports = imported_modules(ROOT / "libs" / library / "src")
    assert imports & set(SERVICE_PACKAGES.values()) == set()


def test_the_scanner_sees_imports_so_the_rule_can_fail(tmp_path: Path) -> None:
    (tmp_path / "leak.py").write_text(
        "from arflow_credit.store import LedgerItem\nimport arflow_dunning.api\n"
    )
    assert {"arflow_credit", "arflow_dunning"} <= imported_modules(tmp_path)
