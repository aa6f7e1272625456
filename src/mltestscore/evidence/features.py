"""Facts about feature code for data-2 … data-7: which modules build features, feature lists in
config, allow/deny lists and where they are used, ablation loops, committed personal data."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from mltestscore.context import AuditContext
from mltestscore.evidence.perfile import grep_code
from mltestscore.evidence.prefilters import passing, prefilter
from mltestscore.evidence.python import names
from mltestscore.evidence.sources import is_test_file, project_sources

_FEATURE_PATH = re.compile(
    r"(^|/|_)(features?|featuriz\w*|feature_\w+|feature_engineering|preprocess\w*|pre_processing|"
    r"transform\w*|transformers?|encod\w*|clean\w*|prepare|prep|tokeni[sz]\w*|fe)(/|\.py$|_)",
    re.I,
)
_TRANSFORMER_BASES = ("sklearn.base.TransformerMixin", "TransformerMixin")
# Top-level functions that build features, in modules whose names do not say so (data.py, utils.py).
# Methods count too (ModelService.prepare_features): the leaf name is matched.
_FEATURE_FUNCTION = re.compile(
    r"^_?(preprocess|pre_process|clean|tokeni[sz]e|featuri[sz]e|feature_engineering|"
    r"(build|make|engineer|extract|add|compute|create|encode|transform|prepare|prep|generate|calc|calculate|"
    r"derive|process|construct)_\w*features?)\w*$"
)
_FEATURE_FUNCTION_NAMES = rb"_?(preprocess|pre_process|clean|tokeni|featuri|\w*_features?\b|feature_engineering)"
_FEATURE_FUNCTION_BYTES = re.compile(rb"(?m)^[ \t]*(async[ \t]+)?def\s+" + _FEATURE_FUNCTION_NAMES)
_FEATURE_FUNCTION_FILES = prefilter("project", re.compile(rb"def\s+" + _FEATURE_FUNCTION_NAMES))  # any def: fast
TRANSFORMER_MIXIN = names("TransformerMixin")
# Libraries whose calls transform raw inputs into model features: a module calling them is feature
# code whatever it is called (a ColumnTransformer inside a model class, torchvision transforms in a
# LightningDataModule). Model, metric and split calls of the same libraries are not.
FEATURE_CALL_PREFIXES = (
    "sklearn.preprocessing.",
    "sklearn.compose.",
    "sklearn.feature_extraction.",
    "sklearn.impute.",
    "torchvision.transforms.",
    "torchaudio.transforms.",
    "albumentations.",
    "monai.transforms.",
    "category_encoders.",
    "feature_engine.",
    "featuretools.",
    "tsfresh.",
    "nltk.tokenize.",
    "tensorflow.keras.layers.TextVectorization",
    "tensorflow.keras.layers.Normalization",
    "tensorflow.keras.layers.StringLookup",
    "tensorflow.keras.layers.CategoryEncoding",
    "keras.layers.TextVectorization",
    "keras.layers.Normalization",
    "tensorflow_transform.",
    "pandas.get_dummies",
)
_FEATURE_LIBRARIES = names(
    "sklearn.preprocessing",
    "sklearn.compose",
    "sklearn.feature_extraction",
    "sklearn.impute",
    "torchvision.transforms",
    "torchaudio.transforms",
    "albumentations",
    "monai.transforms",
    "category_encoders",
    "feature_engine",
    "featuretools",
    "tsfresh",
    "nltk.tokenize",
    "tensorflow.TextVectorization",
    "tensorflow.Normalization",
    "tensorflow.StringLookup",
    "keras.TextVectorization",
    "keras.Normalization",
    "tensorflow_transform",
    "pandas.get_dummies",
)
# Data modules prepare the model's inputs (loading, transforms, batching): input feature code.
_DATA_MODULE_BASES = ("LightningDataModule",)
DATA_MODULE = names("LightningDataModule")


def feature_modules(ctx: AuditContext) -> dict[str, str]:
    """Project modules that compute features: path -> why (its name, or a transformer class).
    Computed once per audit (data-3 and data-7 both ask)."""
    return ctx.fact(_feature_modules)


def _feature_modules(ctx: AuditContext) -> dict[str, str]:
    found: dict[str, str] = {}
    sources = [p for p in project_sources(ctx) if p.endswith(".py")]
    for path in sources:
        if _FEATURE_PATH.search(path) and not path.endswith(("setup.py", "conftest.py")):
            facts = ctx.python.outline(path) if path.endswith("__init__.py") else None
            if facts is None or facts.functions or facts.classes:  # not an empty package marker
                found[path] = "feature/preprocessing module"
    others = [p for p in passing(ctx, _FEATURE_FUNCTION_FILES) if p not in found]
    for path in grep_code(ctx, _FEATURE_FUNCTION_BYTES, others):
        defined = [n for n, _ in ctx.python.outline(path).functions if _FEATURE_FUNCTION.match(n.rsplit(".", 1)[-1])]
        if defined:
            found[path] = f"defines {defined[0]}()"
    for path in ctx.python.candidates(TRANSFORMER_MIXIN, sources):
        for name, bases, _ in ctx.python.outline(path).classes:
            if any(b in _TRANSFORMER_BASES or b.endswith(".TransformerMixin") for b in bases):
                found[path] = f"defines transformer {name}"
                break
    for path in ctx.python.candidates(DATA_MODULE, [p for p in sources if p not in found]):
        for name, bases, _ in ctx.python.outline(path).classes:
            if any(b.rsplit(".", 1)[-1] in _DATA_MODULE_BASES for b in bases):
                found[path] = f"defines data module {name}"
                break
    for path in ctx.python.candidates(_FEATURE_LIBRARIES, [p for p in sources if p not in found]):
        facts = ctx.python.facts(path)
        call = next((c for c in facts.calls if c.name.startswith(FEATURE_CALL_PREFIXES)), None) if facts else None
        if call:
            found[path] = f"transforms inputs: calls {call.name}"
    return found


# -- config-declared features (data-6) ---------------------------------------------------------
_FEATURE_KEYS = (
    r"features?|feature_(list|columns|cols|names|set|specs?)|(numeric|numerical|categorical|cat|num|text|date|"
    r"boolean|binary)_(features|cols|columns)|(input|model|selected|used)_features|use_features"
)
_FEATURE_KEY = re.compile(rf"^({_FEATURE_KEYS})$", re.I)
_NOT_FEATURE_CONFIG = re.compile(
    r"(^|/)(\.github|\.gitlab|k8s|kubernetes|deploy\w*|helm|charts?|docs?)/|\.gitlab-ci\.yml$|pre-commit"
)
_FEATURE_KEY_LINE = re.compile(rb"(?im)^\s*[\w]*features?[\w]*\s*:|^\s*feature_\w+\s*:")
# Every accepted key ends in one of these words; found as literals, then checked whole.
_FEATURE_KEY_END = re.compile(rb"(feature(?:s|_(?:list|columns|cols|names|set|specs?))?|_(?:cols|columns))[\"']?\s*:")
_KEY_START = re.compile(rb"\w*\Z")


def _writes_a_feature_key(data: bytes) -> bool:
    """Does the text hold a key the walk below accepts, in any YAML style (`- features:`,
    `"features":`, `{features: ...}`)? Without one, parsing a large YAML file is in vain."""
    text = data.lower()
    for end in _FEATURE_KEY_END.finditer(text):
        start = _KEY_START.search(text, max(0, end.start() - 40), end.start())
        if _FEATURE_KEY.match((start.group() + end.group(1)).decode("ascii", "replace")):  # type: ignore[union-attr]
            return True
    return False


@dataclass(frozen=True)
class FeatureList:
    path: str
    line: int | None
    key: str  # dotted key in the file
    size: int


def feature_lists(ctx: AuditContext) -> list[FeatureList]:
    """Lists of feature names (or feature specs) in YAML configs: params.yaml, Hydra conf/..."""
    found = []
    candidates = [p for p in ctx.files.with_suffix(".yaml", ".yml") if not _NOT_FEATURE_CONFIG.search(p)]
    for path in ctx.files.grep(_FEATURE_KEY_LINE, candidates):
        if not _writes_a_feature_key(ctx.files.read_bytes(path) or b""):
            continue
        data = ctx.parsed.yaml(path)
        text = ctx.files.text(path) or ""
        for key, value in _walk(data, "", 0):
            leaf = key.rsplit(".", 1)[-1]
            if not _FEATURE_KEY.match(leaf):
                continue
            size = len(value) if isinstance(value, (list, dict)) else 0
            names_only = isinstance(value, dict) or all(isinstance(v, (str, dict)) for v in value or [])
            if size >= 2 and names_only:
                match = re.search(rf"(?m)^\s*{re.escape(leaf)}\s*:", text)
                line = text.count("\n", 0, match.start()) + 1 if match else None
                found.append(FeatureList(path, line, key, size))
    return found


def _walk(data, prefix: str, depth: int):
    if not isinstance(data, dict) or depth > 4:
        return
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        yield dotted, value
        yield from _walk(value, dotted, depth + 1)


# -- allow/deny lists and column assertions (data-4) -------------------------------------------
_RULE_LIST = re.compile(
    r"^_?(?:(?:forbidden|banned|deny|denied|blocked|black|excluded|exclude|prohibited|protected|sensitive|"
    r"restricted|pii|allowed|approved|permitted|white|allow|drop|leaky|leakage)_?"
    r"(?:list|features|feature_names|columns|cols|fields|attributes|variables|vars)|blacklist|whitelist|denylist|allowlist)$",
    re.I,
)
_RULE_PREFIXES = rb"forbidden|banned|deny|denied|blocked|black|exclude|prohibited|protected|sensitive|restricted|pii|allow|approved|permitted|white|drop|leak"
_RULE_PREFILTER = re.compile(rb"(?im)^(_?(?:" + _RULE_PREFIXES + rb")\w*)\s*(:[^=\n]*)?=")
# The same on raw bytes, fast: a line found by its newline (a literal), its first letter checked
# before the case-blind alternatives are tried.
_FIRST_LETTERS = bytes(sorted({word[0] for word in _RULE_PREFIXES.split(b"|")}))
_RULE_QUICK = re.compile(
    rb"\n(?=[_" + _FIRST_LETTERS + _FIRST_LETTERS.upper() + rb"])(?i:_?(?:" + _RULE_PREFIXES + rb"))\w*\s*(:[^=\n]*)?="
)


def _may_define_rule_list(data: bytes) -> bool:
    first_line = data.partition(b"\n")[0]
    return _RULE_QUICK.search(data) is not None or _RULE_QUICK.match(b"\n" + first_line) is not None


_RULE_LIST_FILES = prefilter("python", _may_define_rule_list)


@dataclass(frozen=True)
class RuleList:
    path: str
    line: int
    name: str
    size: int
    used_at: tuple[str, int] | None  # first place that applies it


def rule_lists(ctx: AuditContext) -> list[RuleList]:
    """Module-level allow/deny lists of features, and the first place that uses each one."""
    found = []
    for path in grep_code(ctx, _RULE_PREFILTER, passing(ctx, _RULE_LIST_FILES)):
        assigned = [m.group(1).decode() for m in _RULE_PREFILTER.finditer(ctx.python.code(path))]
        if not any(_RULE_LIST.match(name) for name in assigned):
            continue  # DROPOUT = 0.1: no list of the rule's name, no parse
        tree = ctx.parsed.python(path)
        for node in tree.body if tree is not None else []:
            target, value = _assignment(node)
            if target and _RULE_LIST.match(target) and _string_collection(value) >= 1:
                found.append(
                    RuleList(
                        path, node.lineno, target, _string_collection(value), _first_use(ctx, path, target, node.lineno)
                    )
                )
    return [r for r in found if r.used_at is not None]


def _assignment(node: ast.AST) -> tuple[str | None, ast.AST | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _string_collection(value: ast.AST | None) -> int:
    if (
        isinstance(value, ast.Call)
        and value.args
        and isinstance(value.func, ast.Name)
        and value.func.id in ("set", "frozenset", "tuple", "list")
    ):
        value = value.args[0]
    if (
        isinstance(value, (ast.List, ast.Tuple, ast.Set))
        and value.elts
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)
    ):
        return len(value.elts)
    return 0


def _first_use(ctx: AuditContext, path: str, name: str, defined_on: int) -> tuple[str, int] | None:
    """Where `name` is read: in its own module after the definition, else in a module importing it."""
    pattern = re.compile(rf"\b{re.escape(name)}\b".encode())
    naming = [p for p in ctx.python.sources if name.encode() in (ctx.files.read_bytes(p, keep=False) or b"")]
    for candidate in [path] + [p for p in ctx.python.grep_code(pattern, naming) if p != path]:
        if candidate != path and path not in ctx.python.project_imports(candidate):
            continue
        tree = ctx.parsed.python(candidate)
        for node in ast.walk(tree) if tree is not None else []:
            if (
                isinstance(node, ast.Name)
                and node.id == name
                and isinstance(node.ctx, ast.Load)
                and (candidate != path or node.lineno != defined_on)
            ):
                return candidate, node.lineno
    return None


_COLUMN_HOLDER = re.compile(r"columns|features|feature_names|schema|dtypes|keys\(\)")
# A column a rule would ban (identifiers, personal or protected attributes, the label), or a test
# named for such a rule: `assert "text" not in df.columns` after a rename is not a meta-level rule.
_RULE_COLUMN = re.compile(
    r"(^|_)(id|ids|uuid|email|phone|name|address|ssn|age|gender|sex|race|ethnicity|religion|"
    r"birth|dob|zip|postcode|ip|target|label|income|nationality)($|_)",
    re.I,
)
_RULE_TEST = re.compile(
    r"banned|forbidden|sensitive|pii|protected|leak|privacy|allowed|approved|deny|denied|"
    r"blacklist|whitelist|excluded|no_target|no_label|identifier",
    re.I,
)


_NOT_IN_COLUMNS = re.compile(rb"not\s+in\b[^\n]*(columns|features|feature_names|schema|dtypes|keys\(\))")
_ABSENT_PREFILTER = re.compile(_NOT_IN_COLUMNS.pattern + rb"|isdisjoint")


def _may_assert_absent(data: bytes) -> bool:
    """_ABSENT_PREFILTER in two searches that each start with a literal: many times faster."""
    return b"isdisjoint" in data or _NOT_IN_COLUMNS.search(data) is not None


_ABSENT_ASSERT_FILES = prefilter("tests", _may_assert_absent)


def absent_column_asserts(ctx: AuditContext) -> list[tuple[str, int, str]]:
    """Test assertions that a banned column or feature is NOT present: (path, line, source)."""
    found = []
    for path in grep_code(ctx, _ABSENT_PREFILTER, passing(ctx, _ABSENT_ASSERT_FILES)):
        tree = ctx.parsed.python(path)
        for function in ast.walk(tree) if tree is not None else []:
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not function.name.startswith(
                "test"
            ):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Assert) and _asserts_absent_column(
                    node.test, _RULE_TEST.search(function.name) is not None
                ):
                    found.append((path, node.lineno, ast.unparse(node.test)[:80]))
    return found


def _asserts_absent_column(test: ast.AST, rule_test: bool) -> bool:
    source = ast.unparse(test)
    if (
        isinstance(test, ast.Compare)
        and any(isinstance(op, ast.NotIn) for op in test.ops)
        and any(_COLUMN_HOLDER.search(ast.unparse(c)) for c in test.comparators)
    ):
        subject = test.left.value if isinstance(test.left, ast.Constant) else None
        return (
            rule_test
            or (isinstance(subject, str) and _RULE_COLUMN.search(subject) is not None)
            or not isinstance(test.left, ast.Constant)
        )
    return "isdisjoint" in source and _COLUMN_HOLDER.search(source) is not None


# -- ablation loops (data-2) ---------------------------------------------------------------------
FIT = names("fit")


def ablation_loops(ctx: AuditContext) -> list[tuple[str, int, str]]:
    """for-loops that drop one feature at a time and refit: (path, line, loop variable)."""
    found = []
    fitting = grep_code(ctx, re.compile(rb"\.fit\("), ctx.python.candidates(FIT, ctx.python.sources))
    candidates = grep_code(ctx, re.compile(rb"(?i)\bfor\s+\w*(feat|col)\w*\s+in\b"), fitting)
    for path in candidates:
        tree = ctx.parsed.python(path)
        for node in ast.walk(tree) if tree is not None else []:
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                variable = node.target.id
                body = ast.Module(body=node.body, type_ignores=[])
                calls = [n for n in ast.walk(body) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
                fits = any(c.func.attr in ("fit", "fit_transform", "cross_val_score") for c in calls)  # type: ignore[attr-defined]
                drops = any(
                    c.func.attr == "drop" and variable in {n.id for n in ast.walk(c) if isinstance(n, ast.Name)}  # type: ignore[attr-defined]
                    for c in calls
                )
                excludes = any(
                    isinstance(n, ast.Compare)
                    and any(isinstance(o, ast.NotEq) for o in n.ops)
                    and variable in {x.id for x in ast.walk(n) if isinstance(x, ast.Name)}
                    for n in ast.walk(body)
                )
                if fits and (drops or excludes) and re.search(r"feat|col", variable + ast.unparse(node.iter), re.I):
                    found.append((path, node.lineno, variable))
    return found


# -- committed personal data (data-5) ------------------------------------------------------------
_PII_COLUMNS = re.compile(
    r"^(e_?mail(_address)?|phone(_number)?|mobile(_number)?|telephone|ssn|social_security(_number)?|"
    r"first_?name|last_?name|full_?name|surname|given_name|(street_|home_|postal_|e_?mail_)?address|"
    r"date_of_birth|dob|birth_?date|ip_?address|credit_card(_number)?|card_number|iban|passport(_number)?|"
    r"national_id|tax_id|driver_?licen[cs]e)$",
    re.I,
)
DATA_SUFFIXES = (".csv", ".tsv", ".jsonl")


def committed_personal_data(ctx: AuditContext) -> list[tuple[str, list[str]]]:
    """Committed data files (not test fixtures) whose header names personal-data columns."""
    found = []
    paths = [
        p
        for p in ctx.files.with_suffix(*DATA_SUFFIXES)
        if not is_test_file(ctx, p) and not re.search(r"(^|/)(tests?|fixtures?)/", p)
    ]
    ids = {path: ctx.files.content_id(path) for path in paths}
    known = ctx.cache.get_many("personal-columns", [i for i in ids.values() if i])
    for path in paths:
        personal = known.get(ids[path]) if ids[path] else None
        if personal is None:
            personal = _personal_columns(path, ctx.files.read_head(path) or b"")
            if ids[path]:
                ctx.cache.put("personal-columns", ids[path], personal)
        if personal:
            found.append((path, list(personal)))
    return found


def _personal_columns(path: str, head: bytes) -> tuple[str, ...]:
    """Header columns of a data file that name personal data."""
    header = head.decode("utf-8", errors="replace").splitlines()[0] if head.strip() else ""
    if path.endswith(".jsonl"):
        names = re.findall(r'"([^"]+)"\s*:', header)
    else:
        names = [c.strip().strip('"').strip("'") for c in re.split(r"[,\t;]", header)]
    return tuple(n for n in names if _PII_COLUMNS.match(n.strip().replace(" ", "_")))
