"""The Model Development section: model-1 … model-7.

Code evidence comes from resolved calls (ctx.python, notebooks' code cells included) and from the
shape of evaluation code (evidence/evaluation.py); config evidence from parsed keys. An artifact
scores 1 when something runs it without a person: a push/PR/schedule CI job or a pipeline step,
reached directly or through the files that import it (checks/reach.py).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from functools import cached_property

from mltestscore.checks.base import Check
from mltestscore.checks.common import (
    Artifact,
    call_artifacts,
    is_test_file,
    notebook_line,
    pluralise,
    project_sources,
    score_artifacts,
)
from mltestscore.checks.reach import reach_evidence
from mltestscore.context import AuditContext
from mltestscore.evidence.ci import PULL_REQUEST
from mltestscore.evidence.configs import search_configs
from mltestscore.evidence.evaluation import (
    BASELINE_TOKENS,
    CORRELATIONS,
    FAIRNESS_TOKENS,
    SLICE_ITERATORS,
    Comparison,
    SlicedMetric,
    comparisons_with,
    is_metric_name,
    leaf_name,
    may_compare,
    named_baselines,
    offline_online_correlations,
    ordered_comparisons,
    reads_offline_and_online,
    sliced_metrics,
    tokens,
)
from mltestscore.evidence.modelspec import (
    MAX_CONFIG_BYTES,
    codeowners,
    model_cards,
    model_configs,
    owner_rule,
    pr_templates,
    required_reviews,
    reviewed_commits,
)
from mltestscore.evidence.perfile import code_passing, pattern_key, per_file
from mltestscore.evidence.promotion import APPROVAL_WORDS, approval_lines
from mltestscore.evidence.python import ModuleFacts, names, parts
from mltestscore.probes.model_code import model_modules
from mltestscore.probes.model_specs import holds_model_code, pipeline_specs, spacy_configs
from mltestscore.results import Evidence, Outcome, automated, context, manual, missing
from mltestscore.wiring import Runner

MAX_EVIDENCE = 6
Analysis = Callable[[ast.Module, ModuleFacts], Iterable[tuple[int, str]]]


# -- shared finders ---------------------------------------------------------------------------
# A full parse costs ~10 ms a file, so an analysis parses only the files whose code can hold what it
# looks for: `admitted` asks the word index first (free), then reads the few files left.
def admitted(
    ctx: AuditContext,
    paths: Iterable[str],
    *,
    words: Iterable[Iterable[str]] = (),
    parts: Iterable[frozenset[str]] = (),
    code: Callable[[bytes], object] | None = None,
    key: str | None = None,
) -> list[str]:
    """The files among `paths` whose code holds an identifier of each group in `words` (whole
    words, names declared with names(...)), an identifier or string word made with a part of each
    group in `parts` (`baseline` in baseline_auc), and, when given, satisfies `code(bytes)`.
    Each file's answer to `code` is cached: `key` names the test (a pattern's `search` names itself)."""
    paths = list(paths)
    for group in words:
        paths = ctx.python.candidates(group, paths)
    for group in parts:
        paths = ctx.python.with_parts(group, paths)
    if code is None:
        return paths  # type: ignore[return-value]
    return code_passing(ctx, paths, code, key or pattern_key(code.__self__))  # type: ignore[attr-defined]


def analysed(ctx: AuditContext, paths: Iterable[str], analysis: Analysis, key: str) -> list[Artifact]:
    """Artifacts from an AST analysis of `paths` (files admitted beforehand); each file's findings
    are cached under `key`, which names the analysis and its version."""

    def analyse(path: str) -> tuple[tuple[tuple[int, str], ...], bool]:
        tree, facts = ctx.parsed.python(path), ctx.python.facts(path)
        if tree is None or facts is None:
            return (), False
        return tuple(analysis(tree, facts)), True

    artifacts = []
    for path, found in per_file(ctx, f"analysed:{key}", paths, analyse):
        for line, detail in found:
            shown, where = notebook_line(ctx, path, line)
            artifacts.append(Artifact(path, shown, detail + where))
    return artifacts


class Shapes:
    """Evaluation shapes several checks read, computed once a file per audit (`ctx.fact(Shapes)`):
    metrics per slice (model-4, -6, -7) and the comparisons of asserts and gates (model-5, -7)."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self._comparisons: dict[str, list[list[Comparison]]] = {}

    def comparisons(self, path: str) -> list[list[Comparison]]:
        if path not in self._comparisons:
            tree = self.ctx.parsed.python(path)
            self._comparisons[path] = ordered_comparisons(tree) if tree is not None else []
        return self._comparisons[path]

    def checked(
        self, paths: Iterable[str], wanted: frozenset[str], describe: str, one_sided: bool = True
    ) -> list[Artifact]:
        """Asserts and gates comparing with a `wanted` word, in the files that may hold one."""

        def compared(path: str) -> tuple[tuple[tuple[int, str], ...], bool]:
            if self.ctx.parsed.python(path) is None:
                return (), False
            return tuple(comparisons_with(self.comparisons(path), wanted, one_sided)), True

        words = ",".join(sorted(wanted))
        artifacts = []
        candidates = admitted(
            self.ctx, paths, parts=(wanted,), code=lambda code: may_compare(code, wanted), key=f"may-compare:1:{words}"
        )
        for path, found in per_file(self.ctx, f"compared:1:{one_sided}:{words}", candidates, compared):
            for line, text in found:
                shown, where = notebook_line(self.ctx, path, line)
                artifacts.append(Artifact(path, shown, f"{describe}: {text}{where}"))
        return artifacts

    @cached_property
    def metrics_per_slice(self) -> list[tuple[str, SlicedMetric]]:
        """(path, metric per slice) in project code."""

        def sliced_in(path: str) -> tuple[tuple[tuple[int, str, str], ...], bool]:
            tree, facts = self.ctx.parsed.python(path), self.ctx.python.facts(path)
            if tree is None or facts is None:
                return (), False
            return tuple((m.line, m.key, m.how) for m in sliced_metrics(tree, metric_lines(facts))), True

        candidates = admitted(self.ctx, project_sources(self.ctx), words=(SLICE_ITERATORS,), code=_METRIC_WORDS.search)
        return [
            (path, SlicedMetric(*metric))
            for path, metrics in per_file(self.ctx, "sliced-metrics:1", candidates, sliced_in)
            for metric in metrics
        ]


def module_calls(
    ctx: AuditContext, modules: tuple[str, ...], paths: Iterable[str], describe: str, leaves: tuple[str, ...] = ()
) -> list[Artifact]:
    """Calls into any of `modules` (resolved names under them), or, with `leaves`, method calls of
    those names in files importing the modules (darts `model.backtest(...)`)."""
    artifacts = []
    seen: set[str] = set()
    paths = ctx.python.candidates(leaves, paths) if leaves else list(paths)  # a method call names its leaf in the code
    for path, _, _ in ctx.python.find_imports(modules, paths):
        if path in seen:
            continue
        seen.add(path)
        facts = ctx.python.facts(path)
        for call in facts.calls if facts else []:
            inside = any(call.name == m or call.name.startswith(m + ".") for m in modules)
            if (leaves and call.name.rsplit(".", 1)[-1] in leaves) or (not leaves and inside):
                shown, where = notebook_line(ctx, path, call.line)
                artifacts.append(Artifact(path, shown, f"{describe}: {call.name}{where}"))
                break
    return artifacts


_METRIC_WORDS = re.compile(
    rb"(?i)score|auc|accuracy|f1|fbeta|precision|recall|rmse|mae|mse|mape|r2|log_?loss|ndcg|brier|metric|_error\b|confusion_matrix|classification_report"
)


def sliced(
    ctx: AuditContext, keep: Callable[[SlicedMetric], bool], describe: Callable[[SlicedMetric], str]
) -> list[Artifact]:
    """Metrics computed per group in project code, filtered by `keep` (time, protected, any slice)."""
    artifacts = []
    for path, metric in ctx.fact(Shapes).metrics_per_slice:
        if keep(metric):
            shown, where = notebook_line(ctx, path, metric.line)
            artifacts.append(Artifact(path, shown, describe(metric) + where))
    return artifacts


def metric_lines(facts: ModuleFacts) -> set[int]:
    return {call.line for call in facts.calls if is_metric_name(call.name)}


def test_files(ctx: AuditContext) -> list[str]:
    return list(ctx.tests.files)


def unique(artifacts: Iterable[Artifact], per_file: int = 2) -> list[Artifact]:
    """One artifact per line (two finders may see the same line) and at most `per_file` per file."""
    seen: dict[tuple[str, int | None], Artifact] = {}
    per_path: dict[str, int] = {}
    for artifact in artifacts:
        if (artifact.path, artifact.line) in seen or per_path.get(artifact.path, 0) >= per_file:
            continue
        seen[(artifact.path, artifact.line)] = artifact
        per_path[artifact.path] = per_path.get(artifact.path, 0) + 1
    return list(seen.values())


def scored(
    ctx: AuditContext, artifacts: list[Artifact], *, noun: str, none: str, to_automate: str, to_start: str
) -> Outcome:
    """The section's rule (score_artifacts through imports and code pipelines), evidence trimmed."""
    artifacts = unique(artifacts)
    outcome = score_artifacts(
        ctx,
        artifacts,
        found=f"{pluralise(len(artifacts), noun)} found",
        none=none,
        to_automate=to_automate,
        to_start=to_start,
        find_runner=reach_evidence,
    )
    outcome.evidence = outcome.evidence[:MAX_EVIDENCE]
    return outcome


# -- model-1 ------------------------------------------------------------------------------------
class Model1(Check):
    id = "model-1"
    section = "model"
    title = "Model specs are reviewed and submitted"
    rationale = (
        "Every model specification should go through code review and be checked in: review catches silly "
        "mistakes, and version control tells you exactly which code and config produced a model."
    )
    evidence = (
        "model configs in the repository: params.yaml, Hydra configs (`defaults` lists, `_target_`, @hydra.main), "
        "gin files, MLproject, training configs recognised by their keys (lr, epochs, batch_size, n_estimators...)",
        "model cards: MODEL_CARD.md / model_card.*, Hugging Face README front matter, Model Card Toolkit",
        "pull-request / merge-request templates",
        "CODEOWNERS rules covering model code and configs",
        "context, worth 0: commits to model code and configs merged through a PR (a merge does not show a review)",
        "branch protection as code: .github/settings.yml with required_pull_request_reviews",
    )
    manual = "model specs are versioned with a review artifact (config files, model card, PR template, owners, reviewed merges)"
    automated = "review is enforced: CODEOWNERS covering model code/configs plus CI on pull requests, or required reviews as code"
    remediation = (
        "Keep model specs as reviewed files: hyperparameters in params.yaml or Hydra configs, a model card, and a "
        "CODEOWNERS rule naming reviewers for model code and configs, with CI running on every pull request "
        "(and branch protection requiring code-owner review)."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        configs = model_configs(ctx) + spacy_configs(ctx)
        pipelines = pipeline_specs(ctx) if not configs else []  # a pipeline definition is the spec of every model
        model_paths = sorted({c.path for c in configs + pipelines} | set(holds_model_code(ctx, model_modules(ctx))))
        # A PR template reviews no model where there is none: it counts only next to model code or configs.
        cards, templates = ctx.fact(model_cards), (pr_templates(ctx) if model_paths else [])
        owners = self._owners(ctx, model_paths)
        reviewed, looked, sha = reviewed_commits(ctx, model_paths)
        evidence = ([owners] if owners else []) + [Evidence(c.path, c.line, c.detail) for c in configs[:3]]
        evidence += [Evidence(card.path, None, card.detail) for card in cards[:2]]
        evidence += [Evidence(p, None, "pull-request template") for p in templates[:1]]
        approvals = registry_approvals(ctx)  # a person approves each registered model version
        evidence += approvals[:2]
        evidence += [Evidence(p.path, p.line, p.detail) for p in pipelines]
        # A "(#12)" subject shows a merge through a PR, not that anyone reviewed it: context, worth 0.
        merged = (
            [
                context(
                    ".git",
                    None,
                    f"{reviewed} of the last {looked} commits to model code/configs were merged through a PR "
                    f"(e.g. {sha}); a merge does not show a review",
                )
            ]
            if reviewed
            else []
        )
        kinds = [
            text
            for count, text in (
                (len(configs), pluralise(len(configs), "model config file")),
                (len(cards), pluralise(len(cards), "model card")),
                (len(pipelines), pluralise(len(pipelines), "pipeline definition")),
                (len(templates), "a PR template"),
                (owners, "a CODEOWNERS rule"),
                (len(approvals), "registry approval of model versions"),
            )
            if count
        ]
        pr_ci = self._pull_request_ci(ctx)
        protection = [Evidence(s.path, s.line, s.detail) for s in required_reviews(ctx)]
        if model_paths and ((owners and pr_ci) or protection):
            enforced = protection + (
                [Evidence(pr_ci.path, pr_ci.line, "CI runs on every pull request", pr_ci.describe())]
                if owners and pr_ci
                else []
            )
            return automated(
                "review of model code and configs is enforced",
                (evidence[:1] + enforced + evidence[1:])[:MAX_EVIDENCE] + merged,
            )
        if evidence:
            return manual(
                f"model specs are versioned ({', '.join(kinds)}), but review is not enforced",
                evidence[:MAX_EVIDENCE] + merged,
                "Run CI on pull_request so every change to model code and configs goes through a checked pull request."
                if owners
                else "Enforce review: add a CODEOWNERS rule covering model code and configs and run CI on "
                "pull_request (with branch protection requiring code-owner review).",
            )
        why = (
            "model code is checked in, but no model config, model card, PR template or owners rule was found"
            if model_paths
            else "no model config files or model modules found in the repository (a PR template reviews no model here)"
        )
        return missing(why, self.remediation, merged)

    @staticmethod
    def _owners(ctx: AuditContext, model_paths: list[str]) -> Evidence | None:
        rules = codeowners(ctx)
        covered = [(path, rule) for path in model_paths if (rule := owner_rule(rules, path))]
        if not covered:
            return None
        path, rule = covered[0]
        return Evidence(
            rule.path,
            rule.line,
            f"`{rule.pattern}` {' '.join(rule.owners[:2])} owns {pluralise(len(covered), 'model file')} (e.g. {path})",
        )

    @staticmethod
    def _pull_request_ci(ctx: AuditContext) -> Runner | None:
        for pipeline in ctx.ci:
            for job in pipeline.jobs:
                if PULL_REQUEST in job.triggers and job.steps:
                    return ctx.wiring.ci_runner(pipeline, job, job.steps[0])
        return None


def registry_approvals(ctx: AuditContext) -> list[Evidence]:
    """Model versions that wait in the registry for a person's approval (SageMaker model package
    approval status), a review of each model before deployment."""
    sources = [p for p in ctx.python.candidates(APPROVAL_WORDS) if p.endswith(".py") and not is_test_file(ctx, p)]

    def lines(path: str) -> tuple[tuple[int, ...], bool]:
        code = ctx.python.code(path)
        return tuple(approval_lines(code)), bool(code)

    return [
        Evidence(path, found[0], "registry approval status: a person approves each model version before it deploys")
        for path, found in per_file(ctx, "registry-approval:1", sources, lines)
        if found
    ]


# -- model-2 ------------------------------------------------------------------------------------
AB_ANALYSIS_MODULES = names("spotify_confidence", "tea_tasting", "ambrosia")
AB_TESTS = names(
    "statsmodels.stats.proportion.proportions_ztest",
    "statsmodels.stats.proportion.test_proportions_2indep",
    "statsmodels.stats.proportion.proportions_chisquare",
)
EXPERIMENT_SDKS = names("growthbook", "statsig", "eppo_client", "ldclient", "optimizely", "UnleashClient")
_ACTUAL_KWARGS = names(
    "actual_label", "actual_label_column_name", "actual_score_column_name", "actual_numeric_sequence_column_name"
)
_OUTCOME_WORDS = _ACTUAL_KWARGS + names("send_feedback")


class Model2(Check):
    id = "model-2"
    section = "model"
    title = "Offline and online metrics correlate"
    rationale = (
        "The offline metric (AUC, accuracy) is only a proxy for the user-facing outcome. Measure how changes in "
        "it move the online metric, e.g. with a small A/B test of an intentionally degraded model."
    )
    evidence = (
        "code or notebooks correlating an offline metric with an online outcome (pearsonr/spearmanr/corrcoef/.corr "
        "over columns such as auc and ctr, conversion, revenue)",
        "A/B-test analysis: spotify_confidence, tea_tasting, ambrosia, statsmodels proportions_ztest",
        "online experiments around the model: GrowthBook, Statsig, Eppo, LaunchDarkly, Optimizely, Unleash SDK calls",
        "online outcomes logged next to predictions: Arize logging with actual labels, a Seldon send_feedback handler",
    )
    manual = "an analysis, experiment or outcome log exists in the repository"
    automated = "a scheduled job or pipeline step recomputes the comparison"
    remediation = (
        "Log online outcomes next to prediction ids, run A/B tests between model versions (including a deliberately "
        "degraded one), and keep the analysis that relates offline metrics to the online KPI in the repository; "
        "schedule it to recompute. If this lives outside the repository, attest it in config."
    )
    observable = False

    def run(self, ctx: AuditContext) -> Outcome:
        sources = project_sources(ctx)
        correlating = admitted(
            ctx,
            sources + test_files(ctx),
            words=(CORRELATIONS,),
            code=lambda code: reads_offline_and_online(code.decode("utf-8", "replace")),
            key="offline-and-online:1",
        )
        artifacts = analysed(
            ctx,
            correlating,
            lambda tree, _: (
                (line, f"correlates offline and online metrics: {text}")
                for line, text in offline_online_correlations(tree)
            ),
            "offline-online:1",
        )
        artifacts += module_calls(ctx, AB_ANALYSIS_MODULES, sources, "A/B-test analysis")
        artifacts += call_artifacts(
            ctx, AB_TESTS, sources, describe=lambda c: f"A/B-test analysis: {c.name.rsplit('.', 1)[-1]}"
        )
        artifacts += module_calls(ctx, EXPERIMENT_SDKS, sources, "online experiment SDK assigns variants")
        artifacts += self._outcome_logging(ctx, sources)
        return scored(
            ctx,
            artifacts,
            noun="offline/online comparison artifact",
            none="no analysis relating offline metrics to online outcomes found",
            to_automate="Schedule the offline/online comparison (a CI cron job or a pipeline step) so it is recomputed for every model.",
            to_start=self.remediation,
        )

    @staticmethod
    def _outcome_logging(ctx: AuditContext, sources: list[str]) -> list[Artifact]:
        artifacts = []
        for path in ctx.python.candidates(_OUTCOME_WORDS, sources):
            facts = ctx.python.facts(path)
            for call in facts.calls if facts else []:
                if any(k in _ACTUAL_KWARGS for k, _ in call.kwargs):
                    artifacts.append(
                        Artifact(
                            path,
                            notebook_line(ctx, path, call.line)[0],
                            f"logs online actuals next to predictions ({call.name})",
                        )
                    )
            for name, line in facts.functions if facts else []:
                if name.endswith(".send_feedback"):
                    artifacts.append(
                        Artifact(
                            path,
                            notebook_line(ctx, path, line)[0],
                            f"{name} receives online feedback for served predictions",
                        )
                    )
        return artifacts


# -- model-3 ------------------------------------------------------------------------------------
TUNING_CALLS = names(
    "optuna.create_study",
    "optuna.study.create_study",
    "optuna.load_study",
    "optuna.integration.OptunaSearchCV",
    "optuna_integration.OptunaSearchCV",
    "optuna.integration.lightgbm.LightGBMTuner",
    "optuna.integration.lightgbm.LightGBMTunerCV",
    "ray.tune.Tuner",
    "ray.tune.run",
    "ray.tune.grid_search",
    "ray.tune.tune.run",
    "keras_tuner.RandomSearch",
    "keras_tuner.Hyperband",
    "keras_tuner.BayesianOptimization",
    "keras_tuner.GridSearch",
    "kerastuner.RandomSearch",
    "kerastuner.Hyperband",
    "kerastuner.BayesianOptimization",
    "keras_tuner.tuners.RandomSearch",
    "keras_tuner.tuners.Hyperband",
    "keras_tuner.tuners.BayesianOptimization",
    "wandb.sweep",
    "wandb.agent",
    "model_selection.GridSearchCV",
    "model_selection.RandomizedSearchCV",
    "model_selection.HalvingGridSearchCV",
    "model_selection.HalvingRandomSearchCV",
    "model_selection.ParameterGrid",
    "model_selection.ParameterSampler",
    "sklearn.grid_search.GridSearchCV",
    "skopt.BayesSearchCV",
    "skopt.gp_minimize",
    "skopt.forest_minimize",
    "hyperopt.fmin",
    "bayes_opt.BayesianOptimization",
    "ax.service.ax_client.AxClient",
    "ax.optimize",
    "flaml.AutoML",
    "flaml.tune.run",
    "autosklearn.classification.AutoSklearnClassifier",
    "autosklearn.regression.AutoSklearnRegressor",
    "tpot.TPOTClassifier",
    "tpot.TPOTRegressor",
    "h2o.automl.H2OAutoML",
    "sagemaker.tuner.HyperparameterTuner",
    "sagemaker.workflow.steps.TuningStep",
    "google.cloud.aiplatform.HyperparameterTuningJob",
    "tfx.components.Tuner",
    "tfx.v1.components.Tuner",
    "nni.get_next_parameter",
    "nni.experiment.Experiment",
    "syne_tune.Tuner",
    "tune_sklearn.TuneSearchCV",
)
TUNING_COMMANDS = (
    r"\bpython[\d.]*\s+(?!-m\s)\S+\.py\b.*\s(-m|--multirun)(\s|$)|\bhydra/sweeper=",
    r"\bdvc\s+exp\s+run\b.*(--queue|\s(-S|--set-param)\s+\S*(,|range\())|\bdvc\s+queue\s+start\b",
    r"\bwandb\s+(sweep|agent)\b",
    r"\boptuna\s+(create-study|tune)\b",
    r"\bnnictl\s+create\b",
)
_TRACKED_RUN = names("mlflow.start_run", "wandb.init")
_GRIDS = names("product", "ParameterGrid")


def _grid_loops(tree: ast.Module, facts: ModuleFacts) -> list[tuple[int, str]]:
    """`for params in itertools.product(...)` / ParameterGrid loops that start a tracked run each."""
    runs = {c.line for c in facts.calls if c.name in _TRACKED_RUN}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and leaf_name(node.iter.func) in _GRIDS:
            if any(node.lineno <= line <= (node.end_lineno or node.lineno) for line in runs):
                found.append((node.lineno, "one tracked run per point of a parameter grid"))
    return found


def _sweep_config(data) -> str | None:
    """What kind of search a parsed config defines, if any."""
    if not isinstance(data, dict):
        return None
    if data.get("method") in ("grid", "random", "bayes") and isinstance(data.get("parameters"), dict):
        return "wandb sweep config"
    hydra = data.get("hydra")
    defaults = data.get("defaults") if isinstance(data.get("defaults"), list) else []
    if any("hydra/sweeper" in str(d) for d in defaults) or (  # type: ignore[union-attr]
        isinstance(hydra, dict) and ("sweeper" in hydra or hydra.get("mode") == "MULTIRUN")
    ):
        return "Hydra sweeper (multirun search)"
    if data.get("kind") == "Experiment" and str(data.get("apiVersion", "")).startswith("kubeflow.org/"):
        return "Katib experiment"
    searcher = data.get("searcher")
    if (
        isinstance(searcher, dict)
        and searcher.get("name") not in (None, "single")
        and isinstance(data.get("hyperparameters"), dict)
    ):
        return "Determined searcher"
    if data.get("type") == "sweep" and isinstance(data.get("search_space"), dict):
        return f"Azure ML sweep job ({data.get('sampling_algorithm', 'search')} sampling)"
    if ("searchSpace" in data or "searchSpaceFile" in data or "search_space" in data) and (
        "tuner" in data or "trialCommand" in data
    ):
        return "NNI experiment config"
    return None


def _pipeline_sweep(data) -> str | None:
    """The name of a sweep job inside an Azure ML pipeline job (`type: pipeline`, `jobs: {x: {type: sweep}}`)."""
    if not isinstance(data, dict) or data.get("type") != "pipeline" or not isinstance(data.get("jobs"), dict):
        return None
    return next((str(k) for k, job in data["jobs"].items() if _sweep_config(job) and job.get("type") == "sweep"), None)


class Model3(Check):
    id = "model-3"
    section = "model"
    title = "All hyperparameters have been tuned"
    rationale = (
        "Untuned hyperparameters leave quality on the table and hide reliability problems; a grid or smarter "
        "search over every tunable hyperparameter finds both."
    )
    evidence = (
        "Optuna (create_study, OptunaSearchCV, LightGBMTuner), Ray Tune (Tuner, tune.run, grid_search), Keras Tuner, "
        "wandb.sweep/agent, sklearn GridSearchCV/RandomizedSearchCV/HalvingGridSearchCV/ParameterGrid, skopt, "
        "hyperopt, Ax, FLAML, auto-sklearn, TPOT, H2O AutoML, SageMaker HyperparameterTuner/TuningStep, Vertex "
        "HyperparameterTuningJob, TFX Tuner, NNI, Syne Tune",
        "search configs: wandb sweep.yaml (method + parameters), Hydra sweepers (hydra/sweeper, hparams_search), "
        "Katib Experiment, Determined searcher, NNI experiment",
        "commands: Hydra --multirun, `dvc exp run --queue` / `-S` grids, `dvc queue start`, `wandb sweep|agent`",
        "MLflow/wandb runs started in a loop over a parameter grid",
    )
    manual = "a search exists (script, notebook, sweep config) and a person runs it"
    automated = "the search runs in CI (push/PR/schedule) or as a step of the pipeline that produces the model"
    remediation = (
        "Tune hyperparameters with a real search (Optuna, Ray Tune, a wandb/Hydra sweep, GridSearchCV) over every "
        "tunable hyperparameter, and make the search a pipeline stage (e.g. a DVC `tune` stage) or a scheduled job."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        sources = project_sources(ctx)
        code = call_artifacts(ctx, TUNING_CALLS, sources, describe=lambda c: f"hyperparameter search: {c.name}")
        code += analysed(ctx, admitted(ctx, sources, words=(_GRIDS, _TRACKED_RUN)), _grid_loops, "grid-loops:1")
        outcome = scored(ctx, code, noun="tuning call", none="", to_automate="", to_start="")
        if outcome.score == 1:
            return outcome
        configs = self._configs(ctx)
        commands = self._commands(ctx)
        wired = [e for e, runner in commands if runner is not None and runner.automatic]
        wired += [e for e, runner in configs if runner is not None and runner.automatic]
        if wired:
            return automated("a hyperparameter search runs automatically", (wired + outcome.evidence)[:MAX_EVIDENCE])
        evidence = outcome.evidence + [e for e, _ in configs + commands]
        if evidence:
            return manual(
                f"{pluralise(len(evidence), 'hyperparameter search artifact')} found; a person starts them",
                evidence[:MAX_EVIDENCE],
                "Run the search automatically: as a pipeline stage that feeds training (e.g. a DVC stage) or a scheduled CI job.",
            )
        return missing(
            "no hyperparameter search found (libraries listed only as dependencies do not count)", self.remediation
        )

    @staticmethod
    def _configs(ctx: AuditContext) -> list[tuple[Evidence, Runner | None]]:
        found: list[tuple[Evidence, Runner | None]] = []
        prefilter = re.compile(rb"\b(method|sweeper|MULTIRUN|Experiment|searcher|searchSpace|search_space)\b")
        configs = [
            p
            for p in ctx.files.with_suffix(".yaml", ".yml", ".json")
            if len(ctx.files.read_bytes(p) or b"") <= MAX_CONFIG_BYTES
        ]
        for path in ctx.files.grep(prefilter, configs):
            data = ctx.parsed.json(path) if path.endswith(".json") else ctx.parsed.yaml(path)
            kind = _sweep_config(data)
            step = _pipeline_sweep(data)
            if step:  # a sweep step of an Azure ML pipeline job: every model the pipeline makes is tuned
                name = data.get("display_name") or data.get("name") or path
                text = ctx.files.text(path) or ""
                match = re.search(rf"(?m)^[ \t]*{re.escape(step)}[ \t]*:", text)
                line = text.count("\n", 0, match.start()) + 1 if match else 1
                step_runner = Runner("pipeline", True, path, line, f"{path} azureml pipeline '{name}' step '{step}'")
                found.append(
                    (Evidence(path, line, "Azure ML sweep step of the pipeline", step_runner.describe()), step_runner)
                )
            elif kind:
                stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
                uses = ctx.wiring.find(rf"(^|[\s/=]){re.escape(stem)}(\.ya?ml|\.json)?(\s|$)", include_stages=True)
                runner = uses[0].runner if uses else None
                found.append((Evidence(path, 1, kind, runner.describe() if runner else None), runner))
        return found

    @staticmethod
    def _commands(ctx: AuditContext) -> list[tuple[Evidence, Runner | None]]:
        pattern = re.compile("|".join(TUNING_COMMANDS))
        found = [
            (Evidence(c.runner.path, c.runner.line, f"runs `{c.command}`", c.runner.describe()), c.runner)
            for c in ctx.wiring.find(pattern, include_stages=True)
        ]
        reached = {e.detail for e, _ in found}  # commands CI or a stage reaches through a task
        tasks = [t for targets in ctx.tasks.make.values() for t in targets.values()] + list(ctx.tasks.scripts.values())
        for task in tasks:
            for command in task.commands:
                if pattern.search(command) and f"runs `{command}`" not in reached:
                    found.append((Evidence(task.path, task.line, f"`{command}` ({task.kind} {task.name})"), None))
        return found


# -- model-4 ------------------------------------------------------------------------------------
STALENESS_CALLS = names(
    "model_selection.TimeSeriesSplit",
    "sktime.forecasting.model_evaluation.evaluate",
    "sktime.split.ExpandingWindowSplitter",
    "sktime.split.SlidingWindowSplitter",
    "sktime.forecasting.model_selection.ExpandingWindowSplitter",
    "sktime.forecasting.model_selection.SlidingWindowSplitter",
    "prophet.diagnostics.cross_validation",
    "fbprophet.diagnostics.cross_validation",
    "gluonts.evaluation.backtest.backtest_metrics",
)
BACKTEST_METHODS = (
    (names("darts"), names("historical_forecasts", "backtest")),
    (names("statsforecast", "neuralforecast", "mlforecast"), names("cross_validation")),
)


class Model4(Check):
    id = "model-4"
    section = "model"
    title = "The impact of model staleness is known"
    rationale = (
        "Knowing how fast quality decays as the served model ages sets the retraining cadence and the threshold "
        "of the staleness alert (monitor-4)."
    )
    evidence = (
        "time-based backtests: TimeSeriesSplit, sktime evaluate / expanding or sliding window splitters, Prophet "
        "cross_validation, darts historical_forecasts/backtest, Nixtla cross_validation, GluonTS backtest_metrics",
        "evaluation by time period: metrics computed per day/week/month (groupby on a date key or pd.Grouper(freq=...))",
    )
    manual = "a backtest or evaluation over time windows exists"
    automated = "it runs on a schedule or as a step of the training pipeline"
    remediation = (
        "Measure quality against model age: evaluate models trained at several cutoffs on later data (a rolling-origin "
        "backtest) and record the decay curve; run it on a schedule. If the study lives outside the repository, attest it."
    )
    observable = False

    def run(self, ctx: AuditContext) -> Outcome:
        sources = project_sources(ctx)
        artifacts = call_artifacts(ctx, STALENESS_CALLS, sources, describe=lambda c: f"time-based evaluation: {c.name}")
        for modules, methods in BACKTEST_METHODS:
            artifacts += module_calls(ctx, modules, sources, "backtest over past windows", leaves=methods)
        artifacts += sliced(ctx, lambda s: s.time_like, lambda s: f"metrics per time period (by {s.key})")
        return scored(
            ctx,
            artifacts,
            noun="time-window evaluation",
            none="no backtest or evaluation over time windows found",
            to_automate="Run the time-window evaluation on a schedule or as a pipeline step, so the decay curve stays current.",
            to_start=self.remediation,
        )


# -- model-5 ------------------------------------------------------------------------------------
BASELINE_CALLS = names(
    "sklearn.dummy.DummyClassifier",
    "sklearn.dummy.DummyRegressor",
    "sktime.forecasting.naive.NaiveForecaster",
    "darts.models.NaiveSeasonal",
    "darts.models.NaiveMean",
    "darts.models.NaiveDrift",
    "darts.models.NaiveMovingAverage",
    "statsforecast.models.Naive",
    "statsforecast.models.SeasonalNaive",
    "statsforecast.models.HistoricAverage",
    "gluonts.model.seasonal_naive.SeasonalNaivePredictor",
    "deepchecks.tabular.checks.SimpleModelComparison",
    "deepchecks.tabular.checks.model_evaluation.SimpleModelComparison",
    "deepchecks.nlp.checks.SimpleModelComparison",
    "deepchecks.vision.checks.SimpleModelComparison",
)
LINEAR_MODELS = frozenset(
    names(
        "LogisticRegression",
        "LinearRegression",
        "Ridge",
        "Lasso",
        "ElasticNet",
        "SGDClassifier",
        "SGDRegressor",
        "RidgeClassifier",
        "LinearSVC",
        "LinearSVR",
        "GaussianNB",
        "MultinomialNB",
        "BernoulliNB",
        "OLS",
        "Logit",
    )
)
COMPLEX_MODELS = re.compile(
    r"(RandomForest|GradientBoosting|HistGradientBoosting|ExtraTrees|AdaBoost)(Classifier|Regressor)$|"
    r"^(XGB|LGBM|CatBoost)(Classifier|Regressor|Ranker)$|^MLP(Classifier|Regressor)$|^(SVC|SVR)$"
)
# The same names in code bytes: a call's last name is an identifier of the file (call or import).
_COMPLEX_WORDS = re.compile(
    rb"(RandomForest|GradientBoosting|HistGradientBoosting|ExtraTrees|AdaBoost)(Classifier|Regressor)\b|"
    rb"\b(XGB|LGBM|CatBoost)(Classifier|Regressor|Ranker)\b|\bMLP(Classifier|Regressor)\b|\b(SVC|SVR)\b"
)
_MODEL_BUILDER = re.compile(r"(Classifier|Regressor|Forecaster)$")
_MODEL_BUILDER_PARTS = parts("classifier", "regressor", "forecaster")
_MODEL_BUILDER_WORDS = re.compile(rb"(Classifier|Regressor|Forecaster)\b")


def _builds_model(call: ast.Call) -> bool:
    leaf = leaf_name(call.func)
    return leaf in LINEAR_MODELS or bool(_MODEL_BUILDER.search(leaf))


def _linear_vs_complex(tree: ast.Module, facts: ModuleFacts) -> list[tuple[int, str]]:
    """A linear model and a more complex one both trained and scored in one file."""
    leaves = [(c.name.rsplit(".", 1)[-1], c.line) for c in facts.calls]
    linear = [(leaf, line) for leaf, line in leaves if leaf in LINEAR_MODELS]
    complex_ = [leaf for leaf, _ in leaves if COMPLEX_MODELS.search(leaf)]
    stacked = any(leaf.startswith(("Stacking", "Voting")) for leaf, _ in leaves)
    if linear and complex_ and metric_lines(facts) and not stacked:
        return [(linear[0][1], f"evaluates {linear[0][0]} beside {complex_[0]}")]
    return []


class Model5(Check):
    id = "model-5"
    section = "model"
    title = "A simpler model is not better"
    rationale = (
        "Comparing with a very simple baseline shows the pipeline works end to end and whether the extra "
        "complexity pays for itself."
    )
    evidence = (
        "baseline models: DummyClassifier/DummyRegressor, sktime NaiveForecaster, darts/statsforecast naive models, "
        "GluonTS SeasonalNaivePredictor, deepchecks SimpleModelComparison",
        "a linear model bound to a baseline name (`baseline = LogisticRegression()`), or a linear model evaluated "
        "beside a more complex one in the same file",
        "asserts and gates comparing the model's metric with the baseline's (`assert auc > baseline_auc`)",
    )
    manual = "a baseline is evaluated in a script, notebook or test nothing runs automatically"
    automated = "the comparison runs in CI or in the pipeline (e.g. the DVC evaluate stage), or a CI test asserts the model beats it"
    remediation = (
        "Train a simple baseline (DummyClassifier, a logistic/linear model on a few features, a heuristic) in the "
        "evaluation step, record both metrics, and fail the pipeline or a CI test when the model does not beat it."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        sources = project_sources(ctx)
        artifacts = call_artifacts(
            ctx, BASELINE_CALLS, sources, describe=lambda c: f"baseline model {c.name.rsplit('.', 1)[-1]}"
        )
        artifacts += analysed(
            ctx,
            self._named_baseline_files(ctx, sources),
            lambda tree, _: ((line, f"baseline model: {text}") for line, text in named_baselines(tree, _builds_model)),
            "named-baselines:1",
        )
        artifacts += analysed(
            ctx,
            admitted(ctx, sources, words=(LINEAR_MODELS,), code=_COMPLEX_WORDS.search),
            _linear_vs_complex,
            "linear-vs-complex:1",
        )
        artifacts += ctx.fact(Shapes).checked(
            sources + test_files(ctx), BASELINE_TOKENS, "checks the model against the baseline"
        )
        return scored(
            ctx,
            artifacts,
            noun="baseline comparison",
            none="no simple baseline compared with the model",
            to_automate="Run the baseline comparison automatically: in the pipeline's evaluation step or a CI test asserting the model beats the baseline.",
            to_start=self.remediation,
        )

    @staticmethod
    def _named_baseline_files(ctx: AuditContext, sources: list[str]) -> list[str]:
        """Files with a baseline word and a model-building name (a linear model, *Classifier...)."""
        baseline_words = admitted(ctx, sources, parts=(BASELINE_TOKENS,))
        builders = set(ctx.python.candidates(LINEAR_MODELS, baseline_words))
        builders |= set(admitted(ctx, baseline_words, parts=(_MODEL_BUILDER_PARTS,), code=_MODEL_BUILDER_WORDS.search))
        return [path for path in baseline_words if path in builders]


# -- model-6 ------------------------------------------------------------------------------------
# TFMA slicing specs slice only with feature keys: a bare SlicingSpec() is the overall slice.
TFMA_SLICES = names(
    "tensorflow_model_analysis.SlicingSpec",
    "tensorflow_model_analysis.slicer.SingleSliceSpec",
    "tensorflow_model_analysis.proto.config_pb2.SlicingSpec",
)
_SLICE_KWARGS = ("feature_keys", "feature_values", "slice_keys_sql", "columns", "features")
SLICE_CALLS = names(
    "fairlearn.metrics.MetricFrame",
    "deepchecks.tabular.checks.SegmentPerformance",
    "deepchecks.tabular.checks.WeakSegmentsPerformance",
    "deepchecks.tabular.checks.model_evaluation.SegmentPerformance",
    "deepchecks.nlp.checks.MetadataSegmentsPerformance",
    "deepchecks.nlp.checks.PropertySegmentsPerformance",
    "giskard.scan",
    "snorkel.slicing.slicing_function",
    "snorkel.slicing.PandasSFApplier",
    "snorkel.slicing.slice_dataframe",
    "evidently.metrics.ClassificationQualityByFeatureTable",
)
SLICE_WORDS = frozenset(
    {"slice", "slices", "segment", "segments", "group", "groups", "cohort", "subgroup", "region", "country"}
)
_PARAMETRIZE = names("parametrize")
_ASSERT = re.compile(rb"\bassert\b")
_PARAMETRIZE_NAMES = re.compile(rb"\bparametrize\s*\(\s*(?:\(\s*)*[rRuU]?[\"']([^\n]*)")  # the argument names' line
_EVALUATE = re.compile(rb"\bevaluate\b")  # evaluate.load(...) calls a metric by its module alone


def _may_call_metric(code: bytes) -> bool:
    """Whether code can call a metric (is_metric_name): a metric word or the `evaluate` module."""
    return bool(_METRIC_WORDS.search(code) or _EVALUATE.search(code))


def _parametrized_over_slices(code: bytes) -> bool:
    return any(
        tokens(match.group(1).decode("utf-8", "replace")) & SLICE_WORDS for match in _PARAMETRIZE_NAMES.finditer(code)
    )


def _slice_tests(tree: ast.Module, facts: ModuleFacts) -> list[tuple[int, str]]:
    """Tests that assert a threshold per slice: sliced metrics plus an ordered assert, or a
    parametrize over slices with an ordered assert."""
    asserts = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Assert)
        and any(
            isinstance(c, ast.Compare) and any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in c.ops)
            for c in ast.walk(n.test)
        )
    ]
    if not asserts:
        return []
    per_slice = [s for s in sliced_metrics(tree, metric_lines(facts)) if not s.per_class]
    if per_slice:
        return [(per_slice[0].line, f"test asserts thresholds per slice (by {per_slice[0].key})")]
    for call in facts.calls:
        if (
            call.name.endswith("mark.parametrize")
            and call.args
            and isinstance(call.args[0], str)
            and tokens(call.args[0]) & SLICE_WORDS
        ):
            return [(call.line, f"test parametrized over slices ({call.args[0]}) asserts a threshold")]
    return []


class Model6(Check):
    id = "model-6"
    section = "model"
    title = "Model quality is sufficient on all important data slices"
    rationale = (
        "An aggregate gain can hide a collapse in one slice (the paper: +1% overall, -50% in one country). "
        "Evaluate per slice and hold each important slice to a threshold."
    )
    evidence = (
        "TFMA SlicingSpec(feature_keys=...) / `feature_keys` in eval configs (a bare SlicingSpec() is the overall slice), fairlearn MetricFrame, deepchecks (Weak)SegmentPerformance, "
        "Giskard scan, Snorkel slicing functions, Evidently quality-by-feature",
        "evaluation code computing a metric per group: a loop, comprehension or apply over groupby()/unique() with a metric call",
        "tests asserting thresholds per slice (sliced metrics or a parametrize over slices, with an assert)",
    )
    manual = "sliced evaluation exists in a script, notebook or test nothing runs automatically"
    automated = "sliced evaluation or per-slice thresholds run in CI or as a pipeline step"
    remediation = (
        "Compute the model's metric on every important slice (country, device, segment) in the evaluation step and "
        "hold each slice to an absolute or relative threshold in a test or pipeline gate."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        sources = project_sources(ctx)
        artifacts = call_artifacts(ctx, SLICE_CALLS, sources, describe=lambda c: f"sliced evaluation: {c.name}")
        artifacts += [
            Artifact(
                path,
                notebook_line(ctx, path, call.line)[0],
                f"sliced evaluation: {call.name.rsplit('.', 1)[-1]} by feature",
            )
            for path, call in ctx.python.find_calls(TFMA_SLICES, sources)
            if call.args or any(k in _SLICE_KWARGS for k, _ in call.kwargs)
        ]
        artifacts += [
            Artifact(h.path, h.line, f"evaluation config slices by feature: {h.text}")
            for h in search_configs(ctx, r"\bfeature_keys\b")[:2]
        ]
        artifacts += sliced(
            ctx, lambda s: not s.time_like and not s.per_class, lambda s: f"metric computed per {s.key}"
        )
        artifacts += analysed(ctx, self._slice_test_files(ctx), _slice_tests, "slice-tests:1")
        return scored(
            ctx,
            artifacts,
            noun="sliced evaluation",
            none="no per-slice evaluation found",
            to_automate="Run the sliced evaluation in the pipeline or CI, with a threshold per important slice.",
            to_start=self.remediation,
        )

    @staticmethod
    def _slice_test_files(ctx: AuditContext) -> list[str]:
        """Test files that can assert per-slice thresholds: an assert, and a slicing call with a
        metric name or a parametrize whose argument names hold a slice word."""
        asserting = admitted(ctx, test_files(ctx), words=(SLICE_ITERATORS + _PARAMETRIZE,), code=_ASSERT.search)
        slicing = set(
            admitted(ctx, asserting, words=(SLICE_ITERATORS,), code=_may_call_metric, key="may-call-metric:1")
        )
        slicing |= set(
            admitted(
                ctx, asserting, words=(_PARAMETRIZE,), code=_parametrized_over_slices, key="parametrized-over-slices:1"
            )
        )
        return [path for path in asserting if path in slicing]


# -- model-7 ------------------------------------------------------------------------------------
FAIRNESS_MODULES = names(
    "fairlearn",
    "aif360",
    "witwidget",
    "fairness_indicators",
    "tensorflow_model_analysis.addons.fairness",
    "aequitas",
    "raiwidgets",
    "sagemaker.clarify",
    "sagemaker.workflow.clarify_check_step",
)
FAIRNESS_CALLS = names(
    "tensorflow_model_analysis.metrics.FairnessIndicators", "sagemaker.model_monitor.ModelBiasMonitor"
)
BIAS_LOAD = names("evaluate.load")
BIAS_MEASUREMENTS = frozenset({"regard", "toxicity", "honest"})


class Model7(Check):
    id = "model-7"
    section = "model"
    title = "The model has been tested for considerations of inclusion"
    rationale = (
        "Models can serve some groups of users worse than others. Look at predictions sliced by protected or "
        "user groups and at features that proxy for them."
    )
    evidence = (
        "fairlearn (MetricFrame, demographic parity / equalized odds metrics, mitigations), AIF360, What-If Tool, "
        "Fairness Indicators, Aequitas, Responsible AI dashboard, SageMaker Clarify (BiasConfig, ModelBiasMonitor)",
        "Hugging Face evaluate bias measurements (regard, toxicity, honest)",
        "metrics computed per protected group (groupby over sex, race, age... with a metric call)",
        "model cards with a filled-in fairness / bias / ethical considerations section",
        "tests asserting demographic parity, equalized odds or disparity bounds",
    )
    manual = "a fairness analysis, per-group evaluation or model-card section exists"
    automated = "a fairness check runs in CI, on a schedule or as a pipeline step"
    remediation = (
        "Evaluate the model per protected or user group (fairlearn MetricFrame, demographic parity / equalized odds), "
        "record the results in the model card, and assert bounds on the disparities in a CI test or pipeline step."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        sources = project_sources(ctx)
        everywhere = sources + test_files(ctx)
        artifacts = module_calls(ctx, FAIRNESS_MODULES, everywhere, "fairness analysis")
        artifacts += call_artifacts(ctx, FAIRNESS_CALLS, everywhere, describe=lambda c: f"fairness analysis: {c.name}")
        artifacts += [
            Artifact(path, notebook_line(ctx, path, call.line)[0], f"bias measurement evaluate.load({call.args[0]!r})")
            for path, call in ctx.python.find_calls(BIAS_LOAD, everywhere)
            if call.args and call.args[0] in BIAS_MEASUREMENTS
        ]
        artifacts += [
            Artifact(h.path, h.line, f"evaluation config: {h.text}")
            for h in search_configs(ctx, r"FairnessIndicators")[:2]
        ]
        artifacts += sliced(ctx, lambda s: s.protected, lambda s: f"metric computed per protected group ({s.key})")
        artifacts += ctx.fact(Shapes).checked(everywhere, FAIRNESS_TOKENS, "asserts a fairness bound", one_sided=False)
        artifacts += [
            Artifact(card.path, card.fairness_line, f"{card.detail}: section '{card.fairness_heading}'")
            for card in ctx.fact(model_cards)
            if card.fairness_line
        ]
        return scored(
            ctx,
            artifacts,
            noun="inclusion/fairness artifact",
            none="no fairness or inclusion analysis found",
            to_automate="Run the fairness evaluation in CI or the pipeline and fail it when disparities exceed a bound.",
            to_start=self.remediation,
        )


CHECKS = (Model1, Model2, Model3, Model4, Model5, Model6, Model7)
