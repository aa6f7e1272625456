"""Shapes of evaluation code, read from the AST: metrics computed per slice (a loop, comprehension
or apply over `groupby` or `unique` values with a metric call inside), comparisons against a
baseline in asserts and gates, and correlations between offline and online metrics.

Names matter here only as code: the key a frame is grouped by, the identifiers on either side of
a comparison, the columns a correlation reads. Comments, docstrings and prose never count.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mltestscore.evidence.python import _dotted, identifier_parts, names, parts

METRIC_MODULES = ("sklearn.metrics.", "torchmetrics.", "tensorflow.keras.metrics.", "keras.metrics.", "evaluate.")
_METRIC_LEAF = re.compile(
    r"(^|_)(scores?|auc|accuracy|f1|fbeta|precision|recall|rmse|mae|mse|mape|r2|logloss|log_loss|ndcg|brier|"
    r"metrics?|confusion_matrix|classification_report)(_|$)|._error$",
    re.I,
)
SLICE_ITERATORS = names("groupby", "unique", "value_counts")
_AGGREGATES = ("apply", "agg", "aggregate", "transform", "pipe")

BASELINE_TOKENS = parts("baseline", "baselines", "dummy", "naive", "trivial", "majority", "heuristic")
TIME_TOKENS = frozenset(
    {
        "date",
        "dates",
        "day",
        "days",
        "week",
        "weeks",
        "weekly",
        "month",
        "months",
        "monthly",
        "year",
        "years",
        "quarter",
        "period",
        "time",
        "timestamp",
        "hour",
        "cutoff",
        "window",
        "vintage",
        "datetime",
    }
)
PROTECTED_TOKENS = frozenset(
    {
        "sex",
        "gender",
        "race",
        "racial",
        "ethnicity",
        "ethnic",
        "age",
        "religion",
        "disability",
        "nationality",
        "marital",
        "sensitive",
        "protected",
        "demographic",
        "demographics",
        "skin",
        "dialect",
        "accent",
    }
)
# Keys that are the label or prediction: a loop over them computes per-class metrics, not slices.
LABEL_TOKENS = frozenset(
    {
        "y",
        "label",
        "labels",
        "target",
        "targets",
        "class",
        "classes",
        "true",
        "test",
        "pred",
        "preds",
        "prediction",
        "predictions",
        "gt",
        "cls",
    }
)
FAIRNESS_TOKENS = parts("parity", "disparate", "equalized", "equalised", "fairness", "disparity", "unfairness")
OFFLINE_TOKENS = frozenset(
    {
        "auc",
        "roc",
        "accuracy",
        "logloss",
        "ndcg",
        "rmse",
        "mae",
        "mse",
        "offline",
        "precision",
        "recall",
        "f1",
        "mrr",
        "loss",
        "perplexity",
        "bleu",
    }
)
ONLINE_TOKENS = frozenset(
    {
        "ctr",
        "click",
        "clicks",
        "conversion",
        "conversions",
        "revenue",
        "retention",
        "engagement",
        "online",
        "uplift",
        "dau",
        "gmv",
        "bookings",
        "purchases",
        "abtest",
    }
)
CORRELATIONS = names("pearsonr", "spearmanr", "kendalltau", "pointbiserialr", "corrcoef", "corr", "corrwith")

# Lower-case words of identifiers and string constants: baselineAuc, baseline_auc -> baseline, auc.
tokens = identifier_parts


def is_metric_name(name: str) -> bool:
    """A resolved call name that computes a metric (sklearn.metrics.*, torchmetrics, *_score, auc...)."""
    if name.startswith(METRIC_MODULES):
        return True
    return bool(_METRIC_LEAF.search(name.rsplit(".", 1)[-1]))


def _span(node: ast.AST) -> tuple[int, int]:
    start = getattr(node, "lineno", 0)
    return start, getattr(node, "end_lineno", start) or start


def _has_line(lines: Iterable[int], node: ast.AST) -> bool:
    start, end = _span(node)
    return any(start <= line <= end for line in lines)


# -- sliced metrics ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SlicedMetric:
    line: int
    key: str  # source of what the data is sliced by
    how: str  # groupby | unique | apply

    @property
    def time_like(self) -> bool:
        return "Grouper(" in self.key or ".dt." in self.key or bool(tokens(self.key) & TIME_TOKENS)

    @property
    def protected(self) -> bool:
        return bool(tokens(self.key) & PROTECTED_TOKENS)

    @property
    def per_class(self) -> bool:
        """Grouped by the label or the prediction (`np.unique(y_true)`, `df["label"]`): per-class metrics."""
        names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", self.key)
        return bool(names) and tokens(names[-1]) <= LABEL_TOKENS


def leaf_name(func: ast.AST) -> str:
    """The called name's last part: `x.groupby` -> groupby, `f` -> f, anything else -> ''."""
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _slice_source(node: ast.AST) -> tuple[str, str] | None:
    """(how, key source) when `node` is `x.groupby(key)...`, `x[col].unique()`, `np.unique(col)`,
    `x[col].value_counts().index`."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        if isinstance(node, ast.Attribute) and node.attr in ("index", "keys", "items"):
            node = node.value
        elif isinstance(node, ast.Subscript):  # df.groupby(k)["y"]
            node = node.value
        else:
            break
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("items", "keys"):
        node = node.func.value
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    leaf = leaf_name(func)
    if leaf not in SLICE_ITERATORS:
        return None
    if leaf == "groupby":
        key = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "by"), None)
        return ("groupby", ast.unparse(key)) if key is not None else None
    if node.args:  # np.unique(x["col"])
        return leaf, ast.unparse(node.args[0])
    if isinstance(func, ast.Attribute):  # x["col"].unique()
        return leaf, ast.unparse(func.value)
    return None


def sliced_metrics(tree: ast.AST, metric_lines: set[int]) -> list[SlicedMetric]:
    """Metric computations repeated per slice. `metric_lines`: lines holding a metric call."""
    found: list[SlicedMetric] = []
    for node in ast.walk(tree):
        source = None
        body: list[ast.AST]
        if isinstance(node, (ast.For, ast.AsyncFor)):
            source = _slice_source(node.iter)
            body = list(node.body)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            source = next((s for s in (_slice_source(g.iter) for g in node.generators) if s), None)
            body = [node]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _AGGREGATES:
            inner = _slice_source(node.func.value)
            source = ("apply", inner[1]) if inner and inner[0] == "groupby" else None
            body = [node]
            if source and any(is_metric_name(leaf_name(a)) for a in node.args):  # .apply(compute_auc)
                found.append(SlicedMetric(node.lineno, source[1], "apply"))
                continue
        if source and any(_has_line(metric_lines, part) for part in body):
            found.append(SlicedMetric(node.lineno, source[1], source[0]))  # type: ignore[attr-defined]
    return found


# -- comparisons in asserts and gates -----------------------------------------------------------
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _ordered_compares(node: ast.AST):
    for inner in ast.walk(node):
        if isinstance(inner, ast.Compare) and any(isinstance(op, _ORDER) for op in inner.ops):
            yield inner


def _fails(body: list[ast.stmt]) -> bool:
    """The block raises or exits: an `if` that fails the run."""
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, ast.Call):
                name = _dotted(node.func) or ""
                if name in ("sys.exit", "exit", "quit", "os._exit", "pytest.fail") or name.endswith("SystemExit"):
                    return True
    return False


@dataclass(frozen=True)
class Comparison:
    """An ordering comparison in an assert, or in the test of an `if` that raises or exits."""

    line: int  # of the assert or if
    source: str  # the comparison, shortened
    sides: tuple[frozenset[str], ...]  # the words (tokens) of each compared expression


def ordered_comparisons(tree: ast.AST) -> list[list[Comparison]]:
    """The ordering comparisons of every assert and failing `if`, grouped by statement (one walk;
    checked_comparisons picks from them)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) or (isinstance(node, ast.If) and _fails(node.body)):
            compares = [
                Comparison(
                    node.lineno,
                    ast.unparse(compare)[:100],
                    tuple(frozenset(tokens(ast.unparse(side))) for side in (compare.left, *compare.comparators)),
                )
                for compare in _ordered_compares(node.test)
            ]
            if compares:
                found.append(compares)
    return found


def checked_comparisons(tree: ast.AST, wanted: frozenset[str], one_sided: bool = True) -> list[tuple[int, str]]:
    """(line, source) of asserts, and of `if`s that raise or exit, comparing with an ordering
    operator where `wanted` words appear. `one_sided`: the words must be on one side only (a
    model metric against a baseline's, not two baselines)."""
    return comparisons_with(ordered_comparisons(tree), wanted, one_sided)


def comparisons_with(
    statements: list[list[Comparison]], wanted: frozenset[str], one_sided: bool = True
) -> list[tuple[int, str]]:
    """checked_comparisons over the ordered_comparisons of a tree (one walk serves several word sets)."""
    found = []
    for compares in statements:
        for compare in compares:
            hits = [bool(side & wanted) for side in compare.sides]
            if any(hits) and (not one_sided or not all(hits)):
                found.append((compare.line, compare.source))
                break
    return found


# -- before the parse: can a file hold such a comparison? ----------------------------------------
_ASSERT_WORD = re.compile(rb"assert\b")
_IF_WORD = re.compile(rb"if\b")
_WORD_BYTE = re.compile(rb"\w")
# A statement's lines: its first, then the lines indented deeper and the closing-bracket lines at its
# indentation (black's `), "message"`). Continuation lines dedented below the statement are not seen.
_STATEMENT_LINES = re.compile(rb"([ \t]*)[^\n]*(?:\n(?:\1[ \t]+[^\n]*|[ \t]*(?=\n)|\1[)\]}][^\n]*))*")
_TEST_END = re.compile(rb":[ \t]*$", re.M)


def may_compare(code: bytes, wanted: frozenset[str]) -> bool:
    """Whether `code` (docstrings and comments blanked) may hold what checked_comparisons finds:
    an assert statement or an `if` test holding an ordering operator and a `wanted` word. Read from
    bytes, it answers yes to more than the parse would, so that only such files get parsed."""
    return any(
        (b"<" in text or b">" in text) and tokens(text.decode("utf-8", "replace")) & wanted for text in _tests(code)
    )


def _tests(code: bytes):
    """Text of every assert statement (from its line's start) and of every `if`/`elif` test."""
    for match in _ASSERT_WORD.finditer(code):
        if match.start() == 0 or not _WORD_BYTE.match(code, match.start() - 1):
            yield _STATEMENT_LINES.match(code, code.rfind(b"\n", 0, match.start()) + 1).group(0)  # type: ignore[union-attr]
    for match in _IF_WORD.finditer(code):
        line = code.rfind(b"\n", 0, match.start()) + 1
        if code[line : match.start()].strip() in (b"", b"el"):
            end = _TEST_END.search(code, match.start())
            yield code[line : end.end() if end else len(code)]


# -- named baselines ----------------------------------------------------------------------------
def named_baselines(tree: ast.AST, is_model: Callable[[ast.Call], bool]) -> list[tuple[int, str]]:
    """(line, source) where a model is bound to a baseline name: `baseline = LogisticRegression()`,
    `{"baseline": Ridge(), ...}`. `is_model(call_node)` says whether a call builds a model."""
    found = []
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.AST]] = []
        if isinstance(node, ast.Assign):
            pairs = [(ast.unparse(t), node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(ast.unparse(node.target), node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [
                (k.value, v)
                for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
        for name, value in pairs:
            if tokens(name) & BASELINE_TOKENS and any(isinstance(c, ast.Call) and is_model(c) for c in ast.walk(value)):
                found.append(
                    (getattr(value, "lineno", getattr(node, "lineno", 0)), f"{name} = {ast.unparse(value)[:60]}")
                )
    return found


# -- offline vs online correlation ---------------------------------------------------------------
def offline_online_correlations(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, source) of correlation calls reading both an offline metric and an online outcome."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if leaf_name(node.func) not in CORRELATIONS:
            continue
        if reads_offline_and_online(ast.unparse(node)):
            found.append((node.lineno, ast.unparse(node)[:100]))
    return found


def reads_offline_and_online(text: str) -> bool:
    """Whether text (a call, or a whole file before its parse) holds an offline and an online word."""
    words = tokens(text)
    return bool(words & OFFLINE_TOKENS and words & ONLINE_TOKENS)
