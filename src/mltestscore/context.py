"""The audit context: the repository's index plus every fact, computed once and only when a
selected check asks for it. Checks read facts from here; they never open files themselves."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from mltestscore.config import Config
from mltestscore.evidence.git import GitInfo, open_git
from mltestscore.index.files import RepoFiles
from mltestscore.index.parsed import Parsed
from mltestscore.results import AuditWarning
from mltestscore.stats import Stats

if TYPE_CHECKING:
    from mltestscore.profile import Profile

T = TypeVar("T")


class AuditContext:
    def __init__(self, root: Path, config: Config | None = None, cache_dir: Path | None = None) -> None:
        self.root = root
        self.cache_dir = cache_dir  # None: no persistent cache
        self.config = config or Config()
        self.warnings: list[AuditWarning] = []
        self._warned: set[tuple[str, str]] = set()
        self._facts: dict[Callable, object] = {}
        self.stats = Stats()  # work counters: tests bound them (see stats.py)
        self.profile: Profile | None = None  # a profile.Profile when --profile asks where the time goes

    def warn(self, path: str, message: str) -> None:
        key = (path, message)
        if key not in self._warned:
            self._warned.add(key)
            self.warnings.append(AuditWarning(path, message))

    # -- stage 1: index -----------------------------------------------------------------
    @cached_property
    def git(self) -> GitInfo:
        info = open_git(self.root)
        if info.problem:
            self.warn(".", info.problem)
        if info.available and info.shallow:
            self.warn(
                ".git", "shallow clone: history-based evidence is incomplete (fetch with depth 0 for full history)"
            )
        return info

    @cached_property
    def files(self) -> RepoFiles:
        return RepoFiles.scan(
            self.root,
            self.warn,
            self.git.paths if self.git.available else None,
            exclude=self.config.exclude,
            max_bytes=self.config.max_file_size_kb * 1024,
            blob_ids=self.git.blob_ids if self.git.available else None,
        )

    @cached_property
    def cache(self):
        from mltestscore.index.cache import FactCache

        return FactCache(self.cache_dir, self.warn)

    @cached_property
    def parsed(self) -> Parsed:
        return Parsed(self.files, self.warn)

    # -- stage 2: evidence --------------------------------------------------------------
    @cached_property
    def ci(self):
        from mltestscore.evidence.ci import find_pipelines
        from mltestscore.evidence.platforms import read_platform_ci, started_by_ci
        from mltestscore.evidence.platforms.cisources import started_by_infrastructure

        pipelines = find_pipelines(self.parsed)
        return started_by_infrastructure(self, started_by_ci(pipelines, read_platform_ci(self.parsed)))

    @cached_property
    def tasks(self):
        from mltestscore.evidence.scripts import index_tasks

        return index_tasks(self.parsed)

    @cached_property
    def dvc(self):
        from mltestscore.evidence.dvc import read_dvc

        return read_dvc(self.parsed)

    @cached_property
    def python(self):
        from mltestscore.evidence.import_roots import import_roots
        from mltestscore.evidence.python import PythonIndex

        return PythonIndex(
            self.parsed, self.cache, lambda: import_roots(self.parsed, self.ci, self.tests.config), self.stats
        )

    @cached_property
    def tests(self):
        from mltestscore.evidence.testsuite import TestSuite
        from mltestscore.wiring import pytest_named_files

        return TestSuite(self.parsed, pytest_named_files(self.ci, self.tasks, self.files))

    @cached_property
    def code_pipelines(self):
        from mltestscore.evidence.pipelines import find_code_pipelines
        from mltestscore.evidence.platforms import with_platform_pipelines

        return with_platform_pipelines(find_code_pipelines(self.python), self.platform_pipelines)

    @cached_property
    def platform_triggers(self):
        """What infrastructure code in the repo starts (schedules, event rules, CI sources): evidence/platforms."""
        from mltestscore.evidence.platforms import read_platform_triggers

        return read_platform_triggers(self)

    @cached_property
    def platform_pipelines(self):
        """Orchestrated pipelines of ML platforms (SageMaker, Kubeflow/Vertex, Airflow, Azure ML...),
        each with the infrastructure triggers that start it: evidence/platforms."""
        from mltestscore.evidence.platforms import deployed_by_ci, read_platform_pipelines, with_triggers

        return deployed_by_ci(
            with_triggers(read_platform_pipelines(self.python), self.platform_triggers), lambda: self.ci
        )

    # -- stage 3: wiring ------------------------------------------------------------------
    @cached_property
    def wiring(self):
        from mltestscore.wiring import Wiring

        return Wiring(self.ci, self.tasks, self.dvc, self.tests, self.python, self.platform_pipelines)

    # -- derived facts ----------------------------------------------------------------------
    def fact(self, producer: Callable[[AuditContext], T]) -> T:
        """`producer(self)`, computed once per audit. Section modules and plugins keep their own
        extractors (e.g. `ctx.fact(read_gx_project)`) without touching this class."""
        if producer not in self._facts:
            if self.profile is None:
                self._facts[producer] = producer(self)
            else:
                self._facts[producer] = self.profile.fact(producer, lambda: producer(self))
        return self._facts[producer]  # type: ignore[return-value]

    def close(self) -> None:
        if "git" in self.__dict__:
            self.git.close()
        if "cache" in self.__dict__:
            self.cache.close()
