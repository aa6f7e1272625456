"""Compute one probe alone on a repository given as files (like repo-review's compute_check):

    result = compute_probe("tests-import-feature-code", {"src/pkg/features.py": "...", "tests/test_f.py": "..."})
    assert result.outcome == "manual"

The files are written to a temporary folder and audited as they are (no git: the listing is the
folder's); pass `root=` to probe an existing folder instead. For tests of probes and plugins.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from mltestscore.config import Config
from mltestscore.context import AuditContext
from mltestscore.probes import Probe, ProbeResult, probe


def compute_probe(
    name: str | Probe, files: dict[str, str] | None = None, root: Path | None = None, config: Config | None = None
) -> ProbeResult:
    chosen = probe(name) if isinstance(name, str) else name
    if root is not None:
        return _compute(chosen, root, config)
    with tempfile.TemporaryDirectory(prefix="mltestscore-probe-") as folder:
        for rel, text in (files or {}).items():
            path = Path(folder) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return _compute(chosen, Path(folder), config)


def _compute(chosen: Probe, root: Path, config: Config | None) -> ProbeResult:
    ctx = AuditContext(root, config)
    try:
        return chosen(ctx)
    finally:
        ctx.close()
