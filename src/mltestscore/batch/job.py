"""One repository's audit, exactly as `mltestscore audit PATH` runs it (its own config and
attestations, the persistent fact cache), returned as a result row of plain data.

Runs inside an audit process (worker.py), never in the batch's own process: a crash or a time
limit there costs one row. Every failure becomes the row's `error`; nothing is raised.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

ROW_SCHEMA = 1


def run_job(job: dict) -> dict:
    """`job`: source, rev, name, key, remote, cache_dir (None: the default), facts (use the fact
    cache), previous (the fingerprint of the stored result; equal → status "unchanged")."""
    started = time.monotonic()
    row = new_row(job)
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    try:
        row.update(_run(job))
    except Exception as error:  # the row carries it; the batch goes on
        row.update(status="error", error=describe(error))
    row["seconds"] = round(time.monotonic() - started, 3)
    row["finished_at"] = now()
    return row


def new_row(job: dict) -> dict:
    return {
        "row_schema": ROW_SCHEMA,
        "name": job["name"],
        "key": job["key"],
        "source": job["source"],
        "rev": job.get("rev"),
        "status": "error",
        "error": None,
        "commit": None,
        "fingerprint": None,
        "seconds": None,
        "finished_at": None,
        "worker": None,
        "report": None,
    }


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def describe(error: BaseException) -> str:
    from mltestscore.batch.clone import CloneError
    from mltestscore.config import ConfigError

    if isinstance(error, CloneError):
        return f"clone failed: {error}"
    if isinstance(error, ConfigError):
        return f"config error: {error}"
    from mltestscore.checks import RegistryError
    from mltestscore.plugins import PluginError

    if isinstance(error, (RegistryError, PluginError)):
        return f"plugin error: {error}"
    return f"audit crashed: {type(error).__name__}: {error}"


def _run(job: dict) -> dict:
    from mltestscore.index.cache import default_cache_dir

    cache_root = Path(job["cache_dir"]) if job.get("cache_dir") else default_cache_dir()
    if job.get("remote"):
        from mltestscore.batch.clone import checked_out

        with checked_out(cache_root, job["clone_url"], job.get("rev")) as checkout:
            return _audit(checkout.path, checkout.commit, job, cache_root)
    root = Path(job["source"])
    if not root.exists():
        return {"status": "error", "error": f"path does not exist: {root}"}
    if not root.is_dir():
        return {"status": "error", "error": f"not a folder: {root}"}
    return _audit(root.resolve(), None, job, cache_root)


def _audit(root: Path, commit: str | None, job: dict, cache_root: Path) -> dict:
    from mltestscore.audit import run_audit
    from mltestscore.config import load_config
    from mltestscore.report.json_report import to_dict

    config = load_config(root, None, job.get("rubric"))  # its own config, found as `mltestscore audit` finds it
    fingerprint = _fingerprint(root, commit, config)
    if fingerprint is not None and fingerprint == job.get("previous"):
        return {"status": "unchanged", "commit": fingerprint["commit"], "fingerprint": fingerprint}
    report = run_audit(root, config, cache_root if job.get("facts", True) else None)
    return {
        "status": "ok",
        "commit": report.commit,
        "fingerprint": fingerprint,
        "report": to_dict(report),
    }


def _fingerprint(root: Path, commit: str | None, config) -> dict | None:
    """What decides whether a stored result still holds: the commit (for a local folder also its
    uncommitted changes), the config and the installed tool. None: not decidable (no git)."""
    from mltestscore.memo import _installed

    state = commit
    if commit is None:
        state = _local_state(root)
        if state is None:
            return None
    source = Path(config.source).name if config.source else None
    settings = repr(dataclasses.replace(config, source=source))
    rubric = getattr(config, "rubric_spec", None)
    if rubric and os.path.isfile(rubric):  # a rubric file outside the package: its content counts
        with open(rubric, "rb") as handle:
            settings += hashlib.sha1(handle.read()).hexdigest()
    return {
        "commit": state,
        "config": hashlib.sha1(settings.encode()).hexdigest(),
        "tool": _installed(),
    }


def _local_state(root: Path) -> str | None:
    """HEAD of a clean local working tree. None when it has uncommitted changes or untracked files:
    their content is not in `git status`, so it is audited again (the report memo makes that cheap)."""
    from mltestscore.batch.clone import git_env

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--verify", "HEAD"], cwd=root, env=git_env(), capture_output=True, text=True
        )
        status = subprocess.run(
            ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."],
            cwd=root,
            env=git_env(),
            capture_output=True,
        )
    except OSError:
        return None
    if head.returncode != 0 or status.returncode != 0 or status.stdout.strip():
        return None
    return head.stdout.strip()
