"""ML platforms and orchestrators read as runners: one registration point for every platform reader.

Two kinds of reader, each a module of this package with a `read` function, named in a list below:

- CI_READERS, `read(parsed) -> list[CIPipeline]`: CI/CD systems whose jobs start on a trigger
  (Azure Pipelines, Cloud Build...). Their pipelines join `ctx.ci` and are wired exactly like
  GitHub Actions jobs.
- PIPELINE_READERS, `read(python) -> list[PlatformPipeline]`: orchestrated ML pipelines defined in
  code or config (Airflow DAGs, Azure ML pipelines...). Each step lists the shell commands it runs
  (a Python callable or a component's script becomes `python <file>`), so the wiring follows it
  like a DVC stage: a step is a `pipeline` runner (every model passes through it), and a CI
  command or script that runs the file defining the pipeline runs its steps through that chain
  (trigger → pipeline → step → script).

A reader never imports the code it reads (Python is read with `ast`, configs as data), and a file
of an unexpected shape gives a warning, never an error. To add a platform, write a module in this
package and add its `read` to one list here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from mltestscore.evidence.ci import AUTOMATIC_TRIGGERS, MANUAL, CIPipeline
from mltestscore.evidence.python import PythonIndex
from mltestscore.index.parsed import Parsed


@dataclass(frozen=True)
class PlatformStep:
    name: str
    line: int | None
    commands: tuple[str, ...]  # shell commands the step runs; a Python callable's module as `python <file>`
    cwd: str = ""  # folder the commands run in, relative to the repo root
    path: str = ""  # file declaring the step when not the pipeline's own file (a YAML component)


@dataclass(frozen=True)
class PlatformPipeline:
    platform: str  # airflow | azureml | ...
    name: str
    path: str  # the file that defines (and, when run, submits) the pipeline
    line: int | None
    steps: tuple[PlatformStep, ...]
    triggers: frozenset[str] = frozenset()  # ci.SCHEDULE/EVENT/MANUAL the platform itself declares
    trigger_note: str = ""  # how it starts, for the report: "schedule @weekly", "schedule=None: started by hand"

    @property
    def scheduled(self) -> bool:
        return bool(self.triggers & AUTOMATIC_TRIGGERS)

    def describe(self) -> str:
        when = f" ({self.trigger_note})" if self.trigger_note else ""
        return f"{self.path} {self.platform} pipeline '{self.name}'{when}"


# Registration: the modules of this package whose `read` is a CI reader or a pipeline reader. Add
# one name to one list.
CI_READERS: list[str] = ["azure_pipelines", "cloudbuild"]
PIPELINE_READERS: list[str] = ["airflow", "azureml"]


def _reader(module: str) -> Callable:
    return import_module(f"{__name__}.{module}").read


def read_platform_ci(parsed: Parsed) -> list[CIPipeline]:
    found: list[CIPipeline] = []
    for module in CI_READERS:
        found.extend(_guarded(parsed, _reader(module), parsed))
    return found


def read_platform_pipelines(python: PythonIndex) -> list[PlatformPipeline]:
    found: list[PlatformPipeline] = []
    for module in PIPELINE_READERS:
        found.extend(_guarded(python.parsed, _reader(module), python))
    return found


def _guarded(parsed: Parsed, reader, source) -> list:
    try:
        return list(reader(source))
    except Exception as error:  # a shape no reader foresaw: skip that platform, keep auditing
        parsed.warn(".", f"{reader.__module__} could not read this repository ({type(error).__name__}); skipped")
        return []


def started_by_ci(pipelines: list[CIPipeline], platform_ci: list[CIPipeline]) -> list[CIPipeline]:
    """All CI pipelines; a platform config that a CI command names (`gcloud builds submit --config
    cloudbuild.yaml`) is started by that command, so it takes on that job's triggers."""
    by_path = {p.path: p for p in platform_ci}
    if by_path:
        for pipeline in pipelines:
            for job in pipeline.jobs:
                for step in job.steps:
                    for command in step.commands:
                        for word in command.replace("=", " ").split():
                            target = by_path.get(posixpath.normpath(posixpath.join(step.cwd, word.strip("'\""))))
                            for started in target.jobs if target is not None else ():
                                started.triggers = frozenset((started.triggers - {MANUAL}) | job.triggers)
    return pipelines + platform_ci


# Load the readers now: the dotted names they declare (python.names) must join the vocabulary before
# the first scan of the sources, or a warm audit would see another vocabulary and scan again.
for _module in (*CI_READERS, *PIPELINE_READERS):
    import_module(f"{__name__}.{_module}")
