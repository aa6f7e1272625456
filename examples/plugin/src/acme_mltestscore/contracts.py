"""Acme data contracts: a schema library mltestscore does not know, taught to it as a SchemaProvider.

In code, `acme_contracts.Contract(columns={...})` defines a contract and
`acme_contracts.enforce(frame, contract)` checks data against it. Contracts may also be YAML files
under a `contracts/` folder:

    contract: transactions
    columns:
      amount: {type: float, min: 0}
      country: {type: str, allowed: [DE, FR]}

mltestscore then reports them as data-1 schemas, and the runner of the file that enforces one
(a CI job, a pipeline step) decides whether data is checked by hand or automatically.
"""

from __future__ import annotations

from mltestscore.evidence.providers import SchemaProvider
from mltestscore.evidence.schemas import Schema

VALUE_RULES = {"type", "min", "max", "allowed", "pattern", "nullable"}


def read_contract_file(path: str, data, _text: str | None) -> list[Schema]:
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        return []
    columns = data["columns"]
    constrained = sum(1 for rules in columns.values() if isinstance(rules, dict) and VALUE_RULES & set(rules))
    name = data.get("contract") or path.rsplit("/", 1)[-1]
    detail = f"acme contract {name} ({len(columns)} columns, {constrained} constrained)"
    return [Schema("acme-contracts", path, 1, detail, value_level=constrained > 0, constraints=constrained)]


PROVIDERS = [
    SchemaProvider(
        tool="acme-contracts",
        schema_calls=("acme_contracts.Contract",),
        check_calls=("acme_contracts.enforce",),
        pattern=r"(^|/)contracts/[^/]+\.ya?ml$",
        read=read_contract_file,
    )
]
