"""Plugins: what installed distributions register in mltestscore's entry-point groups.

- `mltestscore.checks`: a sequence of Check classes (new ids, or a built-in id to replace it);
- `mltestscore.evidence`: evidence providers (evidence/providers.py: e.g. a CI system's parser);
- `mltestscore.reports`: a renderer `render(report, **options) -> str`, named by the entry point;
- `mltestscore.rubrics`: a rubric YAML file (a path, or a callable returning one).

The built-in checks register through the same group. A third-party entry point that fails to
load is a PluginError: every command stops with exit 2 and says which distribution broke, rather
than audit with a check silently missing. `mltestscore --version` lists what is loaded.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha1
from typing import Any

GROUPS = ("mltestscore.checks", "mltestscore.evidence", "mltestscore.reports", "mltestscore.rubrics")
BUILTIN_PREFIX = "mltestscore."
# A plugin bigger than this is not fingerprinted file by file: the memo is skipped instead.
MAX_FINGERPRINT_FILES = 2000
_SOURCE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".toml", ".j2", ".txt", ".cfg")


class PluginError(Exception):
    """A plugin that cannot be used: exit code 2 with this message, whatever the command."""


@dataclass(frozen=True)
class Plugin:
    group: str
    name: str
    value: str
    distribution: str | None  # None: an entry point without a distribution (not pip-installed)
    version: str | None

    @property
    def builtin(self) -> bool:
        return self.value.startswith(BUILTIN_PREFIX) and (self.distribution or "mltestscore") == "mltestscore"

    @property
    def module(self) -> str:
        return self.value.partition(":")[0].strip()

    def describe(self) -> str:
        owner = f"{self.distribution} {self.version}" if self.distribution else "an unknown distribution"
        return f"{self.group} entry point {self.name!r} = {self.value} (from {owner})"


@lru_cache(maxsize=1)
def discover() -> tuple[Plugin, ...]:
    """Every entry point of mltestscore's groups, built-ins first.

    Read from the `entry_points.txt` of each distribution on sys.path, as importlib.metadata
    does, but without importing it (~0.1 s): every command, and an audit answered from the
    memo, discovers plugins. The first distribution of a name on sys.path wins, like imports."""
    found: dict[tuple[str, str, str], Plugin] = {}
    seen: set[str] = set()
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue  # a zip, a missing folder
        for folder in names:
            key = _normalise(folder.rsplit(".", 1)[0].split("-", 1)[0])
            if key in seen:
                continue
            seen.add(key)
            base = os.path.join(entry or ".", folder)
            try:
                with open(os.path.join(base, "entry_points.txt"), encoding="utf-8") as handle:
                    text = handle.read()
            except OSError:
                continue
            if "[mltestscore." not in text:
                continue
            name, version = _name_and_version(base, folder)
            for group, point, value in _entry_points(text):
                found.setdefault((group, point, value), Plugin(group, point, value, name, version))
    return tuple(sorted(found.values(), key=lambda p: (not p.builtin, GROUPS.index(p.group), p.name)))


def _normalise(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


def _name_and_version(base: str, folder: str) -> tuple[str, str | None]:
    """Name and Version from the distribution's metadata headers (else from the folder name)."""
    stem = folder.rsplit(".", 1)[0]
    name, _, version = stem.partition("-")
    found = {"name": name, "version": version or None}
    for metadata in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(base, metadata), encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if not line.strip():
                        break  # the headers end at the first blank line
                    field, _, text = line.partition(":")
                    if field.lower() in ("name", "version"):
                        found[field.lower()] = text.strip()
            break
        except OSError:
            continue
    return str(found["name"]), found["version"]


def _entry_points(text: str):
    """(group, name, value) of each entry point in mltestscore's groups of an entry_points.txt."""
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        if group in GROUPS and "=" in line:
            name, _, value = line.partition("=")
            yield group, name.strip(), value.strip()


def third_party() -> tuple[Plugin, ...]:
    return tuple(p for p in discover() if not p.builtin)


_LOADED: dict[tuple[str, str, str], Any] = {}


def load(plugin: Plugin) -> Any:
    """The object an entry point names (imported once). A failure is a PluginError."""
    key = (plugin.group, plugin.name, plugin.value)
    if key not in _LOADED:
        try:
            _LOADED[key] = _load_value(plugin.value)
        except Exception as error:
            raise PluginError(
                f"plugin failed to load: {plugin.describe()}: {type(error).__name__}: {error}; "
                f"fix or uninstall it (pip uninstall {plugin.distribution or '...'})"
            ) from None
    return _LOADED[key]


def _load_value(value: str) -> Any:
    """`module:attr.attr` as importlib.metadata.EntryPoint.load() reads it (extras ignored)."""
    from importlib import import_module

    module, _, attrs = value.partition("[")[0].strip().partition(":")
    obj: Any = import_module(module.strip())
    for attr in filter(None, attrs.strip().split(".")):
        obj = getattr(obj, attr)
    return obj


def loaded(group: str) -> list[tuple[Plugin, Any]]:
    """(plugin, loaded object) for every entry point of `group`, built-ins first."""
    return [(plugin, load(plugin)) for plugin in discover() if plugin.group == group]


def load_third_party() -> None:
    """Import every third-party plugin now, so a broken one stops any command with one clear error."""
    for plugin in third_party():
        load(plugin)


def version_lines() -> list[str]:
    """`name version: groups` of each third-party distribution, like pytest's `plugins:` header."""
    by_dist: dict[str, set[str]] = {}
    for plugin in third_party():
        label = f"{plugin.distribution or plugin.module} {plugin.version or '(no distribution)'}"
        by_dist.setdefault(label, set()).add(plugin.group.rpartition(".")[2])
    return [f"{label} ({', '.join(sorted(groups))})" for label, groups in sorted(by_dist.items())]


def fingerprint() -> str | None:
    """What the report memo must change with: each third-party plugin's distribution, version and
    the hashes of its source files (found from its module, so editable installs and edits count).
    None when a plugin cannot be pinned down (no distribution, source not found, too large): then
    the memo is skipped rather than risk answering with a report the plugin did not make."""
    plugins = third_party()
    if not plugins:
        return ""
    digest = sha1()
    seen: set[str] = set()
    for plugin in plugins:
        if plugin.distribution is None:
            return None
        digest.update(
            f"{plugin.group}\0{plugin.name}\0{plugin.value}\0{plugin.distribution}\0{plugin.version}\0".encode()
        )
        files = _source_files(plugin.module.partition(".")[0])
        if files is None:
            return None
        for path in files:
            if path in seen:
                continue
            seen.add(path)
            try:
                with open(path, "rb") as handle:
                    digest.update(path.encode() + b"\0" + sha1(handle.read()).digest())
            except OSError:
                return None
    return digest.hexdigest()


def _source_files(top: str) -> list[str] | None:
    """The files of a top-level module or package, without importing it."""
    from importlib.util import find_spec

    try:
        spec = find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        files = []
        for folder in spec.submodule_search_locations:
            for base, dirs, names in os.walk(folder):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
                files += [os.path.join(base, n) for n in sorted(names) if n.endswith(_SOURCE_SUFFIXES)]
                if len(files) > MAX_FINGERPRINT_FILES:
                    return None
        return files
    if spec.origin and os.path.isfile(spec.origin):
        return [spec.origin]
    return None


def reset() -> None:
    """Forget what was discovered and loaded (tests that install or edit a plugin in-process)."""
    discover.cache_clear()
    _LOADED.clear()
    from mltestscore import vocabulary

    vocabulary.reset()
