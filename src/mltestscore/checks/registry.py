"""Collects checks from the `mltestscore.checks` entry-point group.

The built-in checks register through that same group (see pyproject.toml), so a plugin is just
another distribution with an entry point naming a sequence of Check classes. A plugin's
implemented check replaces a built-in placeholder or check of the same id.
"""

from __future__ import annotations

from mltestscore.checks import RegistryError
from mltestscore.checks.base import Check
from mltestscore.rubric import load_rubric

GROUP = "mltestscore.checks"
BUILTIN_PREFIX = "mltestscore."


__all__ = ["RegistryError", "load_checks"]


def load_checks(warn=None) -> dict[str, Check]:
    """Every rubric test id -> its check, in rubric order."""
    from importlib.metadata import entry_points  # not at import: an audit answered from the memo needs none

    rubric = load_rubric()
    known = {t.id: t for t in rubric.tests}
    chosen: dict[str, tuple[Check, bool]] = {}
    points = sorted(entry_points(group=GROUP), key=lambda ep: not ep.value.startswith(BUILTIN_PREFIX))
    if not any(ep.value.startswith(BUILTIN_PREFIX) for ep in points):
        raise RegistryError(
            "the built-in checks are not registered: install mltestscore (pip install .) rather than running it from a source folder"
        )
    for point in points:
        builtin = point.value.startswith(BUILTIN_PREFIX)
        try:
            loaded = point.load()
            classes = loaded() if callable(loaded) and not isinstance(loaded, type) else loaded
            classes = list(classes)
        except Exception as error:
            if builtin:
                raise
            if warn:
                warn(point.value, f"check plugin failed to load ({type(error).__name__}: {error}); ignored")
            continue
        for cls in classes:
            check = cls() if isinstance(cls, type) else cls
            test_id = getattr(check, "id", None)
            if test_id not in known:
                if warn:
                    warn(point.value, f"check {test_id!r} is not a rubric test id; ignored")
                continue
            if test_id in chosen and not check.implemented:
                continue  # never let a placeholder replace a real check
            chosen[test_id] = (check, builtin)
    missing = [t for t in known if t not in chosen]
    if missing:
        raise RegistryError(f"no check registered for {', '.join(missing)}")
    return {test_id: chosen[test_id][0] for test_id in known}
