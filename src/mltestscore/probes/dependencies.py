"""Which dependency files pin the environment: lock files, and requirement lines with exact
versions. Shared by infra-1 (reproducible training) and monitor-1 (dependency changes notify);
moved here from checks/infra.py so that no section imports another's module."""

from __future__ import annotations

import re

LOCK_FILES = ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock", "conda-lock.yml", "conda-lock.yaml", "pixi.lock")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-\[\],]*)\s*(.*)$")


def requirements_pinned(text: str) -> tuple[int, int]:
    """(pinned, total) requirement lines; pinned means an exact version (==, ===, @ URL, --hash)."""
    pinned = total = 0
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-r", "-c", "--", "-e", "-i")):
            continue
        match = _REQUIREMENT.match(line)
        if not match:
            continue
        total += 1
        spec = match.group(2)
        if "==" in spec or " @ " in f" {spec}" or "--hash" in spec:
            pinned += 1
    return pinned, total
