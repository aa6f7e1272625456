"""The ML Infrastructure section: infra-1 … infra-7."""

from __future__ import annotations

import re
from functools import partial

from mltestscore.checks.base import Check
from mltestscore.checks.common import (
    Artifact,
    call_artifacts,
    files_named,
    is_test_file,
    pluralise,
    project_sources,
    runner_evidence,
    score_artifacts,
)
from mltestscore.context import AuditContext
from mltestscore.evidence.configs import search_configs
from mltestscore.evidence.helm import chart_deployment, templated_values
from mltestscore.evidence.perfile import grep_code, per_file, per_outline
from mltestscore.evidence.platforms.rollouts import rollouts
from mltestscore.evidence.platforms.serving import versioned_serving
from mltestscore.evidence.promotion import MODEL_LOADS, reports_evaluation
from mltestscore.evidence.python import ModuleFacts, names, parts
from mltestscore.evidence.rollback import failure_rollbacks
from mltestscore.probes.dependencies import LOCK_FILES, requirements_pinned
from mltestscore.probes.e2e import end_to_end_tests, hand_run_pipelines, platform_runs
from mltestscore.probes.metric_gate import metric_gate, metric_gate_line  # noqa: F401  (shared with monitor-*)
from mltestscore.probes.model_artifact_tests import tests_loading_model_artifacts
from mltestscore.probes.model_code import MODEL_BASES, model_modules  # noqa: F401  (shared with model-1)
from mltestscore.probes.reach import reach_evidence
from mltestscore.probes.repro import guarded_seed, seed_off_by_default, seed_settings, trains_twice
from mltestscore.probes.seeding import seed_artifacts
from mltestscore.probes.tests_import import _cached_test_imports, tests_importing  # shared with data-7
from mltestscore.results import Evidence, Outcome, automated, manual, missing

SEED_CALLS = names(
    "random.seed",
    "numpy.random.seed",
    "torch.manual_seed",
    "torch.cuda.manual_seed",
    "torch.cuda.manual_seed_all",
    "tensorflow.random.set_seed",
    "tensorflow.set_random_seed",
    "tensorflow.keras.utils.set_random_seed",
    "keras.utils.set_random_seed",
    "seed_everything",
    "transformers.set_seed",
    "jax.random.PRNGKey",
    "jax.random.key",
    "mlflow.set_seed",
)
DETERMINISM_CALLS = names(
    "torch.use_deterministic_algorithms",
    "tensorflow.config.experimental.enable_op_determinism",
)
DETERMINISM_ASSIGNS = names(
    "torch.backends.cudnn.deterministic",
    "torch.backends.cudnn.benchmark",
    "os.environ.PYTHONHASHSEED",
    "os.environ.TF_DETERMINISTIC_OPS",
    "os.environ.CUBLAS_WORKSPACE_CONFIG",
)


class Infra1(Check):
    id = "infra-1"
    section = "infra"
    title = "Training is reproducible"
    rationale = (
        "Training twice on the same data should give close models. Non-determinism hides bugs, "
        "makes ensembles and retraining diffs unreadable, and turns every regression into a guess."
    )
    evidence = (
        "seeds: random.seed, np.random.seed, torch.manual_seed, tf.random.set_seed, seed_everything, random_state=<n>",
        "determinism flags: torch.use_deterministic_algorithms, cudnn.deterministic, PYTHONHASHSEED, TF_DETERMINISTIC_OPS",
        "a pinned environment: uv.lock, poetry.lock, Pipfile.lock, pdm.lock, conda-lock, requirements*.txt pinned with ==",
        "data and model versioning: dvc.lock, *.dvc files",
        "containerised training: a Dockerfile",
        "a CI job that reproduces: `dvc repro` then `git diff --exit-code dvc.lock` / `dvc status`, or a test named for reproducibility",
    )
    manual = (
        "fixed seeds (calls, seed keywords, seed config values), or at least two ingredients: seeds or "
        "determinism flags, a pinned environment, versioned data, a container"
    )
    automated = "CI re-runs the pipeline and fails when results differ, or CI runs a reproducibility test"
    remediation = (
        "Seed every source of randomness in training, pin the environment with a lock file, version data "
        "with DVC, and add a CI job that reproduces training and compares (e.g. `dvc repro` followed by "
        "`git diff --exit-code dvc.lock`, or a test that trains twice and asserts equal predictions)."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        sources = project_sources(ctx)
        ingredients: dict[str, list[Evidence]] = {}
        seeds = call_artifacts(ctx, SEED_CALLS, sources, limit=3)
        seeds += call_artifacts(ctx, DETERMINISM_CALLS, sources, limit=2)
        for path, assign in ctx.python.find_assigns(DETERMINISM_ASSIGNS, sources, limit=2):
            seeds.append(Artifact(path, assign.line, f"sets {assign.target} = {assign.value!r}"))
        if not seeds:
            for path, call in ctx.python.find_calls(_RANDOM_STATE_ESTIMATORS, sources, limit=10):
                if isinstance(call.kwarg("random_state"), int):
                    seeds.append(
                        Artifact(
                            path,
                            call.line,
                            f"{call.name.rsplit('.', 1)[-1]}(random_state={call.kwarg('random_state')})",
                        )
                    )
        if not seeds:  # seed keywords on any call, seeding helpers, seed values in configs
            seeds = seed_artifacts(ctx, sources)
        if not seeds:
            seeds = seed_settings(ctx, sources)
        if not seeds:  # a seed in the training config (Hydra, Kedro parameters, params.yaml)
            seeds = [
                Artifact(h.path, h.line, f"seed in the config: {h.text}")
                for h in search_configs(ctx, _CONFIG_SEED, (".yaml", ".yml"))
                if not h.path.startswith((".github/", ".gitlab")) and not is_test_file(ctx, h.path)
            ][:3]
        null_seed = seed_off_by_default(ctx) if seeds else None
        if null_seed:  # `if cfg.seed: seed_everything(cfg.seed)` with `seed: null` by default seeds nothing
            seeds = [a for a in seeds if a.line is None or not guarded_seed(ctx, a.path, a.line)]
        if seeds:
            ingredients["seeds"] = [Evidence(a.path, a.line, a.detail) for a in seeds[:3]]
        pins = [Evidence(p, None, "lock file pins the environment") for p in ctx.files.named(*LOCK_FILES)]
        for path in files_named(ctx, r"requirements[^/]*\.txt"):
            pinned, total = requirements_pinned(ctx.files.text(path) or "")
            if total and pinned >= 0.8 * total:  # a stray >= among pins still fixes the environment in practice
                pins.append(Evidence(path, None, f"{pinned} of {total} requirements pinned to an exact version"))
        if pins:
            ingredients["pinned environment"] = pins[:3]
        data = [Evidence(p, None, "DVC lock records data and model hashes") for p in ctx.dvc.locks]
        data += [Evidence(p, None, "data tracked by DVC") for p in ctx.dvc.tracked[:2]]
        if data:
            ingredients["versioned data"] = data
        containers = files_named(ctx, r"Dockerfile[^/]*|[^/]+\.Dockerfile|Containerfile")
        if containers:
            ingredients["container"] = [Evidence(p, None, "container image definition") for p in containers[:2]]
        repro, determinism = self._reproduction(ctx)
        if determinism and not repro:  # a seeded test of one step or a forward pass: an ingredient, not a rerun
            ingredients["seeded determinism test (not a training run)"] = determinism[:2]
        evidence = [e for items in ingredients.values() for e in items]
        names = ", ".join(ingredients) or "none"
        if len(ingredients) < 2 and "seeds" not in ingredients:  # fixed seeds alone: reproducible by hand
            return missing(
                f"reproducibility ingredients found: {names} (fixed seeds, or at least two, are needed)",
                "Add seeds or determinism flags, a pinned environment (lock file), versioned data (DVC) and/or a container definition.",
                evidence,
            )
        if repro:
            return automated(f"ingredients: {names}; CI reproduces and compares", repro + evidence)
        return manual(
            f"ingredients: {names}; no automated reproduction check",
            evidence,
            "Add a CI job that re-runs training and fails on a difference: `dvc repro` then `git diff --exit-code dvc.lock` "
            "(or `dvc status`), or a test that trains twice with the same seed and compares predictions.",
        )

    @staticmethod
    def _reproduction(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        """(CI reruns that compare results, seeded tests that run no training twice)."""
        found = []
        determinism = []
        repro_jobs = {c.runner.job for c in ctx.wiring.ci_starts(r"\bdvc\s+(repro|exp\s+run)\b")}
        for command in ctx.wiring.ci_starts(
            r"git\s+diff\s+(--exit-code|--quiet)[^|]*dvc\.lock|\bdvc\s+status\b|dvc\s+diff\b|git\s+diff\s+--exit-code\s*$"
        ):
            if command.runner.job in repro_jobs:
                found.append(
                    Evidence(
                        command.runner.path,
                        command.runner.line,
                        f"`{command.command}` after `dvc repro` fails on a changed result",
                        command.runner.describe(),
                    )
                )
        for path, tests in per_outline(ctx, "test-functions-named-repro:1", ctx.tests.files, _repro_named_tests):
            if _REPRO_NAME.search(path.rsplit("/", 1)[-1]):  # a reproducibility test file: all its tests
                tests = ctx.python.outline(path).test_functions()
            training = set(trains_twice(ctx, path, list(tests))) if tests else set()
            for name, line in tests:
                if (name, line) not in training:
                    determinism.append(Evidence(path, line, f"seeded test {name} compares runs without training"))
                    continue
                evidence, runner = runner_evidence(ctx, Artifact(path, line, f"reproducibility test {name}"))
                if runner and runner.automatic:
                    found.append(evidence)
        return found, determinism


_REPRO_NAME = re.compile(r"reproduc|determinis|same_seed|seeded", re.I)


def _repro_named_tests(outline: ModuleFacts) -> tuple[tuple[str, int], ...]:
    return tuple((name, line) for name, line in outline.test_functions() if _REPRO_NAME.search(name))


_CONFIG_SEED = r"^\s*(random_state|random_seed|seed|seed_value)\s*:\s*\d+\s*(#.*)?$"
_RANDOM_STATE_ESTIMATORS = names(
    "train_test_split",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "XGBClassifier",
    "XGBRegressor",
    "LGBMClassifier",
    "LGBMRegressor",
    "LogisticRegression",
    "KFold",
    "StratifiedKFold",
    "ExtraTreesClassifier",
    "DecisionTreeClassifier",
    "CatBoostClassifier",
    "MLPClassifier",
    "KMeans",
)


# -- infra-2 ------------------------------------------------------------------------------------
class Infra2(Check):
    id = "infra-2"
    section = "infra"
    title = "Model specs are unit tested"
    rationale = (
        "Model code has bugs that do not crash: wrong shapes broadcast, losses that never fall, weights "
        "that never load. Unit tests of the model code catch them before a long training run does."
    )
    evidence = (
        "test files that import the project's model or training modules (resolved through imports, not file names)",
        "model modules: files defining nn.Module / LightningModule / keras.Model / BaseEstimator classes, or model/train modules",
        "the CI job, tox/nox session or Makefile target that runs those tests",
    )
    manual = "tests of model code exist but no CI job runs them"
    automated = "a push, pull-request or scheduled CI job runs them"
    remediation = (
        "Write pytest tests that import your model code and assert on it (output shapes, one training step "
        "lowers the loss, a tiny batch can be overfit, save/load round trip), and run `pytest` in CI on every push."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        targets = model_modules(ctx)
        if not targets:
            return missing("no model or training code found to test", self.remediation)
        # tests of the trained model itself (loaded from the artifact the project versions) when none imports model code
        artifacts = tests_importing(ctx, targets) or tests_loading_model_artifacts(ctx)
        return score_artifacts(
            ctx,
            artifacts,
            found=f"{pluralise(len(artifacts), 'test file')} exercise model code",
            none=f"{pluralise(len(targets), 'model module')} but no test imports them",
            to_automate="Run these tests in a CI job triggered on push or pull request (e.g. `pytest` in .github/workflows).",
            to_start=self.remediation,
            accept_pipeline=False,
        )


# -- infra-3 ------------------------------------------------------------------------------------
PIPELINE_COMMANDS = (
    r"\bdvc\s+(repro|exp\s+run)\b|\bkedro\s+run\b|\bmlflow\s+run\b|\bzenml\s+pipeline\s+run\b|"
    r"\bmetaflow\b|\bpython\S*\s+\S*flow\S*\.py\s+run\b|\bdagster\s+job\s+execute\b|\bairflow\s+dags\s+test\b"
)
_TRAIN_ENTRY = re.compile(r"(^|/)(train\w*|run_pipeline|pipeline|main_train)\.(py|ipynb)$")
_E2E_NAME = re.compile(r"e2e|end_to_end|integration|pipeline|smoke", re.I)


class Infra3(Check):
    id = "infra-3"
    section = "infra"
    title = "The full ML pipeline is integration tested"
    rationale = (
        "Each stage can pass its unit tests while the chain from raw data to a served model is broken. "
        "Only an end-to-end run on a small dataset proves the stages fit together."
    )
    evidence = (
        "CI running the whole pipeline: `dvc repro`, `dvc exp run`, `kedro run`, `mlflow run`, Metaflow `flow.py run`",
        "a scheduled orchestrator pipeline (Airflow DAG with a schedule, Kubeflow recurring run, Vertex schedule)",
        "integration / e2e / smoke tests of the pipeline that CI runs",
        "a multi-stage pipeline (dvc.yaml, Kedro, Kubeflow, TFX, Airflow...) a person runs end to end: 0.5",
    )
    manual = "a full pipeline exists and a person runs it (or an e2e test nothing runs)"
    automated = "CI or a scheduler starts the full pipeline, or CI runs an end-to-end test"
    remediation = (
        "Run the whole pipeline on a small sample in CI: e.g. a job that runs `dvc repro` (with sample-size "
        "params), `kedro run`, or an end-to-end pytest that goes from raw data to a scored model."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        runs = [c for c in ctx.wiring.find(PIPELINE_COMMANDS) if c.runner.kind != "pre-commit"]
        if ctx.dvc.stages is not None and not ctx.dvc.stages:
            runs = [c for c in runs if not re.search(r"\bdvc\b", c.command)]
        auto = [c for c in runs if c.runner.automatic]
        evidence = [
            Evidence(c.runner.path, c.runner.line, f"runs `{c.command}`", c.runner.describe()) for c in auto[:3]
        ]
        scheduled = [p for p in ctx.code_pipelines if p.scheduled]
        evidence += [
            Evidence(p.path, p.line, f"{p.orchestrator} pipeline {p.name} with a schedule") for p in scheduled[:3]
        ]
        for path, runner in self._training_runs(ctx):
            evidence.append(
                Evidence(path, None, "training entry point run by CI (a smoke run of the pipeline)", runner.describe())  # type: ignore[attr-defined]
            )
        platform_auto, platform_by_hand = platform_runs(ctx)
        evidence += platform_auto[:3]
        e2e = end_to_end_tests(ctx, _imports_project_code)
        for artifact in e2e:
            item, runner = runner_evidence(ctx, artifact)
            if runner and runner.automatic and runner.kind == "ci":
                evidence.append(item)
        if evidence:
            return automated("the full pipeline runs automatically", evidence)
        manual_evidence = [
            Evidence(c.runner.path, c.runner.line, f"runs `{c.command}`", c.runner.describe()) for c in runs[:2]
        ]
        if len(ctx.dvc.stages) >= 2:
            manual_evidence.append(
                Evidence(
                    ctx.dvc.pipelines[0],
                    None,
                    f"DVC pipeline of {len(ctx.dvc.stages)} stages (`dvc repro` runs it end to end)",
                )
            )
        manual_evidence += [
            Evidence(p.path, p.line, f"{p.orchestrator} pipeline {p.name}") for p in ctx.code_pipelines[:3]
        ]
        manual_evidence += [Evidence(a.path, a.line, a.detail) for a in e2e[:3]]
        manual_evidence += platform_by_hand[:3] + hand_run_pipelines(ctx)[:3]
        if manual_evidence:
            return manual(
                "a full pipeline exists, but only a person starts it",
                manual_evidence,
                "Start the pipeline from CI on push or on a schedule (e.g. `dvc repro` on a small sample in a GitHub Actions job).",
            )
        return missing("no end-to-end pipeline or integration test found", self.remediation)

    @staticmethod
    def _training_runs(ctx: AuditContext) -> list[tuple[str, object]]:
        """Training scripts that a CI job (not a pipeline stage nobody starts) runs on its own."""
        found = []
        for path in project_sources(ctx):
            if not _TRAIN_ENTRY.search(path):
                continue
            runner = next((r for r in ctx.wiring.runners_for(path) if r.kind == "ci" and r.automatic), None)
            if runner is not None:
                found.append((path, runner))
        return found[:3]


def _test_count(outline: ModuleFacts) -> tuple[int, int]:
    """How many test functions, and the first one's line (0 when none)."""
    tests = outline.test_functions()
    return len(tests), tests[0][1] if tests else 0


def _imports_project_code(ctx: AuditContext, path: str) -> bool:
    """Whether a test file imports a project file (ctx.python.project_imports, from the cached imports when known)."""
    known = ctx.fact(_cached_test_imports)
    if path in known:
        return bool(known[path] - {None, path})
    return bool(ctx.python.project_imports(path))


# -- infra-4 ------------------------------------------------------------------------------------
_METRIC_WORDS = rb"auc|roc_auc|accuracy|acc|f1|f1_score|precision|recall|rmse|mse|mae|r2|metric|metrics|map|ndcg|bleu|rouge|perplexity|score"
METRIC_NAMES = names(*_METRIC_WORDS.decode().split("|"))
# the metric word anywhere in an identifier: val_accuracy like accuracy_val, new_f1 like f1_new
_GATE_LINE = re.compile(
    rb"(?im)^[ \t]*(?:assert|if|elif)\b[^\n]*(?<![A-Za-z0-9])(?:" + _METRIC_WORDS + rb")\w*\b[^\n]*[<>]"
)
_METRIC_COMPARE_ANY = re.compile(rb"(?i)(?<![A-Za-z0-9])(?:" + _METRIC_WORDS + rb")\w*\b[^\n]*[<>]")
_PROMOTION_HINT = re.compile(
    rb"promot|transition_model_version_stage|set_registered_model_alias|register_model|update_model_package|deploy"
)
METRIC_PARTS = parts(*_METRIC_WORDS.decode().split("|"))
GATE_CALLS = names(
    "tensorflow_model_analysis.MetricThreshold",
    "tensorflow_model_analysis.GenericValueThreshold",
    "tensorflow_model_analysis.GenericChangeThreshold",
    "sagemaker.workflow.condition_step.ConditionStep",
    "kfp.dsl.Condition",
    "kfp.dsl.If",
    "kfp.v2.dsl.Condition",  # `from kfp.v2 import dsl` (KFP 1.8's v2 namespace, Vertex samples)
    "kfp.v2.dsl.If",
    "mlflow.models.MetricThreshold",
    "mlflow.validate_evaluation_results",
)


def _metric_gate_line_of(ctx: AuditContext, path: str) -> tuple[tuple[tuple[int, bool, bool], ...], bool]:
    """(line, decides promotion, bounds only a loss) of the file's metric gate; cached per file."""
    tree = ctx.parsed.python(path)
    gate = metric_gate(tree) if tree is not None else None
    return (() if gate is None else ((*gate, _loss_only(ctx, path, gate[0])),)), tree is not None


def _reported_evaluation_of(ctx: AuditContext, path: str) -> tuple[tuple[int, ...], bool]:
    tree = ctx.parsed.python(path)
    line = reports_evaluation(tree) if tree is not None else None
    return (() if line is None else (line,)), tree is not None


_QUALITY_WORD = re.compile(
    r"(?<![A-Za-z0-9])(auc|accuracy|acc|f1|precision|recall|rmse|mse|mae|r2|map|ndcg|bleu|rouge|perplexity|score)", re.I
)


def _loss_only(ctx: AuditContext, path: str, line: int) -> bool:
    """Whether the asserted line bounds a loss and no quality metric (`assert logged["train_loss"] < 0.1`
    after overfitting one batch): a sanity check of training code, not an evaluation gate."""
    lines = (ctx.files.text(path) or "").splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return "loss" in text.lower() and not _QUALITY_WORD.search(text)


class Infra4(Check):
    id = "infra-4"
    section = "infra"
    title = "Model quality is validated before attempting to serve it"
    rationale = (
        "A model can train without error and still be worse than the one in production. A gate on its "
        "metrics, absolute or against the current model, stops it before users see it."
    )
    evidence = (
        "a metric gate script (compares a metric to a threshold and exits non-zero) run by CI or a pipeline stage",
        "tests asserting metric thresholds (`assert auc >= 0.8`) that CI runs",
        "TFX Evaluator thresholds (tfma.MetricThreshold), SageMaker ConditionStep, KFP dsl.Condition/If, MLflow validation thresholds",
        "`dvc metrics diff` / CML reports in CI: a comparison without a failing condition is 0.5",
    )
    manual = "metrics are compared or evaluated, but no automated gate fails on them"
    automated = "CI or the pipeline fails when a metric is below its threshold or worse than production"
    remediation = (
        "Add a gate that fails the pipeline when the new model is below a threshold or worse than the "
        "current one: a script that reads the metrics file and exits 1, run by CI after training, or TFX "
        "Evaluator thresholds feeding the Pusher."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        gates: list[Artifact] = []
        project = set(project_sources(ctx))
        sources = [p for p in ctx.python.sources if p.endswith(".py") and (p in project or is_test_file(ctx, p))]
        named = set(ctx.python.candidates(METRIC_NAMES, sources)) | set(ctx.python.with_parts(METRIC_PARTS, sources))
        pool = [p for p in sources if p in named]
        gating = set(grep_code(ctx, _GATE_LINE, pool))
        # a comparison anywhere (`return mae < max_mae`, `x if recall >= t else y`) in code that promotes
        promoting = grep_code(ctx, _PROMOTION_HINT, [p for p in pool if p not in gating])
        gating |= set(grep_code(ctx, _METRIC_COMPARE_ANY, promoting))
        candidates = [p for p in pool if p in gating]
        for path, found in per_file(ctx, "metric-gate-line:4", candidates, partial(_metric_gate_line_of, ctx)):
            for line, promotion, loss_only in found:  # none or one
                if promotion:
                    kind = "a metric comparison decides the model's promotion"
                elif is_test_file(ctx, path):
                    if loss_only:
                        continue  # a training-loss bound in a test checks the training code (infra-2), not a model to serve
                    kind = "test asserts a metric threshold"
                else:
                    kind = "fails when a metric misses its threshold"
                gates.append(Artifact(path, line, kind))
        gates += call_artifacts(
            ctx,
            GATE_CALLS,
            limit=3,
            describe=lambda c: f"{c.name.rsplit('.', 1)[-1]}: a metric threshold in the pipeline",
        )
        wired: list[Evidence] = []
        unwired: list[Evidence] = []
        for gate in gates:
            # a promotion rule in a helper module runs when the pipeline step importing it runs
            find = runner_evidence if is_test_file(ctx, gate.path) else reach_evidence
            proof, runner = find(ctx, gate)
            in_pipeline = "a metric threshold in the pipeline" in gate.detail  # notebooks append "(cell N)"
            (wired if (runner and runner.automatic) or in_pipeline else unwired).append(proof)
        if wired:
            return automated(f"{pluralise(len(wired), 'metric gate')} run automatically", wired + unwired[:2])
        compare = ctx.wiring.find(r"\bdvc\s+metrics\s+diff\b|\bdvc\s+exp\s+diff\b")
        evidence = unwired + [
            Evidence(
                c.runner.path, c.runner.line, f"`{c.command}` compares metrics without failing", c.runner.describe()
            )
            for c in compare[:2]
        ]
        reports = self._reported_evaluations(ctx, sources)
        evidence += reports[:2]
        evidence += self._metric_comments(ctx, {e.path for e in reports})[:2]
        metric_stages = [s for s in ctx.dvc.stages if s.metrics]
        evidence += [
            Evidence(s.path, s.line, f"stage '{s.name}' records metrics {', '.join(s.metrics[:2])}")
            for s in metric_stages[:2]
        ]
        if evidence:
            return manual(
                "model quality is measured, but no automated gate blocks a worse model",
                evidence,
                "Make the comparison fail the build: run the threshold script or metric test in CI (or as a DVC stage) before deployment.",
            )
        return missing("no evaluation gate before serving found", self.remediation)

    @staticmethod
    def _reported_evaluations(ctx: AuditContext, sources: list[str]) -> list[Evidence]:
        """Evaluations of a saved model whose metrics are written or logged, deciding nothing."""
        project = [p for p in sources if not is_test_file(ctx, p)]
        candidates = ctx.python.candidates(MODEL_LOADS, project)
        found = []
        for path, lines in per_file(ctx, "reported-evaluation:1", candidates, partial(_reported_evaluation_of, ctx)):
            for line in lines:
                runner = next(iter(ctx.wiring.runners_for(path)), None)
                detail = "evaluates a saved model and reports its metrics; nothing decides on them"
                found.append(Evidence(path, line, detail, runner.describe() if runner else None))
        return found

    @staticmethod
    def _metric_comments(ctx: AuditContext, evaluations: set[str]) -> list[Evidence]:
        """CML / pull-request comments from a CI job that produces model metrics: a comment from a
        job that computes no metric (only trains, or echoes a title) compares nothing."""
        posts = ctx.wiring.find(r"\bcml\s+(comment|send-comment)\b|\bcml-send-comment\b|\bgh\s+pr\s+comment\b")
        found = []
        for post in posts:
            job = post.runner.job
            same_job = [c for c in ctx.wiring.commands if c.runner.job == job] if job else [post]
            metrics = any(_METRIC_SOURCE.search(c.command) for c in same_job) or any(
                path in evaluations for c in same_job for path in _paths_in(c.command)
            )
            if metrics:
                found.append(
                    Evidence(
                        post.runner.path,
                        post.runner.line,
                        f"`{post.command}` posts the model's metrics for review without failing",
                        post.runner.describe(),
                    )
                )
        return found


_METRIC_SOURCE = re.compile(
    r"\bdvc\s+(metrics|plots|exp\s+(show|diff))\b|\bcml\s+(publish|asset\s+publish)\b|"
    r"(cat|tee|jq)\s+[^|>]*(metric|score|eval|result)\w*\.(json|ya?ml|txt|md|csv)",
    re.I,
)


def _paths_in(command: str) -> list[str]:
    return [w for w in command.split() if w.endswith(".py")]


# -- infra-5 ------------------------------------------------------------------------------------
DEBUG_CALLS = names(
    "shap.Explainer",
    "shap.TreeExplainer",
    "shap.KernelExplainer",
    "shap.DeepExplainer",
    "shap.LinearExplainer",
    "shap.GradientExplainer",
    "lime.lime_tabular.LimeTabularExplainer",
    "explain_instance",
    "captum.attr.IntegratedGradients",
    "captum.attr.Saliency",
    "captum.attr.LayerConductance",
    "captum.attr.DeepLift",
    "captum.attr.GradientShap",
    "alibi.explainers.AnchorTabular",
    "register_forward_hook",
    "register_full_backward_hook",
    "tensorflow.config.run_functions_eagerly",
    "tensorflow.debugging.experimental.enable_dump_debug_info",
    "torch.autograd.set_detect_anomaly",
    "interpret.glassbox.ExplainableBoostingClassifier",
    "eli5.explain_prediction",
    "dtreeviz",
)


class Infra5(Check):
    id = "infra-5"
    section = "infra"
    title = "The model allows debugging by observing the step-by-step computation of training or inference on a single example"
    rationale = (
        "When a prediction looks wrong, an engineer must be able to run one example through the model and "
        "see the intermediate values: features after preprocessing, attributions, layer outputs."
    )
    evidence = (
        "per-example explanations: SHAP explainers, LIME explain_instance, Captum attributions, alibi",
        "inspection hooks and debug modes: register_forward_hook, tf.config.run_functions_eagerly, tfdbg dumps, set_detect_anomaly",
        "a deployed explainer: KServe `explainer:` / Seldon `explainer:` in a serving manifest",
        "a test CI runs that exercises the explanation or debug path",
    )
    manual = "a single-example explanation or debug path exists in code or notebooks"
    automated = "CI tests that path, or a deployed explainer serves it"
    remediation = (
        "Give the model a way to explain one example (SHAP/LIME/Captum, or a debug mode that prints features "
        "after preprocessing and layer outputs) and cover it with a test that CI runs."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        deployed = search_configs(ctx, r"^\s*explainer\s*:")
        if deployed:
            return automated(
                "a deployed explainer serves per-example explanations",
                [Evidence(h.path, h.line, f"serving manifest: {h.text}") for h in deployed[:3]],
            )
        tests = call_artifacts(ctx, DEBUG_CALLS, ctx.tests.files, describe=lambda c: f"test calls {c.name}", limit=5)
        code = call_artifacts(ctx, DEBUG_CALLS, limit=10)
        debug_modules = {a.path: a.detail for a in code}
        tests += [
            a
            for a in tests_importing(ctx, debug_modules)
            if _DEBUG_TEST.search(a.path) or any(_DEBUG_TEST.search(n) for n, _ in ctx.python.outline(a.path).functions)
        ]
        for test in tests:
            evidence, runner = runner_evidence(ctx, test)
            if runner and runner.automatic and runner.kind == "ci":
                return automated(
                    "CI tests the single-example explanation/debug path",
                    [evidence] + [Evidence(a.path, a.line, a.detail) for a in code[:2]],
                )
        artifacts = code + tests
        if artifacts:
            return manual(
                "a single-example explanation or debug path exists; nothing tests it automatically",
                [Evidence(a.path, a.line, a.detail) for a in artifacts[:4]],
                "Add a test of the explanation/debug path (one example in, intermediate values asserted) and run it in CI.",
            )
        return missing("no way to inspect a single example's computation found", self.remediation)


_DEBUG_TEST = re.compile(r"explain|shap|lime|captum|attribution|debug|intermediate|hook", re.I)


# -- infra-6 ------------------------------------------------------------------------------------
CANARY_KEYS = (
    (r"canaryTrafficPercent\s*[:=]", "KServe canary traffic split"),
    (r"^\s*kind:\s*Rollout\b", "Argo Rollouts rollout"),
    (r"^\s*kind:\s*Canary\b", "Flagger canary"),
    (r"^\s*(setWeight|stepWeight|maxWeight)\s*:", "progressive traffic steps"),
    (r"\bInitialVariantWeight\b|\bShadowProductionVariants\b", "SageMaker weighted/shadow variants"),
    (r"\b(CANARY|LINEAR)\b.*TrafficRouting|TrafficRoutingConfiguration", "SageMaker deployment guardrails"),
    (r"^\s*mirror(_traffic|ing)?\s*:", "shadow (mirrored) traffic"),
    (r"^\s*shadow\s*:\s*true", "Seldon shadow deployment"),
    (r"^\s*traffic\s*:\s*\d", "weighted traffic split"),
    (r"^\s*(- )?weight\s*:\s*([1-9]|[1-9]\d)\s*$", "weighted route (Istio/Seldon)"),
    (r"InfraValidator", "TFX InfraValidator loads the model in the serving binary"),
)
# a managed platform shifting traffic gradually, with no canary analysis of its own (Anyscale services)
GRADUAL_ROLLOUT = r"^\s*rollout_strategy\s*:\s*['\"]?ROLLOUT\b"
CANARY_CALLS = names("tfx.components.InfraValidator", "traffic_split", "traffic_percentage", "ProductionVariant")


class Infra6(Check):
    id = "infra-6"
    section = "infra"
    title = "Models are tested via a canary process before they enter production serving environments"
    rationale = (
        "A model that passed offline validation can still fail in the serving binary or on live traffic. "
        "A canary or shadow phase exposes it to a slice of traffic first."
    )
    evidence = (
        "KServe canaryTrafficPercent, Argo Rollouts canary steps, Flagger Canary, Istio/Seldon weighted routes",
        "SageMaker production variants with weights, shadow variants or deployment guardrails; Vertex traffic_split",
        "TFX InfraValidator (the model is loaded in the real serving binary before push)",
        "a staged deployment (staging environment before production) in CI/CD: 0.5",
    )
    manual = "a staged deployment a person promotes, a gradual rollout without canary checks, or a traffic split nothing deploys"
    automated = "a canary/shadow/traffic-split config or InfraValidator gates each new model"
    remediation = (
        "Roll out new models to a slice of traffic first: KServe `canaryTrafficPercent`, an Argo Rollouts or "
        "Flagger canary, or SageMaker weighted/shadow variants; or load each model in the serving binary "
        "(TFX InfraValidator) before it is pushed."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        evidence = []
        # Argo Rollouts, Flagger and Seldon configs the rollout reader finds splitting traffic with no
        # automatic analysis: a person (or a timer) promotes, which RUBRIC.md scores as the manual form.
        unchecked = {
            r.path: r.detail
            for r in rollouts(ctx)
            if r.split and not r.checked and r.system in ("argo-rollouts", "flagger", "seldon")
        }
        hand_promoted: list[Evidence] = []
        for pattern, what in CANARY_KEYS:
            for hit in search_configs(ctx, pattern)[:2]:
                if hit.path in unchecked:
                    if all(e.path != hit.path for e in hand_promoted):
                        hand_promoted.append(Evidence(hit.path, hit.line, unchecked[hit.path]))
                elif not hit.path.startswith(".github/") and not hit.path.endswith(".gitlab-ci.yml"):
                    evidence.append(Evidence(hit.path, hit.line, f"{what}: {hit.text}"))
        for artifact in call_artifacts(ctx, CANARY_CALLS, limit=3):
            evidence.append(Evidence(artifact.path, artifact.line, artifact.detail))
        weighted, undeployed = self._helm_weights(ctx)
        evidence += weighted
        if evidence:
            return automated("new models meet a slice of traffic (or the serving binary) first", evidence[:5])
        staged = hand_promoted + undeployed + self._staged_deploy(ctx)
        staged += [
            Evidence(h.path, h.line, f"managed gradual rollout, no canary checks: {h.text}")
            for h in search_configs(ctx, GRADUAL_ROLLOUT)[:2]
        ]
        if staged:
            return manual(
                "traffic is split but nothing checks the new model automatically"
                if hand_promoted
                else "deployment is staged (staging before production) but has no traffic split",
                staged,
                "Add a canary or shadow phase with a traffic split, and promote only when it is healthy.",
            )
        return missing("no canary, shadow or staged rollout found", self.remediation)

    @staticmethod
    def _helm_weights(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        """Weighted routes whose weights a Helm chart templates: (deployed by the repo, applied by hand)."""
        deployed, by_hand = [], []
        for value in templated_values(ctx, "weight"):
            if not isinstance(value.value, int) or not 0 < value.value < 100:
                continue
            what = f"weighted route {value.value}% (Helm value {value.key} in {value.chart or '.'}/values.yaml)"
            runner = chart_deployment(ctx, value.chart)
            if runner is not None:
                how = runner if isinstance(runner, str) else runner.describe()
                deployed.append(Evidence(value.path, value.line, what, how))
            else:
                by_hand.append(Evidence(value.path, value.line, f"{what}; nothing in the repository deploys the chart"))
        return deployed, by_hand

    @staticmethod
    def _staged_deploy(ctx: AuditContext) -> list[Evidence]:
        found = []
        for pipeline in ctx.ci:
            text = ctx.files.text(pipeline.path) or ""
            match = re.search(
                r"^\s*(environment|name)\s*:\s*['\"]?(staging|stage|canary|pre-?prod\w*)\b", text, re.M | re.I
            )
            if match and re.search(r"prod", text, re.I):
                line = text.count("\n", 0, match.start()) + 1
                found.append(Evidence(pipeline.path, line, f"deploys to {match.group(2)} before production"))
        return found


# -- infra-7 ------------------------------------------------------------------------------------
REGISTRY_CALLS = names(
    "mlflow.register_model",
    "mlflow.tracking.MlflowClient.create_model_version",
    "create_model_version",
    "transition_model_version_stage",
    "set_registered_model_alias",
    "sagemaker.workflow.step_collections.RegisterModel",
    "sagemaker.model.ModelPackage",
    "create_model_package_group",
    "google.cloud.aiplatform.Model.upload",
    "google_cloud_pipeline_components.v1.model.ModelUploadOp",  # Vertex Model Registry from a pipeline
    "bentoml.models.create",
    "registered_model_name",
    "azureml.core.model.Model.register",
    "azureml.core.Model.register",
    "azure.ai.ml.MLClient.models.create_or_update",
    "models.create_or_update",
)
# Logging a file to a run (`mlflow.log_artifact("predictions.png")`) keeps no model version: only
# model artifacts count, a wandb Artifact of type "model" or a log_model call that registers the model.
MODEL_ARTIFACT_CALLS = names("wandb.Artifact", "log_model")


def model_versions(ctx: AuditContext) -> list[Artifact]:
    found = []
    for path, call in ctx.python.find_calls(MODEL_ARTIFACT_CALLS, project_sources(ctx), limit=6):
        kind = call.kwarg("type", call.args[1] if len(call.args) > 1 else None)
        if call.name.endswith("Artifact") and kind == "model":
            found.append(Artifact(path, call.line, "logs a wandb model artifact (versioned v0, v1, ...)"))
        elif call.name.endswith("log_model") and call.kwarg("registered_model_name") is not None:
            found.append(Artifact(path, call.line, f"{call.name} registers the model (registered_model_name)"))
    return found[:3]


ROLLBACK_KEYS = (
    (r"AutoRollbackConfiguration", "SageMaker automatic rollback on alarms"),
    (r"^\s*kind:\s*Rollout\b", "Argo Rollouts (abort returns traffic to the stable version)"),
    (r"^\s*kind:\s*Canary\b", "Flagger canary (rolls back on failed analysis)"),
    (r"model_version_policy|version_labels", "TF Serving serves several versions"),
    (r"version_policy", "Triton version policy keeps several versions"),
    (r"^\s*revisionHistoryLimit\s*:\s*[1-9]", "Kubernetes keeps previous revisions"),
    (r"^\s*kind:\s*Application\b", "Argo CD GitOps: a git revert redeploys"),
    (r"canaryTrafficPercent\s*[:=]", "KServe canary: the previous revision keeps serving until promotion"),
)


class Infra7(Check):
    id = "infra-7"
    section = "infra"
    title = "Models can be quickly and safely rolled back to a previous serving version"
    rationale = (
        "When a new model misbehaves, the fastest fix is the previous model. That needs every served "
        "version kept, addressable, and a rollback that has been exercised."
    )
    evidence = (
        "a versioned model registry: MLflow register_model / aliases, SageMaker model package groups, Vertex model versions, wandb artifacts",
        "automatic rollback: Argo Rollouts, Flagger, SageMaker AutoRollbackConfiguration",
        "serving several versions: TF Serving model_version_policy / version_labels, Triton version_policy",
        "Kubernetes revisionHistoryLimit, Argo CD applications, a scripted rollback (rollback script/target/job)",
    )
    manual = "models are versioned (registry, versioned artifacts) or a rollback script exists"
    automated = "rollback is automatic or a standing mechanism (progressive delivery, several versions served, GitOps)"
    remediation = (
        "Register every model version (e.g. MLflow registry with aliases) and deploy by version, then make "
        "rollback a mechanism: Argo Rollouts/Flagger abort, SageMaker auto-rollback, or serving several versions."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        evidence = []
        for pattern, what in ROLLBACK_KEYS:
            for hit in search_configs(ctx, pattern)[:2]:
                evidence.append(Evidence(hit.path, hit.line, f"{what}: {hit.text}"))
        evidence += failure_rollbacks(ctx)[:2]
        if evidence:
            return automated("a rollback mechanism is configured", evidence[:5])
        versioned = [
            Evidence(a.path, a.line, f"{a.detail} (versioned model registry)")
            for a in call_artifacts(ctx, REGISTRY_CALLS, limit=3) + model_versions(ctx)
        ]
        versioned += [
            Evidence(h.path, h.line, f"model served from a versioned path: {h.text}")
            for h in search_configs(
                ctx, r"(storageUri|model_uri|modelUri|model_data)\s*[:=].*(/v\d+|@|version|models:/)"
            )[:2]
        ]
        versioned += [Evidence(path, line, detail) for path, line, detail in versioned_serving(ctx)[:2]]
        scripted = [
            Evidence(p, None, "rollback script") for p in files_named(ctx, r"[^/]*rollback[^/]*\.(sh|py|ya?ml)")
        ]
        scripted += [
            Evidence(t.path, t.line, "Makefile target rollback")
            for targets in ctx.tasks.make.values()
            for t in targets.values()
            if "rollback" in t.name
        ]
        if versioned or scripted:
            return manual(
                "previous models are kept and addressable; rolling back is a manual procedure",
                (scripted + versioned)[:5],
                "Make rollback a mechanism rather than a procedure: progressive delivery with abort (Argo Rollouts, Flagger), auto-rollback on alarms, or serving several versions.",
            )
        return missing("no model versioning or rollback mechanism found", self.remediation)


CHECKS = (Infra1, Infra2, Infra3, Infra4, Infra5, Infra6, Infra7)
