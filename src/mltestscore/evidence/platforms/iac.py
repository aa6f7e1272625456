"""Infrastructure code that starts pipelines: CloudFormation/SAM templates (YAML with short tags
such as !Ref, or JSON), AWS CDK in Python (read with ast, never imported) and Terraform (HCL, read
with python-hcl2). Each schedule, event rule or CI source it declares becomes a Trigger.

What counts (RUBRIC.md): a schedule or CI trigger that infrastructure code in the repo creates is
automated; one the repo declares disabled, or only in an example file, is 0.5.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from mltestscore.evidence.ci import EVENT, PUSH, SCHEDULE, line_of
from mltestscore.evidence.platforms import Trigger

_EXAMPLE = re.compile(r"\.example$|\.sample$|(^|/)examples?/")


def read_triggers(ctx) -> list[Trigger]:
    return cloudformation_triggers(ctx) + cdk_triggers(ctx) + terraform_triggers(ctx)


# -- CloudFormation ---------------------------------------------------------------------------
def _cfn_loader():
    """A safe YAML loader that reads CloudFormation's short tags (!Ref x -> {"Ref": x},
    !Sub s -> {"Fn::Sub": s}) and any other unknown tag as its plain value."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CfnLoader(base):  # type: ignore[misc, valid-type, unused-ignore]
        pass

    def construct(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}

    CfnLoader.add_multi_constructor("!", construct)
    return CfnLoader


_LOADER = None


def load_cloudformation(text: str) -> Any:
    """A CloudFormation template (YAML with short tags, or JSON) as plain data; raises on bad input."""
    global _LOADER
    if text.lstrip().startswith("{"):
        return json.loads(text)
    import yaml

    if _LOADER is None:
        _LOADER = _cfn_loader()
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a SafeLoader subclass: tags become plain data)


def cloudformation_templates(ctx) -> dict[str, dict]:
    """path -> every CloudFormation/SAM template in the repository (with its Resources)."""
    return ctx.fact(_templates)


def _templates(ctx) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in ctx.files.with_suffix(".yaml", ".yml", ".json", ".template"):
        if path.startswith(".github/") or path.endswith("package.json"):
            continue
        text = ctx.files.text(path)
        if not text or "AWS::" not in text or "Resources" not in text:
            continue
        try:
            data = load_cloudformation(text)
        except Exception as error:  # bad YAML/JSON: warn and go on
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            ctx.warn(path, f"CloudFormation template not parsed ({first}); skipped")
            continue
        if isinstance(data, dict) and isinstance(data.get("Resources"), dict):
            found[path] = data
    return found


def _plain(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _referenced_names(value: Any, resources: dict, parameters: dict) -> str:
    """Names of the resources a target refers to (!Ref / !GetAtt), with their name properties, and
    the defaults of the parameters it substitutes (arn:...:pipeline/${PipelineName})."""
    text = _plain(value)
    names = [
        str(_dict(p).get("Default", ""))
        for name, p in parameters.items()
        if f"${{{name}}}" in text or f'"Ref": "{name}"' in text
    ]
    for logical, resource in resources.items():
        if isinstance(resource, dict) and f'"{logical}' in text:
            properties = resource.get("Properties") or {}
            names += [logical, str(resource.get("Type", ""))]  # AWS::CodePipeline::Pipeline: starts CodeBuild
            if isinstance(properties, dict):
                names += [_plain(v) for k, v in properties.items() if k.endswith("Name")]
    return " ".join(names)


def cloudformation_triggers(ctx) -> list[Trigger]:
    triggers = []
    for path, template in cloudformation_templates(ctx).items():
        resources, parameters = template["Resources"], _dict(template.get("Parameters"))
        text = ctx.files.text(path)
        example = bool(_EXAMPLE.search(path))
        for logical, resource in resources.items():
            if not isinstance(resource, dict):
                continue
            kind = resource.get("Type")
            props = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
            line = line_of(text, f"{logical}:") or line_of(text, f'"{logical}"')
            if kind in ("AWS::Events::Rule", "AWS::Scheduler::Schedule"):
                targets = props.get("Targets") or props.get("Target")  # type: ignore[union-attr]
                target = _plain(targets) + " " + _referenced_names(targets, resources, parameters)
                state = str(props.get("State", "ENABLED")).upper()  # type: ignore[union-attr]
                enabled = not example and not state.startswith("DISABLED")
                expression = props.get("ScheduleExpression")  # type: ignore[union-attr]
                if expression:
                    text_of = expression if isinstance(expression, str) else _plain(expression)
                    triggers.append(
                        Trigger(SCHEDULE, text_of, path, line, f"CloudFormation {logical}", target, "aws", enabled)
                    )
                elif props.get("EventPattern"):  # type: ignore[union-attr]
                    pattern = props["EventPattern"]  # type: ignore[index]
                    what = _plain(pattern.get("detail-type") or pattern.get("source") or pattern)[:60]
                    approval = _dict(pattern.get("detail")).get("ModelApprovalStatus")
                    what += f" ModelApprovalStatus {_plain(approval)}" if approval else ""
                    triggers.append(
                        Trigger(EVENT, f"event {what}", path, line, f"CloudFormation {logical}", target, "aws", enabled)
                    )
            elif kind == "AWS::CodePipeline::Pipeline" and _has_source_action(props):  # type: ignore[arg-type]
                triggers.append(
                    Trigger(PUSH, "source change", path, line, f"CloudFormation CodePipeline {logical}", "codebuild")
                )
            elif kind == "AWS::CodeBuild::Project" and _dict(props.get("Triggers")).get("Webhook") is True:  # type: ignore[union-attr]
                triggers.append(
                    Trigger(PUSH, "webhook", path, line, f"CloudFormation CodeBuild {logical}", "codebuild", "aws")
                )
    return triggers


def _has_source_action(props: dict) -> bool:
    for stage in props.get("Stages") or []:
        for action in _dict(stage).get("Actions") or []:
            polling = _dict(_dict(action).get("Configuration")).get("PollForSourceChanges")
            if _dict(_dict(action).get("ActionTypeId")).get("Category") == "Source" and str(polling).lower() != "false":
                return True  # PollForSourceChanges false: only an event rule (or a person) starts it
    return False


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


# -- AWS CDK in Python ------------------------------------------------------------------------
_CDK_SOURCE_ACTIONS = re.compile(
    r"(CodeStarConnectionsSourceAction|CodeCommitSourceAction|GitHubSourceAction|BitBucketSourceAction|"
    r"CodePipelineSource\.(connection|git_hub|code_commit))$"
)


def cdk_triggers(ctx) -> list[Trigger]:
    triggers = []
    for path in ctx.python.candidates(["aws_cdk"]):
        tree = ctx.parsed.python(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            kwargs = {k.arg: k.value for k in node.keywords if k.arg}
            if name.endswith(("Rule", "CfnRule", "CfnSchedule")) and (
                "schedule" in kwargs or "schedule_expression" in kwargs or "event_pattern" in kwargs
            ):
                enabled = not (
                    isinstance(kwargs.get("enabled"), ast.Constant) and kwargs["enabled"].value is False  # type: ignore[attr-defined]
                ) and not (isinstance(kwargs.get("state"), ast.Constant) and kwargs["state"].value == "DISABLED")  # type: ignore[attr-defined]
                target = " ".join(ast.unparse(kwargs[k]) for k in ("targets", "target") if k in kwargs)
                construct = _construct_id(node)
                if "schedule" in kwargs or "schedule_expression" in kwargs:
                    expression = _schedule_text(kwargs.get("schedule") or kwargs["schedule_expression"])
                    triggers.append(
                        Trigger(SCHEDULE, expression, path, node.lineno, f"CDK {construct}", target, "aws", enabled)
                    )
                else:
                    triggers.append(
                        Trigger(EVENT, "event rule", path, node.lineno, f"CDK {construct}", target, "aws", enabled)
                    )
            elif _CDK_SOURCE_ACTIONS.search(name):
                triggers.append(Trigger(PUSH, "source change", path, node.lineno, "CDK CodePipeline", "codebuild"))
    return triggers


def _construct_id(node: ast.Call) -> str:
    """The construct id (second positional argument: Rule(self, "WeeklyRetrain", ...))."""
    for arg in node.args[1:2]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return ast.unparse(node.func).rsplit(".", 1)[-1]


def _schedule_text(node: ast.AST) -> str:
    """Schedule.rate(Duration.days(7)) -> rate(7 days); Schedule.expression("cron(...)") -> cron(...)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call):
        method = ast.unparse(node.func).rsplit(".", 1)[-1]
        if method == "expression" and node.args and isinstance(node.args[0], ast.Constant):
            return str(node.args[0].value)
        if method == "rate" and node.args and isinstance(node.args[0], ast.Call):
            unit = ast.unparse(node.args[0].func).rsplit(".", 1)[-1]
            amount = ", ".join(ast.unparse(a) for a in node.args[0].args)
            return f"rate({amount} {unit})"
        if method == "cron":
            fields = " ".join(
                f"{k.arg}={k.value.value if isinstance(k.value, ast.Constant) else ast.unparse(k.value)}"  # type: ignore[str-bytes-safe]
                for k in node.keywords
            )
            return f"cron({fields})"
    return ast.unparse(node)


# -- Terraform ----------------------------------------------------------------------------------
_TF_TYPES = re.compile(
    r'resource\s+"(aws_cloudwatch_event_rule|aws_scheduler_schedule|google_cloud_scheduler_job|'
    r'aws_codepipeline|aws_codebuild_webhook|google_cloudbuild_trigger)"'
)


def terraform_resources(ctx) -> list[tuple[str, str, str, dict]]:
    """(path, type, name, attributes) of every Terraform resource (python-hcl2; lazily imported)."""
    return ctx.fact(_terraform)


def _terraform(ctx) -> list[tuple[str, str, str, dict]]:
    found: list[tuple[str, str, str, dict]] = []
    paths = [p for p in ctx.files.with_suffix(".tf") if "resource" in (ctx.files.text(p) or "")]
    if not paths:
        return found
    try:
        import hcl2
    except ImportError:
        ctx.warn(paths[0], "python-hcl2 is not installed: Terraform files not read")
        return found
    for path in paths:
        try:
            data = hcl2.loads(ctx.files.text(path) or "")
        except Exception as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            ctx.warn(path, f"Terraform file not parsed ({first[:120]}); skipped")
            continue
        for block in data.get("resource") or []:
            for kind, named in _dict(block).items():
                for name, attributes in _dict(named).items():
                    found.append((path, _unquote(kind), _unquote(name), _dict(attributes)))
    return found


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def terraform_triggers(ctx) -> list[Trigger]:
    if not any(_TF_TYPES.search(ctx.files.text(p) or "") for p in ctx.files.with_suffix(".tf")):
        return []  # parse HCL only when a resource that starts something is there
    triggers = []
    resources = terraform_resources(ctx)
    targets_of: dict[str, str] = {}  # aws event rule name -> its targets' text
    for path, kind, name, attributes in resources:
        if kind == "aws_cloudwatch_event_target":
            rule = str(attributes.get("rule", ""))
            targets_of[rule] = targets_of.get(rule, "") + " " + _plain(attributes)
    for path, kind, name, attributes in resources:
        text = ctx.files.text(path)
        line = line_of(text, f'"{kind}" "{name}"')
        source = f"Terraform {kind}.{name}"
        example = bool(_EXAMPLE.search(path))
        if kind == "aws_cloudwatch_event_rule":
            enabled = attributes.get("is_enabled", True) is not False and attributes.get("state") != '"DISABLED"'
            target = " ".join(v for k, v in targets_of.items() if f"{kind}.{name}." in k)
            expression = _unquote(attributes.get("schedule_expression"))
            if expression:
                triggers.append(
                    Trigger(SCHEDULE, str(expression), path, line, source, target, "aws", enabled and not example)
                )
            elif attributes.get("event_pattern"):
                triggers.append(
                    Trigger(EVENT, "event rule", path, line, source, target, "aws", enabled and not example)
                )
        elif kind == "aws_scheduler_schedule":
            enabled = attributes.get("state") != '"DISABLED"'
            triggers.append(
                Trigger(
                    SCHEDULE,
                    str(_unquote(attributes.get("schedule_expression", ""))),
                    path,
                    line,
                    source,
                    _plain(attributes.get("target")),
                    "aws",
                    enabled and not example,
                )
            )
        elif kind == "google_cloud_scheduler_job":
            enabled = attributes.get("paused") is not True
            triggers.append(
                Trigger(
                    SCHEDULE,
                    str(_unquote(attributes.get("schedule", ""))),
                    path,
                    line,
                    source,
                    _plain({k: v for k, v in attributes.items() if k != "schedule"}),
                    "gcp",
                    enabled and not example,
                )
            )
        elif kind in ("aws_codepipeline", "aws_codebuild_webhook"):
            if kind == "aws_codebuild_webhook" or _has(attributes, "category", "Source"):
                triggers.append(Trigger(PUSH, "source change", path, line, source, "codebuild", "aws", not example))
        elif kind == "google_cloudbuild_trigger" and not attributes.get("disabled"):
            body = _plain(attributes)
            if '"push"' in body or '"pull_request"' in body or "github" in body or "trigger_template" in body:
                triggers.append(Trigger(PUSH, "source change", path, line, source, "cloudbuild", "gcp", not example))
    return triggers


def _has(node: Any, key: str, value: str) -> bool:
    """Whether any nested block sets `key = "value"` (HCL values come quoted from python-hcl2)."""
    if isinstance(node, dict):
        return any((k == key and _unquote(v) == value) or _has(v, key, value) for k, v in node.items())
    if isinstance(node, list):
        return any(_has(item, key, value) for item in node)
    return False
