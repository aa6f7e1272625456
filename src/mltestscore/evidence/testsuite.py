"""The test suite as pytest would see it, read statically: its config and its test files.

Never `pytest --collect-only`: collection imports conftest.py and test modules.
"""

from __future__ import annotations

import fnmatch
import shlex
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from mltestscore.index.parsed import Parsed

DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")


@dataclass
class PytestConfig:
    testpaths: tuple[str, ...] = ()
    python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES
    source: str | None = None  # the config file it came from
    pythonpath: tuple[str, ...] = ()  # folders pytest puts on sys.path (relative to the config's folder)


def _split(value) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError:
            return tuple(value.split())
    return ()


def read_pytest_config(parsed: Parsed) -> PytestConfig:
    """The root config pytest would pick, in pytest's own order."""
    files = parsed.files
    for name in ("pytest.toml", ".pytest.toml"):
        if name in files:
            data = parsed.toml(name) or {}
            section = data.get("pytest", data)
            return _config(section, name)
    for name in ("pytest.ini", ".pytest.ini"):
        if name in files:
            ini = parsed.ini(name)
            section = dict(ini["pytest"]) if ini is not None and ini.has_section("pytest") else {}
            return _config(section, name)
    if "pyproject.toml" in files:
        tool = (parsed.toml("pyproject.toml") or {}).get("tool", {})
        pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
        if isinstance(pytest_table, dict):
            section = pytest_table.get("ini_options", pytest_table)
            return _config(section, "pyproject.toml")
    for name, section_name in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        if name in files:
            ini = parsed.ini(name)
            if ini is not None and ini.has_section(section_name):
                return _config(dict(ini[section_name]), name)
    return PytestConfig()


def _config(section, source: str) -> PytestConfig:
    if not isinstance(section, dict):
        return PytestConfig(source=source)
    testpaths = _split(section.get("testpaths"))
    python_files = _split(section.get("python_files")) or DEFAULT_PYTHON_FILES
    pythonpath = tuple(p.strip("/") for p in _split(section.get("pythonpath")))
    return PytestConfig(tuple(p.strip("/") for p in testpaths), python_files, source, pythonpath)


class TestSuite:
    __test__ = False

    def __init__(self, parsed: Parsed, named: Iterable[str] = ()) -> None:
        """`named`: .py files a pytest command names on its command line: pytest collects those
        whatever their name (`pytest tests/model_checks.py`)."""
        self.parsed = parsed
        self.config = read_pytest_config(parsed)
        self.named = frozenset(named)
        self.files = [p for p in parsed.files.with_suffix(".py") if self.is_test_file(p) or p in self.named]

    @cached_property
    def test_code(self) -> frozenset[str]:
        """Test files plus the code that only serves tests (conftest.py, files under tests/)."""
        extra = (
            p
            for p in self.parsed.files.with_suffix(".py")
            if "/tests/" in f"/{p}" or "/test/" in f"/{p}" or p.rsplit("/", 1)[-1] == "conftest.py"
        )
        return frozenset(self.files).union(extra)

    def is_test_file(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        return path in self.named or any(fnmatch.fnmatch(name, pattern) for pattern in self.config.python_files)

    def collected_by(self, args: list[str]) -> list[str]:
        """Test files a `pytest ARGS` run collects (path args, else testpaths, else everything)."""
        targets = [a.split("::")[0].rstrip("/") for a in args if not a.startswith("-")]
        if not targets:
            targets = list(self.config.testpaths) or ["."]
        if any(target in (".", "") for target in targets):
            return list(self.files)
        # Each runner of each CI step asks; a walk over every test file per target set was quadratic
        # on a large monorepo: the sorted list gives a target's files as one slice.
        ordered = self._sorted_files
        found: set[str] = set()
        for target in targets:
            at = bisect_left(ordered, target)
            if at < len(ordered) and ordered[at] == target:
                found.add(target)
            # "0" follows "/": the paths under the folder lie between target/ and target0
            found.update(ordered[bisect_left(ordered, target + "/") : bisect_left(ordered, target + "0")])
        if len(found) * 8 > len(self.files):
            return [p for p in self.files if p in found]
        return sorted(found, key=self._position.__getitem__)

    @cached_property
    def _sorted_files(self) -> list[str]:
        return sorted(self.files)

    @cached_property
    def _position(self) -> dict[str, int]:
        return {path: position for position, path in enumerate(self.files)}
