"""Collects checks from the `mltestscore.checks` entry-point group.

The built-in checks register through that same group (see pyproject.toml), so a plugin is just
another distribution with an entry point naming a sequence of Check classes. A plugin check with
a built-in id replaces it; a plugin check with a new id (e.g. `acme-1`) is scored when the chosen
rubric names it (a test whose `check:` is that id, or whose id is it).
"""

from __future__ import annotations

from mltestscore.checks import RegistryError
from mltestscore.checks.base import Check
from mltestscore.plugins import PluginError, discover, load
from mltestscore.rubric import Rubric

GROUP = "mltestscore.checks"


__all__ = ["RegistryError", "all_checks", "load_checks"]


def all_checks() -> dict[str, Check]:
    """Every registered check by id: built-ins, then plugins (which replace a built-in of their id)."""
    points = [p for p in discover() if p.group == GROUP]
    if not any(p.builtin for p in points):
        raise RegistryError(
            "the built-in checks are not registered: install mltestscore (pip install .) rather than running it from a source folder"
        )
    chosen: dict[str, Check] = {}
    for point in points:
        loaded = load(point)
        try:
            classes = list(loaded() if callable(loaded) and not isinstance(loaded, type) else loaded)
        except Exception as error:
            raise PluginError(f"plugin gives no checks: {point.describe()}: {type(error).__name__}: {error}") from None
        for cls in classes:
            check = cls() if isinstance(cls, type) else cls
            test_id = getattr(check, "id", None)
            if not isinstance(test_id, str) or not callable(getattr(check, "run", None)):
                raise PluginError(
                    f"plugin gives {cls!r}, which is not a check (an id and run(ctx)): {point.describe()}"
                )
            if test_id in chosen and not check.implemented:
                continue  # never let a placeholder replace a real check
            chosen[test_id] = check
    return chosen


def load_checks(warn=None, rubric: Rubric | None = None) -> dict[str, Check]:
    """The checks the rubric needs, by check id in rubric order (the default rubric when None)."""
    if rubric is None:
        from mltestscore.rubric import load_rubric

        rubric = load_rubric()
    registered = all_checks()
    needed = [t.check_id for t in rubric.tests]
    missing = [
        f"{t.id} (check {t.check_id})" if t.check else t.id for t in rubric.tests if t.check_id not in registered
    ]
    if missing:
        raise RegistryError(
            f"rubric {rubric.name!r} needs checks no installed plugin registers: {', '.join(missing)}; "
            "install the plugin that provides them (`mltestscore --version` lists loaded plugins)"
        )
    return {check_id: registered[check_id] for check_id in dict.fromkeys(needed)}
