"""Every curl example in docs/integration.md, run in order against a running embedded platform.

The page's ```bash blocks that start with `curl` are split into commands; $CREDIT, $LEDGER,
$DUNNING, $NOTIFY and the keys are filled in, ids that only exist at run time ($CASE_ID, $TASK_ID,
…) are looked up through the API, and each command runs as a real `curl` on loopback. A command
must answer 2xx, or the status its `# → NNN` comment documents.
"""

import asyncio
import re
import shlex
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from arflow_cli.demo.platform import StartedPlatform
from arflow_cli.demo.sinks import SmtpSink, free_port
from arflow_cli.replay.client import Endpoints
from arflow_cli.replay.settle import InProcessLagProbe, Settler, consumer_groups
from arflow_runtime.settings import PlatformSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
KEYS = {"KEY": "erp-key", "CHECKER_KEY": "checker-key", "READER_KEY": "reader-key"}
API_KEYS = (
    "erp erp-key *; checker checker-key credit:approve,invoices:approve,credit:read; "
    "reader reader-key invoices:read"
)
SERVICE_VARIABLES = {"CREDIT": "credit", "LEDGER": "ledger", "DUNNING": "dunning", "NOTIFY": "notification"}

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@dataclass
class Example:
    """One curl command of the page: where it is, its text, the status it should answer."""

    line: int
    text: str
    expected: int | None  # None: any 2xx


def examples(markdown: str) -> Iterator[Example]:
    """The curl commands of every ```bash block that starts with curl, in page order."""
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() != "```bash":
            index += 1
            continue
        start = index + 1
        end = next(i for i in range(start, len(lines)) if lines[i].strip() == "```")
        block = lines[start:end]
        index = end + 1
        if not block or not block[0].startswith("curl"):
            continue
        command: list[str] = []
        first = start
        for number, text in enumerate(block, start=start + 1):
            if text.startswith("curl") and command:
                yield _example(first, command)
                command = []
            if text.startswith("curl"):
                first = number
            if text.strip() and not text.lstrip().startswith("#"):
                command.append(text)
        if command:
            yield _example(first, command)


def _example(line: int, command: list[str]) -> Example:
    text = "\n".join(command).replace("\\\n", " ")
    expected = None
    if match := re.search(r"#\s*→\s*(\d{3})\s*$", text):
        expected, text = int(match.group(1)), text[: match.start()].rstrip()
    return Example(line, text, expected)


def test_the_page_has_curl_examples_and_every_error_example_names_its_status() -> None:
    found = list(examples(DOC.read_text()))
    assert len(found) > 80
    assert {e.expected for e in found} >= {None, 401, 403, 404, 409, 412, 422, 428}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Endpoints, Path]]:
    """An embedded platform (`arflow run`) of its own: free ports, a temporary data dir, three keys."""
    home = tmp_path_factory.mktemp("integration")
    mail = SmtpSink(home / "mail", free_port())
    mail.start()
    started = StartedPlatform(
        home / "data",
        {"credit": free_port(), "ledger": free_port(), "dunning": free_port(), "notification": free_port()},
        home / "platform.log",
        {"ARFLOW_API_KEYS": API_KEYS, "NOTIFICATION_SMTP_URL": mail.url},
    )
    try:
        asyncio.run(started.start())
        yield started.endpoints, home
    finally:
        started.stop()
        mail.stop()


Lookup = Callable[[httpx.AsyncClient, Endpoints], Awaitable[str | None]]


async def _first(client: httpx.AsyncClient, url: str, pick: Callable[[Any], str | None]) -> str | None:
    response = await client.get(url)
    return pick(response.json()) if response.status_code == 200 else None


def _where(items: list[dict[str, Any]], field: str, **match: Any) -> str | None:
    return next((str(i[field]) for i in items if all(i.get(k) == v for k, v in match.items())), None)


LOOKUPS: dict[str, Lookup] = {
    "CASE_ID": lambda c, e: _first(
        c, f"{e.dunning}/v1/cases?customer_id=C-1001", lambda items: _where(items, "case_id", status="open")
    ),
    "TASK_ID": lambda c, e: _first(
        c, f"{e.dunning}/v1/tasks?assignee_id=col-1&status=open", lambda items: _where(items, "task_id")
    ),
    "HOLD_ID": lambda c, e: _first(
        c,
        f"{e.credit}/v1/customers/C-1001/holds",
        lambda items: _where(items, "hold_id", reason="legal review"),
    ),
    "LIMIT_CHANGE_ID": lambda c, e: _first(
        c,
        f"{e.credit}/v1/customers/C-1001/limit-changes",
        lambda items: _where(items, "request_id", new_limit="25000.00"),
    ),
    "SECOND_LIMIT_CHANGE_ID": lambda c, e: _first(
        c,
        f"{e.credit}/v1/customers/C-1001/limit-changes",
        lambda items: _where(items, "request_id", new_limit="90000.00"),
    ),
    "THIRD_LIMIT_CHANGE_ID": lambda c, e: _first(
        c,
        f"{e.credit}/v1/customers/C-1001/limit-changes",
        lambda items: _where(items, "request_id", new_limit="30000.00"),
    ),
    "NOTIFICATION_ID": lambda c, e: _first(
        c,
        f"{e.notification}/v1/notifications?customer_id=C-1001",
        lambda items: _where(items, "notification_id"),
    ),
    "LETTER_ID": lambda c, e: _first(
        c,
        f"{e.notification}/v1/notifications?customer_id=C-1001&status=sent",
        lambda items: _where(items, "notification_id", channel="letter"),
    ),
}


async def resolve(name: str, endpoints: Endpoints, timeout: float = 20.0) -> str:
    """A run-time id the page refers to, looked up (and waited for: events take a moment)."""
    headers = {"Authorization": f"Bearer {KEYS['KEY']}"}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(headers=headers, timeout=10) as client:
        while True:
            found = await LOOKUPS[name](client, endpoints)
            if found:
                return found
            if loop.time() > deadline:
                raise AssertionError(f"${name} never appeared")
            await asyncio.sleep(0.1)  # polling interval of a bounded wait on the platform


def curl(example: Example, variables: dict[str, str], cwd: Path) -> tuple[int, str]:
    text = re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: variables.get(m.group(1), m.group(0)), example.text)
    argv = shlex.split(text)
    assert argv[0] == "curl"
    done = subprocess.run(
        [*argv, "--max-time", "60", "-w", "\n%{http_code}"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=90,
        check=False,
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status or 0), body


@pytest.mark.timeout(900)
async def test_every_curl_example_answers_as_documented(platform: tuple[Endpoints, Path]) -> None:
    endpoints, home = platform
    variables = {name: endpoints.of(service) for name, service in SERVICE_VARIABLES.items()} | KEYS
    settings = PlatformSettings(data_dir=home / "data")
    settler = Settler(InProcessLagProbe(home / "data" / "bus.sqlite", consumer_groups(settings)), timeout=120)
    failures = []
    ran = 0
    try:
        for example in examples(DOC.read_text()):
            await settler.settle()  # what the previous example set off has reached every service
            try:
                for name in set(re.findall(r"\$([A-Z_]+_ID)\b", example.text)) - variables.keys():
                    variables[name] = await resolve(name, endpoints)
            except AssertionError as error:
                failures.append(f"docs/integration.md:{example.line}: {error}")
                continue
            status, body = await asyncio.to_thread(curl, example, variables, home)
            ran += 1
            ok = status == example.expected if example.expected else 200 <= status < 300
            if not ok:
                failures.append(
                    f"docs/integration.md:{example.line}: {status} (expected "
                    f"{example.expected or '2xx'})\n  {example.text[:160]}\n  → {body[:400]}"
                )
    finally:
        await settler.close()
    assert not failures, f"{len(failures)} of {ran} examples failed:\n" + "\n".join(failures)


def test_every_endpoint_of_every_service_has_an_example(platform: tuple[Endpoints, Path]) -> None:
    commands = [e.text for e in examples(DOC.read_text())]
    missing = []
    for _, url in platform[0].items():
        spec = httpx.get(f"{url}/openapi.json", timeout=10).json()
        for path, operations in spec["paths"].items():
            pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/?\" ]+", re.escape(path)) + r"(\?|\"|$| )"
            for method in operations:
                if method.upper() not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
                    continue
                if not any(re.search(pattern, c) and _method(c) == method.upper() for c in commands):
                    missing.append(f"{method.upper()} {path}")
    assert not missing, "endpoints without a curl example in docs/integration.md: " + ", ".join(
        sorted(missing)
    )


def _method(command: str) -> str:
    match = re.search(r"-X\s+([A-Z]+)", command)
    if match:
        return match.group(1)
    return "POST" if re.search(r"\s-d\s|--data", command) else "GET"
