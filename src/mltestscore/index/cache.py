"""A persistent cache of per-file facts, keyed by content (git blob id where git knows it).

One SQLite file in the user's cache folder (MLTESTSCORE_CACHE_DIR overrides; --no-cache turns it
off). A second audit, a pre-commit run or `history` re-reads only files whose content changed.
Values are plain data (tuples, dicts, strings, numbers) stored with `marshal`: fast to load and
unable to run code. A corrupt or unwritable cache is a warning and the audit goes on without it.

The file is bounded: when it outgrows MLTESTSCORE_CACHE_MAX_MB (default 512), the older half of
its entries (by the day they were written) is dropped and the file compacted. Files of older
schemas are removed when a new one is made.
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from mltestscore import __version__

SCHEMA = 2
DEFAULT_MAX_MB = 512
# Bound parameters per query: 32766 since SQLite 3.32, 999 before. Fewer, larger queries answer a
# 100k-file repository's lookups about a third faster.
_MAX_PARAMETERS = 30000 if sqlite3.sqlite_version_info >= (3, 32, 0) else 900


def default_cache_dir() -> Path:
    override = os.environ.get("MLTESTSCORE_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mltestscore"


class FactCache:
    """get_many/put_many of (content id, kind) -> value. `kind` names what was computed and by
    which version of it, so a new mltestscore never reads facts an older one computed."""

    def __init__(self, folder: Path | None, warn=None, max_bytes: int | None = None, today: int | None = None) -> None:
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, bytes, int]] = []
        self._today = today if today is not None else int(time.time() // 86400)
        self._max_bytes = max_bytes if max_bytes is not None else _max_bytes_from_env()
        self._path = folder / f"facts-v{SCHEMA}.sqlite3" if folder is not None else None
        if folder is None or self._path is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fresh = not self._path.exists()
            self._db = sqlite3.connect(self._path, timeout=5, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS facts (id TEXT, kind TEXT, value BLOB, day INTEGER, "
                "PRIMARY KEY (id, kind)) WITHOUT ROWID"
            )
            if fresh:
                _remove_older_schemas(folder)
        except (OSError, sqlite3.Error) as error:
            self._db = None
            if warn:
                warn(str(folder), f"fact cache unavailable ({error}); running without it")

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _kind(self, kind: str) -> str:
        return f"{__version__}:{kind}"

    def get_many(self, kind: str, ids: Iterable[str]) -> dict[str, object]:
        if self._db is None:
            return {}
        wanted = list(ids)
        found: dict[str, object] = {}
        try:
            for start in range(0, len(wanted), _MAX_PARAMETERS):
                chunk = wanted[start : start + _MAX_PARAMETERS]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT id, value FROM facts WHERE kind = ? AND id IN ({marks})", [self._kind(kind), *chunk]
                )
                for content_id, value in rows:
                    found[content_id] = marshal.loads(value)
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            return found
        return found

    def put(self, kind: str, content_id: str, value: object) -> None:
        if self._db is not None:
            try:
                self._pending.append((content_id, self._kind(kind), marshal.dumps(value), self._today))  # type: ignore[arg-type]
            except ValueError:
                return  # not plain data (an odd constant in a call): recomputed next time
            if len(self._pending) >= 5000:  # bound memory on very large repositories
                self.flush()

    def flush(self) -> None:
        if self._db is None or not self._pending:
            return
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?)", self._pending)
            self._db.execute("COMMIT")
        except sqlite3.Error:
            pass  # another process holds the lock: the facts are recomputed next time
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._prune()
            self._db.close()
            self._db = None

    def size(self) -> int:
        """Bytes the cache holds on disk (its file and write-ahead log)."""
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += os.stat(f"{self._path}{suffix}").st_size
            except OSError:
                pass
        return total

    def _prune(self) -> None:
        """Over the size bound: drop entries written before the median day (all of them when they
        share one day), then compact the file."""
        if self._db is None or self.size() <= self._max_bytes:
            return
        try:
            count = self._db.execute("SELECT COUNT(*) FROM facts").fetchone()[0]
            median = self._db.execute("SELECT day FROM facts ORDER BY day LIMIT 1 OFFSET ?", (count // 2,)).fetchone()
            deleted = self._db.execute("DELETE FROM facts WHERE day < ?", (median[0] if median else 0,)).rowcount
            if not deleted:
                self._db.execute("DELETE FROM facts")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.execute("VACUUM")
        except sqlite3.Error:
            pass  # another audit holds the file: pruned next time


def _max_bytes_from_env() -> int:
    try:
        megabytes = float(os.environ.get("MLTESTSCORE_CACHE_MAX_MB", DEFAULT_MAX_MB))
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int(max(megabytes, 0) * 1024 * 1024)


def _remove_older_schemas(folder: Path) -> None:
    for old in range(1, SCHEMA):
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(folder / f"facts-v{old}.sqlite3{suffix}")
            except OSError:
                pass
