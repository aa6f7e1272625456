"""Model specifications and their review: model config files (params.yaml, Hydra, gin, MLproject,
training configs recognised by their keys), model cards, pull-request templates, CODEOWNERS rules
and branch-protection-as-code. Read as files and parsed keys, never as prose."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from hashlib import sha1
from typing import TYPE_CHECKING, Any

from mltestscore.evidence.python import names

if TYPE_CHECKING:
    from mltestscore.context import AuditContext

HYPERPARAMETER_KEYS = frozenset(
    {
        "lr",
        "learning_rate",
        "epochs",
        "max_epochs",
        "num_epochs",
        "n_epochs",
        "num_train_epochs",
        "batch_size",
        "train_batch_size",
        "per_device_train_batch_size",
        "n_estimators",
        "max_depth",
        "num_layers",
        "n_layers",
        "hidden_size",
        "hidden_dim",
        "dropout",
        "weight_decay",
        "optimizer",
        "num_leaves",
        "min_child_weight",
        "subsample",
        "colsample_bytree",
        "momentum",
        "warmup_steps",
        "gradient_accumulation_steps",
        "embedding_dim",
        "d_model",
        "num_heads",
        "n_heads",
        "max_iter",
        "reg_lambda",
        "reg_alpha",
        # architecture keys of a network spec
        "activation",
        "dropout_rate",
        "n_filters",
        "num_filters",
        "kernel_size",
        "hidden_units",
        "num_classes",
    }
)
_KEY_PREFILTER = re.compile(
    rb"\b(" + b"|".join(k.encode() for k in sorted(HYPERPARAMETER_KEYS)) + rb"|_target_|defaults)\b"
)
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
# Config files that describe builds, CI, packaging or deployment, not a model.
_NOT_MODEL_CONFIG = re.compile(
    r"(^|/)(\.github|\.gitlab|\.circleci|\.dvc|node_modules|\.vscode|\.devcontainer)/|"
    r"(^|/)(dvc\.(yaml|lock)|\.pre-commit-config\.yaml|\.gitlab-ci\.yml|mkdocs\.yml|environment\.ya?ml|"
    r"docker-compose[^/]*|package(-lock)?\.json|tsconfig\.json|pyproject\.toml|codecov\.ya?ml|renovate\.json|"
    r"\.readthedocs\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.yml|buildspec\.ya?ml|[^/]*\.ipynb)$"
)
MAX_CONFIG_BYTES = 200_000
HYDRA_MAIN = names("hydra.main")
_MODEL_ISH = re.compile(r"model|train|experiment|hparam|hyperparam|params", re.I)  # listed first


@dataclass(frozen=True)
class SpecFile:
    path: str
    line: int | None
    detail: str
    rank: int = 0  # how clearly it is a model spec: listed first when higher


# -- model configs ---------------------------------------------------------------------------
def _hyperparameter_keys(data: Any, depth: int = 0) -> set[str]:
    found: set[str] = set()
    if depth > 4:
        return found
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key in HYPERPARAMETER_KEYS:
                found.add(key)
            found |= _hyperparameter_keys(value, depth + 1)
    elif isinstance(data, list):
        for item in data[:50]:
            found |= _hyperparameter_keys(item, depth + 1)
    return found


def _parse_config(ctx: AuditContext, path: str) -> Any:
    if path.endswith(".json"):
        return ctx.parsed.json(path)
    if path.endswith(".toml"):
        return ctx.parsed.toml(path)
    return ctx.parsed.yaml(path)


def _is_hydra_config(data: Any) -> bool:
    """A Hydra config: a `defaults` list, or a `_target_` to instantiate."""
    if not isinstance(data, dict):
        return False
    return (
        isinstance(data.get("defaults"), list)
        or "_target_" in data
        or any(isinstance(v, dict) and "_target_" in v for v in data.values())
    )


def _key_line(ctx: AuditContext, path: str, keys: set[str]) -> int | None:
    text = ctx.files.text(path) or ""
    pattern = re.compile(r'^\s*["\']?(' + "|".join(map(re.escape, sorted(keys))) + r')["\']?\s*[:=]')
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def model_configs(ctx: AuditContext) -> list[SpecFile]:
    """Model and training configuration files the repository versions."""
    found: dict[str, SpecFile] = {}
    for path in ctx.dvc.params_files:
        found[path] = SpecFile(path, None, "DVC params file (model and training parameters)", 9)
    for path in ctx.files.named("MLproject"):
        found[path] = SpecFile(path, None, "MLflow project spec (entry points and parameters)", 9)
    for path in ctx.files.with_suffix(".gin"):
        found[path] = SpecFile(path, None, "gin config")
    candidates = [
        p
        for p in ctx.files.with_suffix(*_CONFIG_SUFFIXES)
        if p not in found
        and not _NOT_MODEL_CONFIG.search(p)
        and len(ctx.files.read_bytes(p) or b"") <= MAX_CONFIG_BYTES
    ]
    for path in ctx.files.grep(_KEY_PREFILTER, candidates):
        data = _parse_config(ctx, path)
        keys = _hyperparameter_keys(data)
        if _is_hydra_config(data):
            what = "Hydra config" + (f" with {', '.join(sorted(keys)[:3])}" if keys else "")
            found[path] = SpecFile(path, _key_line(ctx, path, keys) if keys else 1, what, len(keys))
        elif len(keys) >= 2:
            found[path] = SpecFile(
                path, _key_line(ctx, path, keys), f"training config ({', '.join(sorted(keys)[:4])})", len(keys)
            )
    for path, call in ctx.python.find_calls(HYDRA_MAIN):
        folder = call.kwarg("config_path")
        where = (
            f" reading {posixpath.normpath(posixpath.join(posixpath.dirname(path), folder))}/"
            if isinstance(folder, str)
            else ""
        )
        found.setdefault(path, SpecFile(path, call.line, f"@hydra.main{where}: configs composed from files"))
    return sorted(found.values(), key=lambda s: (-s.rank, not _MODEL_ISH.search(s.path), s.path))


# -- model cards -----------------------------------------------------------------------------
_CARD_NAME = re.compile(r"(^|/)(model[_-]?cards?/[^/]+|[^/]*model[_-]?card[^/]*)\.(md|json|ya?ml|html|pbtxt)$", re.I)
CARD_TOOLKIT = names("model_card_toolkit.ModelCardToolkit", "model_card_toolkit.toolkit.ModelCardToolkit")
_HF_CARD_KEYS = ("model-index", "pipeline_tag", "library_name", "base_model")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FAIRNESS_HEADING = re.compile(r"fairness|bias|ethic|inclusi|demographic|equity|disparit", re.I)
_PLACEHOLDER = re.compile(
    r"^\s*(<!--.*-->|\[?more information needed\]?|todo\b.*|tbd\b.*|n/?a|-+|\*+|\{\{.*\}\})\s*$", re.I
)


@dataclass(frozen=True)
class ModelCard:
    path: str
    detail: str
    fairness_line: int | None = None  # a filled-in fairness/bias section
    fairness_heading: str = ""


def _front_matter(text: str) -> Any:
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    from mltestscore.index.parsed import load_yaml_text

    try:
        return load_yaml_text(text[3:end])
    except Exception:
        return None


def fairness_section(text: str) -> tuple[int, str] | None:
    """(line, heading) of a Markdown section on fairness/bias/ethics that holds real content."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if not match or not _FAIRNESS_HEADING.search(match.group(2)):
            continue
        level = len(match.group(1))
        body = []
        for following in lines[index + 1 :]:
            inner = _HEADING.match(following)
            if inner and len(inner.group(1)) <= level:
                break
            if following.strip() and not _PLACEHOLDER.match(following):
                body.append(following)
        if sum(len(b.strip()) for b in body) >= 40:
            return index + 1, match.group(2)
    return None


def _card_json_fairness(data: Any) -> bool:
    """Model Card Toolkit JSON with ethical considerations or a fairness assessment filled in."""
    if not isinstance(data, dict):
        return False
    considerations = data.get("considerations")
    if isinstance(considerations, dict):
        return bool(considerations.get("ethical_considerations") or considerations.get("fairness_assessment"))
    return False


def model_cards(ctx: AuditContext) -> list[ModelCard]:
    cards: list[ModelCard] = []
    for path in ctx.files.matching(_CARD_NAME):
        text = ctx.files.text(path) or ""
        section = fairness_section(text) if path.endswith(".md") else None
        fair_json = path.endswith(".json") and _card_json_fairness(ctx.parsed.json(path))
        line, heading = (
            section if section else ((1, "considerations.ethical_considerations") if fair_json else (None, ""))
        )
        cards.append(ModelCard(path, "model card", line, heading))
    for path in ctx.files.named("README.md"):
        text = ctx.files.text(path) or ""
        meta = _front_matter(text)
        if isinstance(meta, dict) and any(k in meta for k in _HF_CARD_KEYS):
            section = fairness_section(text)
            cards.append(ModelCard(path, "Hugging Face model card (front matter)", *(section or (None, ""))))
    for path, call in ctx.python.find_calls(CARD_TOOLKIT):
        cards.append(ModelCard(path, f"Model Card Toolkit ({call.name.rsplit('.', 1)[-1]}, line {call.line})"))
    return cards


# -- review ----------------------------------------------------------------------------------
_PR_TEMPLATE = re.compile(
    r"^(\.github/|docs/|\.azuredevops/)?(pull_request_template(\.md|\.txt)?|pull_request_template/[^/]+\.md)$|"
    r"^\.gitlab/merge_request_templates/[^/]+\.md$",
    re.I,
)
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")


def pr_templates(ctx: AuditContext) -> list[str]:
    return ctx.files.matching(_PR_TEMPLATE)


@dataclass(frozen=True)
class OwnerRule:
    path: str  # the CODEOWNERS file
    line: int
    pattern: str
    owners: tuple[str, ...]
    regex: re.Pattern[str]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-style CODEOWNERS pattern -> regex over repository paths."""
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    out, i = [], 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] in "*?":
            out.append("[^/]*" if body[i] == "*" else "[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    prefix = "^" if anchored else "^(?:.*/)?"
    return re.compile(prefix + "".join(out) + ("/.*$" if directory else "(?:/.*)?$"))


MAX_OWNER_PATTERN, MAX_OWNER_RULES = 4096, 5000


def codeowners(ctx: AuditContext) -> list[OwnerRule]:
    """Rules of the CODEOWNERS file GitHub/GitLab would use (the first of the usual places)."""
    path = next((p for p in CODEOWNERS_PATHS if p in ctx.files), None)
    if path is None:
        return []
    rules: list = []
    for number, raw in enumerate((ctx.files.text(path) or "").splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "[", "^[")):  # comments, GitLab sections
            continue
        pattern, *owners = line.split()
        if len(pattern) > MAX_OWNER_PATTERN:
            continue  # longer than any path git hosts allow
        if len(rules) >= MAX_OWNER_RULES:
            ctx.warn(path, f"more than {MAX_OWNER_RULES} rules; the rest are not read")
            break
        rules.append(OwnerRule(path, number, pattern, tuple(owners), _pattern_regex(pattern)))
    return rules


def owner_rule(rules: list[OwnerRule], path: str) -> OwnerRule | None:
    """The rule that decides `path`'s owners (the last match), None when nobody owns it."""
    match = None
    for rule in rules:
        if rule.regex.match(path):
            match = rule
    return match if match is not None and match.owners else None


def required_reviews(ctx: AuditContext) -> list[SpecFile]:
    """Branch protection kept as code: Probot Settings `.github/settings.yml` requiring reviews."""
    data = ctx.parsed.yaml(".github/settings.yml") if ".github/settings.yml" in ctx.files else None
    branches = data.get("branches") if isinstance(data, dict) else None
    found = []
    for branch in branches if isinstance(branches, list) else []:
        protection = branch.get("protection") if isinstance(branch, dict) else None
        reviews = protection.get("required_pull_request_reviews") if isinstance(protection, dict) else None
        if isinstance(reviews, dict) and (reviews.get("required_approving_review_count") or 1) >= 1:
            line = _key_line(ctx, ".github/settings.yml", {"required_pull_request_reviews"})
            found.append(
                SpecFile(".github/settings.yml", line, f"branch '{branch.get('name')}' requires pull-request reviews")
            )
    return found


_MERGED_PR = re.compile(
    r"^Merge pull request #\d+|\(#\d+\)\s*$|^See merge request |^Merged PR \d+|^Reviewed-by:|^Approved-by:", re.M
)


def reviewed_commits(ctx: AuditContext, paths: list[str], limit: int = 200) -> tuple[int, int, str | None]:
    """(commits that arrived through a reviewed PR, commits looked at, example sha) for `paths`."""
    git = ctx.git
    if not git.available or not paths or git.root is None or git.commit is None:
        return 0, 0, None
    paths = paths[:500]
    # A commit's history never changes: the answer is cached under it (a log walk costs ~0.15 s on
    # a repository with a long history).
    key = sha1("\0".join([git.commit, str(git.shallow), git.prefix, str(limit), *paths]).encode()).hexdigest()
    known = ctx.cache.get_many("reviewed-commits:1", [key]).get(key)
    if isinstance(known, tuple) and len(known) == 3:
        return known
    commits = git.commit_messages(paths, limit)  # it names them from the top of the work tree
    reviewed = [sha for sha, message in commits if _MERGED_PR.search(message)]
    answer = (len(reviewed), len(commits), reviewed[0] if reviewed else None)
    ctx.cache.put("reviewed-commits:1", key, answer)
    return answer
