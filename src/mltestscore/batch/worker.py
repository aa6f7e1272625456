"""An audit process: `python -m mltestscore.batch.worker` reads one job per line (JSON) on
standard input and writes one result row per line on standard output, until its input closes.

Long-lived, so the audit machinery is imported once per process, not once per repository. It
says "ready" once imported: the batch starts a repository's clock after that. Anything else
that writes to standard output (a library's print) goes to standard error instead: the protocol
channel carries rows only.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    from mltestscore.batch.job import run_job
    from mltestscore.checks.registry import load_checks

    try:
        load_checks()  # the slow import, done before the first repository's clock starts
    except Exception:  # a broken plugin: each row then reports it
        pass
    channel.write('"ready"\n')
    channel.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        row = run_job(json.loads(line))
        channel.write(json.dumps(row, ensure_ascii=False) + "\n")
        channel.flush()


if __name__ == "__main__":
    main()
