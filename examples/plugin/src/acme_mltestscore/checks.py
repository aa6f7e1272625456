"""Two course checks with ids of their own; the `mlops-course` rubric names them."""

from __future__ import annotations

from mltestscore.checks.base import Check
from mltestscore.results import Evidence, automated, manual, missing

MODEL_CARDS = ("MODEL_CARD.md", "model_card.md", "ModelCard.md", "docs/model_card.md", "docs/MODEL_CARD.md")


class TestsRunInCI(Check):
    id = "acme-1"
    section = "course"
    title = "The test suite runs in CI on every push"
    rationale = "A course project is graded on a pipeline that runs its tests without the student."
    evidence = ("a CI job started by push or pull request whose step runs pytest", "a CI job started by hand")
    manual = "a CI job runs pytest, but a person starts it"
    automated = "a CI job started by push or pull request runs pytest"
    remediation = "Add a CI pipeline (GitHub Actions, GitLab CI, Drone, ...) that runs `pytest` on every push."

    def run(self, ctx):
        by_hand = None
        for pipeline in ctx.ci:
            for job in pipeline.jobs:
                for step in job.steps:
                    if any("pytest" in command for command in step.commands):
                        proof = Evidence(pipeline.path, step.line, f"{pipeline.system} job {job.name!r} runs pytest")
                        if job.automatic:
                            return automated(
                                f"{pipeline.system} runs the tests on {', '.join(sorted(job.triggers))}", [proof]
                            )
                        by_hand = by_hand or proof
        if by_hand is not None:
            return manual("a CI job runs the tests, started by hand", [by_hand], self.remediation)
        return missing("no CI job runs pytest", self.remediation)


class ModelCard(Check):
    id = "acme-2"
    section = "course"
    title = "A model card documents the model"
    rationale = "The course asks for intended use, data, metrics and limits in a model card."
    evidence = (f"one of {', '.join(MODEL_CARDS)}",)
    manual = "a model card is committed"
    automated = "a CI step or pipeline stage regenerates the model card"
    remediation = "Commit MODEL_CARD.md (intended use, training data, metrics per slice, limitations)."

    def run(self, ctx):
        found = [path for path in MODEL_CARDS if path in ctx.files]
        if not found:
            return missing("no model card", self.remediation)
        proof = [Evidence(found[0], 1, "model card")]
        for pipeline in ctx.ci:
            for job in pipeline.jobs:
                for step in job.steps:
                    if job.automatic and any("model_card" in c.lower() for c in step.commands):
                        proof.append(Evidence(pipeline.path, step.line, f"{pipeline.system} regenerates it"))
                        return automated("the model card is regenerated in CI", proof)
        return manual("a model card is committed", proof, "Regenerate it in CI from the evaluation results.")


CHECKS = [TestsRunInCI, ModelCard]
