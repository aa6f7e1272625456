"""The repository list: `--from FILE` (.txt, .yaml/.yml, .csv) and/or arguments.

Each entry is a local path or a git URL, optionally `@REV` (branch, tag or commit) and a display
name. Text lines are `SOURCE[@REV] [DISPLAY NAME]` (`#` starts a comment); CSV needs a header with
a `source`/`url`/`path` column and optional `rev`/`ref` and `name`/`group` columns; YAML is a list
(or `repos:` list) of strings or mappings with the same keys. Relative paths are read from the
list file's folder. A malformed list is an InputError (exit 2); a path that does not exist is not:
it becomes that repository's error row.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path


class InputError(Exception):
    """The repository list cannot be read; the message says where."""


@dataclass(frozen=True)
class RepoSpec:
    source: str  # a git URL, or an absolute local path
    rev: str | None
    name: str  # display name, unique in the batch
    key: str  # file-name-safe and unique: results/<key>.json

    @property
    def remote(self) -> bool:
        """Cloned into the cache (a URL, or a local repository pinned to a revision)."""
        return is_url(self.source) or self.rev is not None

    @property
    def clone_url(self) -> str:
        return self.source if is_url(self.source) else Path(self.source).as_uri()


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP = re.compile(r"^[^/\s:@]+@[^/\s:]+:")  # git@host:owner/repo.git
SOURCE_KEYS = ("source", "url", "repo", "repository", "path")
REV_KEYS = ("rev", "ref", "revision", "branch", "tag", "commit")
NAME_KEYS = ("name", "display_name", "group", "team", "student")


def is_url(source: str) -> bool:
    return bool(_SCHEME.match(source) or _SCP.match(source))


def split_rev(text: str) -> tuple[str, str | None]:
    """`URL@REV` → (URL, REV). The `@` of `user@host` is not a revision: only an `@` after the
    start of the repository path splits (an existing local path is never split)."""
    if "@" not in text or Path(text).exists():
        return text, None
    scheme = _SCHEME.match(text)
    if scheme:
        slash = text.find("/", scheme.end())
        path_start = slash if slash >= 0 else len(text)
    else:
        scp = _SCP.match(text)
        path_start = scp.end() if scp else 0
    at = text.rfind("@")
    if at <= path_start or at == len(text) - 1:
        return text, None
    return text[:at], text[at + 1 :]


def read_specs(from_file: Path | None, arguments: tuple[str, ...] = ()) -> list[RepoSpec]:
    """The batch's repositories in list order: the file's entries, then the arguments."""
    entries: list[tuple[str, str | None, str | None, Path]] = []
    if from_file is not None:
        entries.extend(_read_file(from_file))
    for argument in arguments:
        source, rev = split_rev(argument)
        entries.append((source, rev, None, Path.cwd()))
    specs = []
    names: set[str] = set()
    keys: set[str] = set()
    for source, rev, name, base in entries:
        if not is_url(source):
            source = str((base / Path(source).expanduser()).resolve())
        name = _unique(name or default_name(source, rev), names, " ({})")
        key = _unique(slug(name), keys, "-{}")
        specs.append(RepoSpec(source, rev, name, key))
    if not specs:
        raise InputError("no repositories: give paths or URLs as arguments, or --from FILE")
    return specs


def default_name(source: str, rev: str | None) -> str:
    """`owner/repo` for a URL (student groups' repositories often share the project's name), the
    folder's name for a local path; `@rev` when pinned."""
    trimmed = source.rstrip("/")
    if trimmed.endswith(".git"):
        trimmed = trimmed[:-4]
    parts = [p for p in re.split(r"[/:\\]", trimmed) if p]
    name = "/".join(parts[-2:]) if is_url(source) else (parts[-1] if parts else source)
    return f"{name}@{rev}" if rev else name


def slug(name: str) -> str:
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.").lower()[:80]
    return text or hashlib.sha1(name.encode()).hexdigest()[:10]


def _unique(value: str, taken: set[str], suffix: str) -> str:
    candidate, number = value, 2
    while candidate in taken:
        candidate = value + suffix.format(number)
        number += 1
    taken.add(candidate)
    return candidate


def _read_file(path: Path) -> list[tuple[str, str | None, str | None, Path]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the repository list {path}: {error}") from None
    base = path.resolve().parent
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows = _yaml_rows(text, path)
    elif suffix == ".csv":
        rows = _csv_rows(text, path)
    else:
        rows = _text_rows(text, path)
    return [(source, rev, name, base) for source, rev, name in rows]


def _text_rows(text: str, path: Path) -> list[tuple[str, str | None, str | None]]:
    rows = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line:
            continue
        first, *rest = line.split(None, 1)
        source, rev = split_rev(first)
        rows.append((source, rev, rest[0].strip() if rest else None))
    return rows


def _csv_rows(text: str, path: Path) -> list[tuple[str, str | None, str | None]]:
    reader = csv.DictReader(text.splitlines())
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    source_field = next((fields[k] for k in SOURCE_KEYS if k in fields), None)
    if source_field is None:
        raise InputError(f"{path}: the CSV header needs a column named one of {', '.join(SOURCE_KEYS)}")
    rev_field = next((fields[k] for k in REV_KEYS if k in fields), None)
    name_field = next((fields[k] for k in NAME_KEYS if k in fields), None)
    rows = []
    for number, record in enumerate(reader, start=2):
        source = (record.get(source_field) or "").strip()
        if not source:
            if any((v or "").strip() for v in record.values()):
                raise InputError(f"{path}:{number}: no {source_field}")
            continue
        rev = (record.get(rev_field) or "").strip() if rev_field else ""
        name = (record.get(name_field) or "").strip() if name_field else ""
        if not rev:
            source, parsed = split_rev(source)
            rev = parsed or ""
        rows.append((source, rev or None, name or None))
    return rows


def _yaml_rows(text: str, path: Path) -> list[tuple[str, str | None, str | None]]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"{path}: invalid YAML ({str(error).splitlines()[0]})") from None
    if isinstance(data, dict) and "repos" in data:
        data = data["repos"]
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of repositories (or `repos:` with a list)")
    rows: list[tuple[str, str | None, str | None]] = []
    for number, item in enumerate(data, start=1):
        if isinstance(item, str):
            source, rev = split_rev(item.strip())
            rows.append((source, rev, None))
            continue
        if not isinstance(item, dict):
            raise InputError(f"{path}: entry {number} must be a string or a mapping with `source`")
        lowered = {str(k).lower(): v for k, v in item.items()}
        given = next((lowered[k] for k in SOURCE_KEYS if k in lowered), None)
        if not isinstance(given, str) or not given.strip():
            raise InputError(f"{path}: entry {number} needs `source` (a path or git URL)")
        given_rev = next((lowered[k] for k in REV_KEYS if k in lowered), None)
        given_name = next((lowered[k] for k in NAME_KEYS if k in lowered), None)
        source, parsed = split_rev(given.strip())
        rev = str(given_rev).strip() if given_rev is not None else parsed
        rows.append((source, rev or None, str(given_name).strip() if given_name is not None else None))
    return rows
