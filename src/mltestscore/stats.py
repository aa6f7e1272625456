"""Counters of the work an audit does, so tests can bound it without timing anything.

Every cross-file question (who imports X, which tests reach Y, which runs name Z) must be answered
from an index built once per audit, never by a loop over files inside a loop over sites. These
counters make a breach visible: on a generated repository of S suites × R runs × T tests they grow
linearly when S, R and T double, and quadratically when a loop hides inside another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Stats:
    sites_judged: int = 0  # distinct check sites whose status data-1 computed
    imports_resolved: int = 0  # import names looked up in the project's module table
    regex_compiles: int = 0  # patterns built at run time from the audited repository's names
    importer_indexes: int = 0  # reverse import / stem indexes built (each once per audit)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
