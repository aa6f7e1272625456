"""Moved to mltestscore.probes.reach (what runs a piece of code, following imports): checks of
every section and the monitoring evidence's runs share it. The old import path keeps working."""

from mltestscore.probes.reach import (  # noqa: F401
    MAIN_ONLY,
    MAX_HOPS,
    MAX_REACHABLE,
    Reach,
    Uses,
    enclosing_symbol,
    reach_evidence,
    reach_of,
    top_level_spans,
    usage_lines,
    uses_of,
)
