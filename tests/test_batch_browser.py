"""The HTML leaderboard in a real headless browser (Debian's `chromium`), as the single report is
tested in test_html_browser.py: it renders offline, its script sorts the ranking (`#sort=` in the
address), the heatmap holds a cell per repository and test, and every name links to a report that
exists. Skipped where chromium is not installed (apt-get install chromium)."""

from __future__ import annotations

import re
import subprocess

import pytest
from batch_fixtures import course, url
from test_html_browser import CHROMIUM, FLAGS

from mltestscore.batch.inputs import read_specs
from mltestscore.batch.run import BatchOptions, run_batch

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def leaderboard(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("batch-browser")
    course(tmp_path, strong=2, weak=2)
    names = ("strong0", "weak1", "strong1", "weak0")
    specs = read_specs(None, tuple(url(tmp_path, n) for n in names) + ((tmp_path / "gone.git").as_uri(),))
    run_batch(specs, BatchOptions(tmp_path / "out", jobs=2, timeout=120, cache_dir=tmp_path / "cache"))
    return tmp_path / "out" / "leaderboard.html"


def _dom(page: str, profile) -> str:
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout


def test_the_leaderboard_renders_and_sorts_in_a_browser(leaderboard, tmp_path):
    ranked = _dom(leaderboard.as_uri(), tmp_path / "profile")
    board = ranked[ranked.index('id="board"') : ranked.index("</table>", ranked.index('id="board"'))]
    keys = re.findall(r'<tr[^>]*data-key="([^"]+)"', board)
    assert len(keys) == 5 and keys[-1].endswith("gone")  # the failed clone: last, unranked
    assert "data-sorted" not in board.split(">", 1)[0]  # no sorting asked: rank order as written

    by_name = _dom(leaderboard.as_uri() + "#sort=-name", tmp_path / "profile")
    table = by_name[by_name.index('id="board"') - 60 : by_name.index("</table>", by_name.index('id="board"'))]
    assert 'data-sorted="name:desc"' in table  # the script ran
    sorted_keys = re.findall(r'<tr[^>]*data-key="([^"]+)"', table)
    assert sorted_keys[:4] == sorted(keys[:4], reverse=True) != keys[:4]
    assert sorted_keys[4] == keys[4]  # error rows stay below

    heat = ranked[ranked.index('id="heatmap"') :]
    assert len(re.findall(r'<td class="c v(?:1|05|0|s|n)"', heat)) == 4 * 28
    for link in set(re.findall(r'href="(repos/[^"]+\.html)"', ranked)):
        assert (leaderboard.parent / link).is_file()
