"""Seeds that are not a call to a known seeding function (infra-1).

Training code often fixes its randomness without `np.random.seed`: a seed passed as a keyword to the
estimator, the split or the sampler (`random_state=42`, `seed=0`, `random_state=args.seed`), a
project or framework helper named for seeding (`set_seed(cfg)`, `seed_index_everything(...)`), or
a seed value in the pipeline's config (`random_state: 42` in an Azure ML job, `seed: 7` in Hydra).
Each is the same ingredient: the run draws the same random numbers next time.
"""

from __future__ import annotations

import re

from mltestscore.context import AuditContext
from mltestscore.evidence.configs import search_configs
from mltestscore.evidence.perfile import grep_code
from mltestscore.evidence.sources import Artifact

SEED_KWARGS = frozenset({"random_state", "seed", "random_seed", "rng_seed", "shuffle_seed", "sampling_seed"})
# set_seed, fix_seeds, init_seed, set_random_seed, seed_everything, seed_index_everything, seed_all
SEED_HELPER = re.compile(r"(?:set|fix|init|reset)_(?:\w+_)?seeds?|seed_(?:\w+_)?(?:everything|all)", re.I)
_MENTIONS_SEED = re.compile(rb"seed|random_state")
# `random_state: 42`, `seed: 7`, `"seed": 0`: a literal number; `seed: null` seeds nothing
SEED_CONFIG = r"^\s*-?\s*[\"']?(random_state|seed|random_seed|seed_index)[\"']?\s*[:=]\s*\d+\s*,?\s*$"


def seed_artifacts(ctx: AuditContext, sources: list[str], limit: int = 3) -> list[Artifact]:
    """Seeds passed as keywords or through a seeding helper in the project's code, then seed values
    in its configs; at most `limit`."""
    found: list[Artifact] = []
    for path in grep_code(ctx, _MENTIONS_SEED, sources):
        facts = ctx.python.facts(path)
        for call in facts.calls if facts else ():
            leaf = call.name.rsplit(".", 1)[-1]
            if SEED_HELPER.fullmatch(leaf):
                found.append(Artifact(path, call.line, f"calls {leaf}"))
                continue
            for key, value in call.kwargs:
                if key in SEED_KWARGS and value is not None and value is not False:
                    shown = "<variable>" if value is Ellipsis else repr(value)
                    found.append(Artifact(path, call.line, f"{leaf}({key}={shown})"))
                    break
        if len(found) >= limit:
            return found[:limit]
    for hit in search_configs(ctx, SEED_CONFIG, (".yaml", ".yml", ".json")):
        found.append(Artifact(hit.path, hit.line, f"seed in config: {hit.text.strip()}"))
        if len(found) >= limit:
            break
    return found[:limit]
