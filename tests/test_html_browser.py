"""The HTML report in a real headless browser (Debian's `chromium`): it renders offline, the DOM
the browser builds holds every test and no script, and scripts/screenshot_report.sh produces a
non-blank screenshot. Skipped where chromium is not installed (apt-get install chromium)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from report_fixtures import sample_report

from mltestscore.report import renderer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "screenshot_report.sh"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


@pytest.fixture
def html_file(tmp_path):
    path = tmp_path / "report.html"
    path.write_text(renderer("html")(sample_report(tmp_path / "repo")), encoding="utf-8")
    return path


def test_browser_builds_every_test_and_runs_no_script(html_file, tmp_path):
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", html_file.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = result.stdout
    assert dom.count("<article") == 28 and dom.count('class="section-row"') == 4
    assert "<script" not in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


@pytest.mark.skipif(not SCRIPT.is_file(), reason="scripts/ is not shipped in this distribution")
def test_screenshot_script_draws_a_non_blank_page(html_file, tmp_path):
    png = tmp_path / "report.png"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(
        ["bash", str(SCRIPT), str(html_file), str(png), "1280,1600"],
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    width, height, pixels = _png_pixels(png.read_bytes())
    assert (width, height) == (1280, 1600)
    assert len(set(pixels)) > 40  # text, chart colours and cards: a blank or failed page has a handful


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (enough to tell blank from drawn)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    offset, chunks = 8, []
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))
