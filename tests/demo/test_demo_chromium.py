"""The report renders in headless Chromium without a console message or a network request."""

from pathlib import Path

import pytest
from demo_support import CHROMIUM, NO_CHROMIUM, DemoRun, sample_summary, screenshot

from arflow_cli.demo import report

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)


def coloured_pixels(png: Path) -> int:
    from PIL import Image  # pillow comes with reportlab (notification-service's letters)

    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(1 << 24) or []
    return sum(count for count, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 60)


def check_renders(html: Path, tmp_path: Path) -> Path:
    png = tmp_path / "report.png"
    done = screenshot(html, png, tmp_path / "profile")
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Failed to load" in line]
    assert done.returncode == 0, done.stderr[-2000:]
    assert console == [], console
    assert png.stat().st_size > 20_000
    assert coloured_pixels(png) > 20_000, "the charts' bars and lines are drawn"
    return png


def test_the_report_renders_headless_without_console_errors(tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    html.write_text(report.render(sample_summary()), encoding="utf-8")
    print(f"screenshot: {check_renders(html, tmp_path)}")


@pytest.mark.timeout(900)
def test_the_demos_var_report_html_renders_headless_without_console_errors(
    embedded_demo: DemoRun, tmp_path: Path
) -> None:
    html = embedded_demo.var / "report.html"
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") >= 4 and "Aging at each quarter end" in page
    print(f"screenshot of {html}: {check_renders(html, tmp_path)}")
