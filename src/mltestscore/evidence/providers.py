"""Evidence providers: what a plugin adds to the facts without replacing a check.

A distribution registers, in the `mltestscore.evidence` entry-point group, a provider or a
sequence of providers. Each declares its kind and the files it reads, so the index offers it
exactly those files; the built-in checks then see its results with their own:

- `CIProvider` (kind "ci"): a CI system. `pattern` (a regular expression on repo-relative paths)
  selects its files; `parse(path, data, text)` returns a `CIPipeline` (jobs, triggers, steps with
  shell commands) or None. `data` is the parsed YAML when `yaml` is true (else None: multi-document
  or non-YAML files parse their own `text`). Its pipelines join `ctx.ci`, so wiring follows their
  commands to tests, DVC stages and scripts like those of GitHub Actions or GitLab CI.

- `SchemaProvider` (kind "schema"): a schema library. A call to one of `schema_calls` defines a
  `Schema` (data-1), a call to one of `check_calls` validates data against the schemas of its own
  file or of the project files it imports (a check site: data-1 follows its runner).
  `pattern` + `read(path, data, text)` adds schemas written in config files (a list of Schema).
  Hooked in evidence/schemas.read_schemas.
- `AlertProvider` (kind "alerts"): a monitoring system's alert config. `read(path, data, text)` on
  the files `pattern` selects gives `(line, name, body)` rules; they join evidence/monitoring
  .alert_rules, whose topics (latency, staleness, data, quality, nan) the monitor checks read.
- `ServingProvider` (kind "serving"): a model server whose config keeps models by version.
  `read(path, data, text)` gives `(line, detail)`; joins platforms/serving.versioned_serving (infra-7).
- `PipelineProvider` (kind "pipeline"): an orchestrator. `read(python)` (the PythonIndex) returns
  `PlatformPipeline`s, read after the built-in PIPELINE_READERS of evidence/platforms, so their
  steps become `pipeline` runners wired like Airflow's or SageMaker's.

Every provider may declare `names` (dotted names its readers ask the word index for) and `parts`
(identifier parts): the scan vocabulary (evidence/vocabulary.py) takes them in when the provider
is registered, so a plugin's calls are found from the word index like the built-ins'.

Another kind is another dataclass here with its hook in the evidence module that reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

GROUP = "mltestscore.evidence"


@dataclass(frozen=True)
class CIProvider:
    system: str  # e.g. "drone": shown in evidence as the CI system
    pattern: str  # regular expression searched in each repo-relative path
    parse: Callable[[str, Any, str | None], Any]  # (path, parsed YAML or None, text) -> CIPipeline | None
    yaml: bool = True
    kind: ClassVar[str] = "ci"
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    names: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))


@dataclass(frozen=True)
class SchemaProvider:
    tool: str  # e.g. "acme-contracts": shown in evidence as the schema tool
    schema_calls: tuple[str, ...] = ()  # dotted calls that define a schema (aliases resolved)
    check_calls: tuple[str, ...] = ()  # dotted calls that validate data against a schema
    pattern: str | None = None  # config files holding schemas, read by `read`
    read: Callable[[str, Any, str | None], Any] | None = None  # (path, YAML or None, text) -> [Schema]
    yaml: bool = True
    value_level: bool = True  # the library's schemas constrain values (types, ranges), not only shape
    names: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    kind: ClassVar[str] = "schema"
    regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern) if self.pattern else None)
        # the calls it asks for are words the scan must know
        object.__setattr__(self, "names", tuple(self.names) + tuple(self.schema_calls) + tuple(self.check_calls))


@dataclass(frozen=True)
class AlertProvider:
    system: str  # e.g. "opsgenie": the rule's kind reads "<system> alert rule"
    pattern: str
    read: Callable[[str, Any, str | None], Any]  # (path, YAML or None, text) -> [(line, name, body)]
    yaml: bool = True
    names: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    kind: ClassVar[str] = "alerts"
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))


@dataclass(frozen=True)
class ServingProvider:
    system: str  # e.g. "seldon"
    pattern: str
    read: Callable[[str, Any, str | None], Any]  # (path, YAML or None, text) -> [(line, detail)]
    yaml: bool = True
    names: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    kind: ClassVar[str] = "serving"
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))


@dataclass(frozen=True)
class PipelineProvider:
    platform: str  # e.g. "prefect"
    read: Callable[[Any], Any]  # (PythonIndex) -> [PlatformPipeline]
    names: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    kind: ClassVar[str] = "pipeline"


def read_config_files(parsed: Any, provider: Any, label: str) -> list[tuple[str, Any]]:
    """(path, what `provider.read` returned) for each file its pattern selects; a file it cannot read
    gives a warning naming the plugin's system, and the audit goes on."""
    found = []
    for path in parsed.files.matching(provider.regex):
        try:
            data = parsed.yaml(path) if provider.yaml else None
            result = provider.read(path, data, parsed.files.text(path))
        except Exception as error:  # a plugin's reader must not sink the audit
            parsed.warn(path, f"{label} config could not be read ({type(error).__name__}); skipped")
            continue
        if result:
            found.append((path, result))
    return found


def providers(kind: str) -> list[Any]:
    """The installed providers of one kind, in plugin order (none without plugins)."""
    from mltestscore.plugins import PluginError, loaded

    found: list[Any] = []
    for plugin, obj in loaded(GROUP):
        items = obj() if callable(obj) and not hasattr(obj, "kind") else obj
        items = [items] if hasattr(items, "kind") else list(items)
        for item in items:
            if not isinstance(getattr(item, "kind", None), str):
                raise PluginError(f"plugin gives {item!r}, which is not an evidence provider: {plugin.describe()}")
            if item.kind == kind:
                found.append(item)
    return found
