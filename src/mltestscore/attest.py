"""Attestations: the team declares in config that a test is done and points at the document.

Worth at most 0.5, or 1 when it names a CI workflow the tool finds starting on its own. Rejected,
with a warning, when the document is missing or older than its max age.
"""

from __future__ import annotations

import os
import posixpath
from datetime import datetime, timezone

from mltestscore.config import Attestation
from mltestscore.context import AuditContext
from mltestscore.results import Evidence, Outcome, Status


def inside_repository(ctx: AuditContext, raw: str) -> str | None:
    """The attested path relative to the audited folder, or None when it leaves it: through `..`,
    or through a symlink whose target lies outside (a document outside the repository is no
    evidence about it, and reading /etc/passwd as one is a leak)."""
    path = posixpath.normpath(raw.replace("\\", "/").strip("/"))
    if path == ".." or path.startswith("../"):
        return None
    if ctx.files.work_tree:
        root = os.path.realpath(ctx.root)
        target = os.path.realpath(os.path.join(root, path))
        if os.path.commonpath([root, target]) != root:
            return None
    return path


def apply_attestation(ctx: AuditContext, attestation: Attestation, outcome: Outcome) -> Outcome:
    path = inside_repository(ctx, attestation.path)
    if path is None:
        ctx.warn(
            attestation.path,
            f"attestation for {attestation.test_id} rejected: the document lies outside the repository",
        )
        return outcome
    on_disk = ctx.files.work_tree and os.path.isfile(ctx.root / path)  # e.g. excluded from the listing
    if path not in ctx.files and not on_disk:
        ctx.warn(path, f"attestation for {attestation.test_id} rejected: the document does not exist")
        return outcome
    age = _age_days(ctx, path)
    if attestation.max_age_days is not None and age is not None and age > attestation.max_age_days:
        ctx.warn(
            path,
            f"attestation for {attestation.test_id} expired: document last changed {age} days ago (max {attestation.max_age_days})",
        )
        return outcome
    detail = "attested by the team" + (f": {attestation.note}" if attestation.note else "")
    if age is not None:
        detail += f" (document last changed {age} days ago)"
    score, runner = 0.5, None
    if attestation.runner:
        pipeline = next((p for p in ctx.ci if p.path == attestation.runner.strip("/")), None)
        if pipeline and any(job.automatic for job in pipeline.jobs):
            score, runner = 1.0, f"{pipeline.path} (starts on its own)"
        else:
            ctx.warn(
                attestation.runner,
                f"attestation for {attestation.test_id}: runner is not a CI workflow that starts on its own; counted as manual",
            )
    if score <= outcome.score:
        return outcome
    missing = (
        ""
        if score >= 1
        else "Automate the attested procedure in CI or a pipeline and name that workflow as the attestation's runner."
    )
    return Outcome(
        score,
        Status.ATTESTED,
        f"attested in {ctx.config.source or 'config'}",
        [Evidence(path, None, detail, runner), *outcome.evidence],
        missing,
    )


def _age_days(ctx: AuditContext, path: str) -> int | None:
    """Days since the document last changed, as of the audited tree: today for the work tree, the
    commit's own date for a past commit (`mltestscore history`)."""
    when = ctx.git.last_commit_date(path) if ctx.git.available else None
    if when is None:
        if not ctx.files.work_tree:
            return None
        try:
            when = datetime.fromtimestamp(os.path.getmtime(ctx.root / path), tz=timezone.utc)
        except OSError:
            return None
    return max(0, (_as_of(ctx) - when).days)


def _as_of(ctx: AuditContext) -> datetime:
    if getattr(ctx.git, "past", False) and ctx.git.commit:
        from mltestscore.evidence.history import commit_date

        return commit_date(ctx.git, ctx.cache, ctx.git.commit) or datetime.now(timezone.utc)
    return datetime.now(timezone.utc)
