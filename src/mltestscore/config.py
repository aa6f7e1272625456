"""User configuration: `.mltestscore.yaml` or `[tool.mltestscore]` in pyproject.toml.

Validated strictly: an unknown key, a wrong type or an unknown test id is a ConfigError, which
the CLI reports with exit code 2.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mltestscore.rubric import Rubric

CONFIG_FILES = (".mltestscore.yaml", ".mltestscore.yml")
SECTIONS = ("data", "model", "infra", "monitor")  # the default rubric's; use Config.rubric().section_ids
_KEYS = {"fail_under", "section_minimums", "exclude", "ignore", "attestations", "max_file_size_kb", "rubric"}
_KEYS |= {"not_applicable", "na_policy"}
NA_POLICIES = ("zero", "scale")  # zero: the paper's arithmetic (n/a earns 0); scale: over applicable tests
# Limits of the git-history evidence (docs/monitor.md): how far back to read, how old a model may be.
_HISTORY_KEYS = ("history_max_commits", "history_max_days", "model_max_age_days")
_KEYS |= set(_HISTORY_KEYS)
_ATTESTATION_KEYS = {"path", "note", "max_age_days", "runner"}


class ConfigError(Exception):
    """A configuration the user must fix; the message says where and how."""


@dataclass(frozen=True)
class Attestation:
    test_id: str
    path: str
    note: str = ""
    max_age_days: int | None = None
    runner: str | None = None  # a CI workflow file that runs the documented procedure


@dataclass
class Config:
    source: str | None = None
    fail_under: float | None = None
    section_minimums: dict[str, float] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    ignore: dict[str, str] = field(default_factory=dict)
    unknown_ignores: list[str] = field(default_factory=list)  # reported as warnings by the audit
    attestations: dict[str, Attestation] = field(default_factory=dict)
    max_file_size_kb: int = 2048
    history_max_commits: int = 1000
    history_max_days: int = 730
    model_max_age_days: int = 180
    not_applicable: dict[str, str] = field(default_factory=dict)  # test id -> why it does not apply
    na_policy: str = "zero"
    notes: list[str] = field(default_factory=list)  # e.g. which of two config files won; shown as warnings
    origins: dict[str, str] = field(default_factory=dict)  # setting -> where its value came from
    rubric_spec: str | None = None  # `rubric:` / --rubric: a file (absolute once resolved) or a name

    def rubric(self) -> Rubric:
        """The rubric this audit scores against (the paper's ML Test Score by default)."""
        from mltestscore.rubric import load_rubric

        return load_rubric(self.rubric_spec)


PRECEDENCE = "--config, then .mltestscore.yaml (or .yml), then pyproject.toml [tool.mltestscore]"
_TOOL_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*mltestscore\b|^\s*tool\s*\.\s*mltestscore\s*[.=]", re.M)


def load_config(root: Path, explicit: Path | None = None, rubric: str | None = None) -> Config:
    """The config for an audit of `root`: `explicit` if given, else the first file found, in the
    order of PRECEDENCE. A config that cannot be read is a ConfigError: a gate must not pass
    because its threshold was silently dropped. `rubric` (--rubric) overrides the config's
    `rubric:`; the config is validated against it."""
    config = _find_config(root, explicit, rubric)
    if rubric is not None and config.rubric_spec is None:
        config.rubric_spec = _rubric_spec(rubric, Path.cwd(), "--rubric")
    if config.source is None and config.rubric_spec is not None:
        from mltestscore.rubric import RubricError

        try:
            config.rubric()  # a bad --rubric is an error even without a config file
        except RubricError as error:
            raise ConfigError(str(error)) from None
    return config


def _find_config(root: Path, explicit: Path | None, rubric: str | None) -> Config:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return _from_file(explicit, _shown(explicit, root), rubric)
    pyproject = root / "pyproject.toml"
    for name in CONFIG_FILES:
        if (root / name).is_file():
            config = _from_file(root / name, name, rubric)
            if pyproject.is_file() and declares_tool_table(pyproject):
                config.notes.append(
                    f"both {name} and pyproject.toml [tool.mltestscore] exist: {name} is used and the pyproject "
                    f"table is ignored (precedence: {PRECEDENCE})"
                )
            return config
    if pyproject.is_file() and declares_tool_table(pyproject):
        data = _read_toml(pyproject, "pyproject.toml")
        table = (data.get("tool") or {}).get("mltestscore") if isinstance(data, dict) else None
        if table is not None:
            return parse_config(table, "pyproject.toml [tool.mltestscore]", rubric=rubric, base=root)
    return Config()


def declares_tool_table(pyproject: Path) -> bool:
    """Whether a pyproject mentions [tool.mltestscore], read as text so that a broken file still
    answers (and its TOML error then stops the gate instead of dropping its threshold)."""
    try:
        if pyproject.stat().st_size > MAX_CONFIG_BYTES:
            return False
        return bool(_TOOL_TABLE.search(pyproject.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def _shown(path: Path, root: Path) -> str:
    """A config path as reports show it: relative to the audited folder when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


MAX_CONFIG_BYTES = 4 * 1024 * 1024  # a pyproject larger than this is not read for config
_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


def _read_toml(path: Path, shown: str) -> Any:
    from mltestscore.index.parsed import load_toml_text

    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ValueError(f"larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB")
        return load_toml_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        message = str(error)
        where = _TOML_WHERE.search(message)
        if where:
            line, column = where.groups()
            raise ConfigError(
                f"{shown}:{line}:{column}: invalid TOML ({_TOML_WHERE.sub('', message)}); "
                "the config cannot be read, so no threshold would be applied"
            ) from None
        raise ConfigError(f"{shown}: cannot be read as TOML ({message})") from None


def _from_file(path: Path, shown: str, rubric: str | None = None) -> Config:
    if path.suffix == ".toml":
        data = _read_toml(path, shown)
        table = data.get("tool", {}).get("mltestscore", data) if isinstance(data, dict) else data
        return parse_config(table, shown, rubric=rubric, base=path.parent)
    from mltestscore.index.parsed import load_yaml_text

    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{shown}: larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB; not a config file")
    try:
        data = load_yaml_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{shown}: cannot be read ({error})") from None
    except Exception as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else shown
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{where}: invalid YAML ({problem})") from None
    return parse_config(data if data is not None else {}, shown, rubric=rubric, base=path.parent)


def _rubric_spec(value: Any, base: Path | None, where: str) -> str:
    """A `rubric:` value as the spec to load: a file made absolute against `base`, or a name."""
    from mltestscore.rubric import RubricError, resolve_rubric

    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: rubric must be a rubric file or the name of one (see docs/rubrics.md)")
    try:
        path = resolve_rubric(value.strip(), base)
    except RubricError as error:
        raise ConfigError(f"{where}: {error}") from None
    looks_like_path = value.endswith((".yaml", ".yml")) or "/" in value or "\\" in value
    return str(path) if looks_like_path else value.strip()


def _did_you_mean(word: Any, choices: set[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def parse_config(
    data: Any,
    source: str,
    known_ids: set[str] | None = None,
    rubric: str | None = None,
    base: Path | None = None,
) -> Config:
    """`rubric` (from --rubric) wins over the data's `rubric:`; relative rubric files resolve against `base`."""
    where = source
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of settings, got {type(data).__name__}")
    unknown = sorted(set(data) - _KEYS, key=str)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting {', '.join(map(repr, unknown))}{_did_you_mean(unknown[0], _KEYS)} "
            f"(known: {', '.join(sorted(_KEYS))})"
        )
    config = Config(source=source)
    config.origins = {str(key): source for key in data}
    if rubric is not None:
        config.rubric_spec = _rubric_spec(rubric, Path.cwd(), "--rubric")
    elif "rubric" in data:
        config.rubric_spec = _rubric_spec(data["rubric"], base, f"{where}: rubric")
    from mltestscore.rubric import RubricError

    try:
        chosen = config.rubric()
    except RubricError as error:
        raise ConfigError(str(error)) from None
    SECTIONS = chosen.section_ids  # noqa: N806 (shadows the default rubric's on purpose)
    if known_ids is None:
        known_ids = {t.id for t in chosen.tests}
    if "fail_under" in data:
        config.fail_under = _score(data["fail_under"], f"{where}: fail_under", chosen.max_score)
    minimums = data.get("section_minimums", {})
    if not isinstance(minimums, dict):
        raise ConfigError(f"{where}: section_minimums must map a section ({', '.join(SECTIONS)}) to a score")
    for section, value in minimums.items():
        if section not in SECTIONS:
            raise ConfigError(
                f"{where}: section_minimums: unknown section {section!r}{_did_you_mean(section, SECTIONS)} "
                f"(sections are {', '.join(SECTIONS)})"
            )
        config.section_minimums[section] = _score(
            value, f"{where}: section_minimums.{section}", chosen.section(section).max
        )
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise ConfigError(f"{where}: exclude must be a list of path patterns")
    config.exclude = exclude
    ignore = data.get("ignore", {})
    if not isinstance(ignore, dict):
        raise ConfigError(
            f"{where}: ignore must map a test id to the reason it does not apply, e.g. monitor-3: batch scoring only"
        )
    for test_id, reason in ignore.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}: ignore.{test_id}: give the reason as text (it is shown in the report)")
        if test_id not in known_ids:
            config.unknown_ignores.append(str(test_id))
            continue
        config.ignore[test_id] = reason.strip()
    not_applicable = data.get("not_applicable", {})
    if not isinstance(not_applicable, dict):
        raise ConfigError(
            f"{where}: not_applicable must map a test id to the reason, e.g. monitor-3: batch scoring only"
        )
    for test_id, reason in not_applicable.items():
        _known(test_id, known_ids, f"{where}: not_applicable")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}: not_applicable.{test_id}: give the reason as text (it is shown in the report)")
        config.not_applicable[test_id] = reason.strip()
    policy = data.get("na_policy", config.na_policy)
    if policy not in NA_POLICIES:
        raise ConfigError(
            f"{where}: na_policy must be one of {', '.join(NA_POLICIES)}, got {policy!r}{_did_you_mean(policy, NA_POLICIES)}"
        )
    config.na_policy = policy
    attestations = data.get("attestations", {})
    if not isinstance(attestations, dict):
        raise ConfigError(f"{where}: attestations must map a test id to {{path, note, max_age_days}}")
    for test_id, body in attestations.items():
        _known(test_id, known_ids, f"{where}: attestations")
        if isinstance(body, str):
            body = {"path": body}
        extra = sorted(map(str, set(body) - _ATTESTATION_KEYS)) if isinstance(body, dict) else []
        if extra:
            raise ConfigError(
                f"{where}: attestations.{test_id}: unknown key {', '.join(map(repr, extra))}"
                f"{_did_you_mean(extra[0], _ATTESTATION_KEYS)} (known: {', '.join(sorted(_ATTESTATION_KEYS))})"
            )
        if not isinstance(body, dict) or not isinstance(body.get("path"), str):
            raise ConfigError(f"{where}: attestations.{test_id} needs `path`: a document in the repository")
        age = body.get("max_age_days")
        if age is not None and (not isinstance(age, int) or isinstance(age, bool) or age <= 0):
            raise ConfigError(f"{where}: attestations.{test_id}.max_age_days must be a positive whole number of days")
        runner = body.get("runner")
        if runner is not None and not isinstance(runner, str):
            raise ConfigError(f"{where}: attestations.{test_id}.runner must be the path of a CI workflow file")
        config.attestations[test_id] = Attestation(test_id, body["path"], str(body.get("note", "")), age, runner)
    size = data.get("max_file_size_kb", config.max_file_size_kb)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ConfigError(f"{where}: max_file_size_kb must be a positive whole number")
    config.max_file_size_kb = size
    for key in _HISTORY_KEYS:
        value = data.get(key, getattr(config, key))
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{where}: {key} must be a positive whole number")
        setattr(config, key, value)
    return config


def _score(value: Any, where: str, maximum: float = 7) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= maximum:
        raise ConfigError(f"{where} must be a number from 0 to {maximum:g}, got {value!r}")
    return float(value)


def _known(test_id: Any, known: set[str], where: str) -> None:
    if test_id not in known:
        raise ConfigError(
            f"{where}: unknown test id {test_id!r}{_did_you_mean(test_id, known) or ';'} ids look like data-1, model-3, infra-7, monitor-2 (see `mltestscore checks`)"
        )
