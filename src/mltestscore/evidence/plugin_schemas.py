"""Schemas of the libraries plugins add (evidence/providers.SchemaProvider), in data-1's shape.

A call to one of a provider's `schema_calls` is a Schema at that line; a call to one of its
`check_calls` is a check site of the schemas defined in its own file or in the project files it
imports (how a validator meets its contract when the call names a variable, not the schema).
Config-file schemas come from the provider's own `read`. Calls are found through the word index:
the provider's names joined the scan vocabulary when it was registered.
"""

from __future__ import annotations

from mltestscore.context import AuditContext
from mltestscore.evidence.providers import providers, read_config_files
from mltestscore.evidence.python import name_matches
from mltestscore.evidence.schemas import CheckSite, Schema
from mltestscore.evidence.sources import notebook_line


def plugin_schemas(ctx: AuditContext) -> list[Schema]:
    found: list[Schema] = []
    for provider in providers("schema"):
        found.extend(_from_code(ctx, provider))
        if provider.regex is not None and provider.read is not None:
            for path, schemas in read_config_files(ctx.parsed, provider, f"{provider.tool} schema"):
                found.extend(s for s in schemas if isinstance(s, Schema))
    return found


def _from_code(ctx: AuditContext, provider) -> list[Schema]:
    defining, checking = set(provider.schema_calls), set(provider.check_calls)
    if not defining:
        return []
    schemas: list[Schema] = []
    sites: list[CheckSite] = []
    for path, call in ctx.python.find_calls(sorted(defining | checking)):
        line, where = notebook_line(ctx, path, call.line)
        leaf = call.name.rsplit(".", 1)[-1]
        if any(name_matches(call.name, n) for n in defining):
            detail = f"{provider.tool} {leaf}{where}"
            schemas.append(Schema(provider.tool, path, line, detail, value_level=provider.value_level))
        if any(name_matches(call.name, n) for n in checking):
            sites.append(CheckSite(path, line, f"calls {provider.tool} {leaf}{where}"))
    for site in sites:
        imported = ctx.python.project_imports(site.path)
        for schema in schemas:
            if schema.path == site.path or schema.path in imported:
                schema.sites.append(site)
    return schemas
