"""`mltestscore batch`: audit many repositories (local folders or git URLs) in parallel, on this
machine or a Dask cluster, and rank them in one leaderboard.

Layers, each a module with one job:
- inputs: the repository list (`--from` txt/yaml/csv or arguments) → RepoSpec;
- clone: a remote repository → a partial clone in the cache folder (reused and fetched);
- job: one repository's audit, exactly as `mltestscore audit` runs it → a result row (plain data);
- worker / runner: long-lived audit processes with a per-repo time limit; local threads or Dask;
- store: one JSON per repository in the output folder (resume, compare);
- leaderboard, table, html, export: the cohort's views.
"""
