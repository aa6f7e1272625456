"""The audit: index → evidence → wiring → checks → score. Returns an AuditReport; prints nothing."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from mltestscore import __version__
from mltestscore.config import Config
from mltestscore.context import AuditContext
from mltestscore.profile import Profile
from mltestscore.results import AuditReport, Outcome, SectionResult, Status, TestResult

UNOBSERVABLE = "not observable in the repository: attest it"


def run_audit(
    root: Path,
    config: Config | None = None,
    cache_dir: Path | None = None,
    ctx: AuditContext | None = None,
    profile: Profile | None = None,
) -> AuditReport:
    """Audit `root`. `cache_dir` holds per-file facts between runs (None: no persistent cache);
    `ctx` replaces the work-tree context (history audits a commit's tree); `profile` records where
    the time goes (the caller prints it)."""
    with _few_collections():
        return _run_audit(root, config, cache_dir, ctx, profile)


@contextmanager
def _few_collections():
    """The audit allocates millions of short-lived objects (AST nodes, outlines) that reference
    counting frees; the cyclic collector's passes over them cost as much as the parses (3.5 s of
    garbage collection parsing 11 MB of code, 1.2 s without). Freeze what is alive (the imported
    tool) and collect rarely until the audit ends."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 100_000), max(threshold[1], 50), max(threshold[2], 50))
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _run_audit(
    root: Path, config: Config | None, cache_dir: Path | None, ctx: AuditContext | None, profile: Profile | None
) -> AuditReport:
    config = config or Config()
    memo = ctx is None and cache_dir is not None  # a work-tree audit with a cache: the report may be known
    ctx = ctx or AuditContext(root, config, cache_dir)
    ctx.profile = profile
    timed = profile.phase if profile is not None else _untimed
    try:
        if not memo:
            return _audit(ctx)
        from mltestscore import memo as memos

        with timed("memo lookup (index and content ids)"):
            key = memos.memo_key(ctx)
        if key is None:  # a plugin the key cannot pin down: never answer from the memo
            return _audit(ctx)
        with timed("memo lookup (index and content ids)"):
            known = memos.recall(ctx.cache, key)
        if known is not None:
            return known
        report = _audit(ctx)
        with timed("memo store"):
            memos.remember(ctx.cache, key, report)
        return report
    finally:
        if profile is not None:
            profile.collect(ctx)
        ctx.close()


@contextmanager
def _untimed(name: str, into=None):
    yield


def _audit(ctx: AuditContext) -> AuditReport:
    # Imported here: an audit answered from the memo loads no check.
    from mltestscore.attest import apply_attestation
    from mltestscore.checks.registry import load_checks

    config = ctx.config
    rubric = config.rubric()
    checks = load_checks(ctx.warn, rubric)
    for test_id in config.unknown_ignores:
        ctx.warn(config.source or "config", f"ignore names {test_id!r}, which matches no test; it has no effect")
    for note in config.notes:
        ctx.warn(config.source or "config", note)
    timed = ctx.profile.phase if ctx.profile is not None else _untimed
    with timed("index (list and read the files)"):
        ctx.files  # index first, so git/listing warnings come before check warnings
    from mltestscore.discovery import unaudited_repositories

    for path, kind in unaudited_repositories(ctx.files):
        ctx.warn(path, f"{kind}: not audited (its files are not part of this repository's tree; audit it on its own)")
    sections = []
    for section in rubric.sections:
        items = []
        for test in section.tests:
            check = checks[test.check_id]
            with timed(test.id, ctx.profile.checks if ctx.profile is not None else None):
                outcome = _run_one(ctx, check, test.id)
            if test.id in config.attestations and test.id not in config.ignore:
                outcome = apply_attestation(ctx, config.attestations[test.id], outcome)
            items.append(
                TestResult(
                    test.id,
                    section.id,
                    test.title,
                    rubric.points.scale(outcome.score, test.weight),
                    outcome.status,
                    outcome.reason,
                    outcome.evidence,
                    outcome.missing if outcome.score < 1 else "",
                    check.remediation,
                    rubric.points.scale(1.0, test.weight),
                )
            )
        not_applicable = sum(1 for test in section.tests if test.id in config.not_applicable)
        sections.append(
            SectionResult(
                section.id,
                section.title,
                items,
                section.max,
                not_applicable=not_applicable,
                scaled=config.na_policy == "scale",
            )
        )
    score = rubric.aggregate([s.score for s in sections])
    return AuditReport(
        tool_version=__version__,
        repository=str(ctx.root),
        commit=ctx.git.commit if ctx.git.available else None,
        generated_at=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        sections=sections,
        score=score,
        band=rubric.band(score),
        warnings=list(ctx.warnings),
        rubric=rubric.name,
        rubric_id=rubric.id,
        max_score=rubric.max_score,
        aggregation=rubric.aggregation,
    )


def _run_one(ctx: AuditContext, check, test_id: str) -> Outcome:
    not_applicable = ctx.config.not_applicable.get(test_id)
    if not_applicable is not None:
        scaled = ctx.config.na_policy == "scale"
        return Outcome(
            0.0,
            Status.SKIPPED,
            f"n/a ({not_applicable})",
            [],
            "Declared not applicable in config; "
            + ("the section is scored over its applicable tests." if scaled else "it scores 0, as in the paper."),
        )
    reason = ctx.config.ignore.get(test_id)
    if reason is not None:
        return Outcome(
            0.0, Status.SKIPPED, f"skipped: {reason}", [], "Ignored in config; it earns no points while ignored."
        )
    try:
        outcome = check.run(ctx)
    except Exception as error:  # a bug in one check must not sink the audit
        ctx.warn(".", f"check {check.id} failed ({type(error).__name__}: {error}); reported as not assessed")
        return Outcome(0.0, Status.NOT_ASSESSED, f"check failed: {type(error).__name__}", [], check.remediation)
    if outcome.score == 0 and not check.observable and outcome.status == Status.MISSING:
        outcome.reason = f"{outcome.reason}; {UNOBSERVABLE}" if outcome.reason else UNOBSERVABLE
    if outcome.score < 1 and not outcome.missing:
        outcome.missing = check.remediation
    return outcome
