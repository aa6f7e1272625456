"""The fact cache on disk: bounded in size, old schema files removed, values survive a reopen."""

from __future__ import annotations

import os

from mltestscore.index.cache import SCHEMA, FactCache


def _fill(folder, day, prefix, count=400, max_bytes=10**9):
    cache = FactCache(folder, max_bytes=max_bytes, today=day)
    for n in range(count):
        cache.put("scan:test", f"{prefix}{n:04d}", ("word",) * 200 + (n,))
    cache.close()


def test_values_survive_a_reopen(tmp_path):
    _fill(tmp_path, 100, "blob-", count=3)
    cache = FactCache(tmp_path)
    assert cache.get_many("scan:test", ["blob-0001", "missing"]) == {"blob-0001": ("word",) * 200 + (1,)}
    cache.close()


def test_an_oversized_cache_drops_its_older_half(tmp_path):
    _fill(tmp_path, 100, "old-")
    _fill(tmp_path, 200, "new-")
    before = os.stat(tmp_path / f"facts-v{SCHEMA}.sqlite3").st_size
    cache = FactCache(tmp_path, max_bytes=before // 2, today=200)
    cache.close()  # over the bound: prunes
    cache = FactCache(tmp_path, max_bytes=10**9)
    kept = cache.get_many("scan:test", [f"new-{n:04d}" for n in range(400)])
    dropped = cache.get_many("scan:test", [f"old-{n:04d}" for n in range(400)])
    cache.close()
    assert len(kept) == 400 and dropped == {}
    assert os.stat(tmp_path / f"facts-v{SCHEMA}.sqlite3").st_size < before


def test_entries_of_one_day_are_all_dropped_when_over_the_bound(tmp_path):
    _fill(tmp_path, 100, "same-")
    cache = FactCache(tmp_path, max_bytes=1, today=100)
    cache.close()
    cache = FactCache(tmp_path)
    assert cache.get_many("scan:test", ["same-0001"]) == {}
    cache.close()


def test_under_the_bound_nothing_is_dropped(tmp_path):
    _fill(tmp_path, 100, "old-")
    _fill(tmp_path, 200, "new-")
    cache = FactCache(tmp_path)
    assert len(cache.get_many("scan:test", [f"old-{n:04d}" for n in range(400)])) == 400
    cache.close()


def test_older_schema_files_are_removed(tmp_path):
    stale = tmp_path / "facts-v1.sqlite3"
    stale.write_bytes(b"an older mltestscore's cache")
    (tmp_path / "facts-v1.sqlite3-wal").write_bytes(b"")
    FactCache(tmp_path).close()
    assert not stale.exists() and not (tmp_path / "facts-v1.sqlite3-wal").exists()
    assert (tmp_path / f"facts-v{SCHEMA}.sqlite3").exists()


def test_lookups_larger_than_one_query_find_every_stored_id(tmp_path):
    from mltestscore.index.cache import _MAX_PARAMETERS

    _fill(tmp_path, 100, "blob-", count=300)
    wanted = [f"absent-{n}" for n in range(_MAX_PARAMETERS)] + [f"blob-{n:04d}" for n in range(300)]
    cache = FactCache(tmp_path)
    assert len(cache.get_many("scan:test", wanted)) == 300
    cache.close()
