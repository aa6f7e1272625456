"""Keys in deployment and infrastructure config files (Kubernetes manifests, Helm templates,
CloudFormation, Terraform, serving configs), found line by line so Helm templates and
multi-document YAML need no full parse."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mltestscore.index.files import RepoFiles

CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".tf", ".tfvars", ".pbtxt", ".config", ".toml")


@dataclass(frozen=True)
class ConfigHit:
    path: str
    line: int
    text: str


def search_configs(files: RepoFiles, pattern: str, suffixes: tuple[str, ...] = CONFIG_SUFFIXES) -> list[ConfigHit]:
    """Lines of config files matching `pattern` (a regex over one line)."""
    regex = re.compile(pattern)
    prefilter = re.compile(pattern.encode(), re.M)
    hits = []
    candidates = [p for p in files.with_suffix(*suffixes) if not p.endswith(".ipynb")]
    for path in files.grep(prefilter, candidates):
        text = files.text(path) or ""
        for number, line in enumerate(text.splitlines(), start=1):
            if regex.search(line):
                hits.append(ConfigHit(path, number, line.strip()[:120]))
    return hits
