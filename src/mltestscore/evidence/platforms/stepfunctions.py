"""AWS Step Functions state machines (Amazon States Language), read as data: in CloudFormation/SAM
(`AWS::StepFunctions::StateMachine` Definition / DefinitionString / DefinitionS3Location,
`AWS::Serverless::StateMachine` Definition / DefinitionUri) or in separate `*.asl.json`/`*.asl.yaml`
files (Terraform's `definition = file(...)`).

Each Task state is a step: a SageMaker processing or training job runs the script its container
entrypoint or `sagemaker_program` names (container paths mapped back to repository files), a Lambda
task runs the handler of the function the template defines; other services (createModel,
createEndpoint, Glue, Batch) are steps with no repository file. A SAM `Events` schedule or rule
starts the state machine; a CloudFormation/Terraform/CDK EventBridge rule naming it joins it too
(`with_triggers`).
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from mltestscore.evidence.ci import EVENT, SCHEDULE, line_of
from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep, Trigger
from mltestscore.evidence.platforms.paths import RUNNABLE, localise, repo_file

_MACHINES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
_ASL = (".asl.json", ".asl.yaml", ".asl.yml")


def read(python) -> list[PlatformPipeline]:
    from mltestscore.evidence.platforms.iac import load_cloudformation

    files = python.files
    found: list[PlatformPipeline] = []
    used: set[str] = set()
    for path in files.with_suffix(".yaml", ".yml", ".json", ".template"):
        text = files.text(path) or ""
        if "StateMachine" not in text or "AWS::" not in text:
            continue
        try:
            template = load_cloudformation(text)
        except Exception:  # not a template (iac.py warns about broken ones)
            continue
        resources = _dict(template.get("Resources")) if isinstance(template, dict) else {}
        for logical, resource in resources.items():
            if not isinstance(resource, dict) or resource.get("Type") not in _MACHINES:
                continue
            props = _dict(resource.get("Properties"))
            definition, where = _definition(python, path, props)
            if where:
                used.add(where)
            if not isinstance(definition, dict):
                continue
            name = next((props[k] for k in ("StateMachineName", "Name") if isinstance(props.get(k), str)), logical)
            line = line_of(text, f"{logical}:") or line_of(text, f'"{logical}"')
            substitutions = _dict(props.get("DefinitionSubstitutions"))
            steps = _steps(python, where or path, definition, resources, substitutions)
            started = _sam_events(path, line, logical, props)
            found.append(
                PlatformPipeline("stepfunctions", str(name), path, line, steps, started_by=started, cloud="aws")
            )
    for path in files.with_suffix(*_ASL):
        if path in used:
            continue
        text = files.text(path) or ""
        data = _load(python, path, text)
        if isinstance(data, dict) and isinstance(data.get("States"), dict):
            name = posixpath.basename(path).split(".")[0]
            found.append(PlatformPipeline("stepfunctions", name, path, 1, _steps(python, path, data, {}), cloud="aws"))
    return found


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _load(python, path: str, text: str) -> Any:
    try:
        return json.loads(text) if path.endswith(".json") else python.parsed.yaml(path)
    except ValueError:
        return None


def _definition(python, path: str, props: dict) -> tuple[Any, str]:
    """The state machine's definition as data, and the separate file holding it (if any)."""
    if isinstance(props.get("Definition"), dict):
        return props["Definition"], ""
    source = props.get("DefinitionString")
    if isinstance(source, dict):  # !Sub "..." or !Sub ["...", {vars}]
        source = source.get("Fn::Sub", source.get("Fn::Join"))
        source = source[0] if isinstance(source, list) and source and isinstance(source[0], str) else source
    if isinstance(source, str):
        try:
            return json.loads(source), ""
        except ValueError:
            return None, ""
    uri = props.get("DefinitionUri") or props.get("DefinitionS3Location")
    if isinstance(uri, str):
        local = posixpath.normpath(posixpath.join(posixpath.dirname(path), uri))
        for candidate in (local, posixpath.normpath(uri)):
            if candidate in python.files:
                return _load(python, candidate, python.files.text(candidate) or ""), candidate
    return None, ""


def _states(definition: dict):
    """Every state, nested Parallel branches and Map iterators included."""
    for name, state in _dict(definition.get("States")).items():
        if not isinstance(state, dict):
            continue
        yield name, state
        for branch in state.get("Branches") or []:
            yield from _states(_dict(branch))
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), dict):
                yield from _states(state[key])


def _steps(
    python, path: str, definition: dict, resources: dict, substitutions: dict | None = None
) -> tuple[PlatformStep, ...]:
    text = python.files.text(path) or ""
    steps = []
    for name, state in _states(definition):
        if state.get("Type") != "Task":
            continue
        resource = json.dumps(state.get("Resource", ""))
        service = resource.strip('"').split(":::")[-1].split(".")[0] if ":::" in resource else "task"
        params = _dict(state.get("Parameters") or state.get("Arguments"))
        commands = _commands(python, service, params, resources, substitutions or {})
        files = tuple(w for c in commands for w in c.split() if w in python.files)
        steps.append(
            PlatformStep(
                name, line_of(text, f'"{name}"') or line_of(text, f"{name}:"), commands, files=files, kind=service
            )
        )
    return tuple(steps)


def _commands(python, service: str, params: dict, resources: dict, substitutions: dict) -> tuple[str, ...]:
    files = python.files
    if service in ("sagemaker:createProcessingJob", "sagemaker:createTrainingJob"):
        spec = _dict(params.get("AppSpecification") or params.get("AlgorithmSpecification"))
        words = [str(w) for w in (spec.get("ContainerEntrypoint") or []) + (spec.get("ContainerArguments") or [])]
        if words:
            return (localise(" ".join(words), files),)
        hyper = _dict(params.get("HyperParameters"))
        program = str(hyper.get("sagemaker_program", "")).strip('"')
        found = repo_file(program, files) if program.endswith(RUNNABLE) else None
        return (f"python {found}",) if found else ()
    if service == "lambda:invoke":
        # FunctionName: an ARN, !GetAtt X.Arn, or ${XArn} filled from DefinitionSubstitutions
        function = json.dumps(params.get("FunctionName", ""))
        function += " ".join(json.dumps(v) for k, v in substitutions.items() if f"${{{k}}}" in function)
        handlers = [
            (logical, _handler_file(python, _dict(_dict(resource).get("Properties"))))
            for logical, resource in resources.items()
            if logical in function
        ]
        handler = max(((len(logical), file) for logical, file in handlers if file), default=(0, None))[1]
        return (f"python {handler}",) if handler else ()
    return ()


def _handler_file(python, props: dict) -> str | None:
    """SAM/Lambda `Handler: app.lambda_handler` under `CodeUri: functions/evaluate/` -> that file."""
    handler = props.get("Handler")
    if not isinstance(handler, str) or "." not in handler:
        return None
    module = handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
    code = props.get("CodeUri") or _dict(props.get("Code")).get("S3Key") or ""
    candidate = posixpath.normpath(posixpath.join(code, module)) if isinstance(code, str) else module
    return candidate if candidate in python.files else repo_file(module, python.files)


def _sam_events(path: str, line: int | None, logical: str, props: dict) -> tuple[Trigger, ...]:
    triggers = []
    for event, spec in _dict(props.get("Events")).items():
        spec = _dict(spec)
        options = _dict(spec.get("Properties"))
        enabled = (
            options.get("Enabled", True) is not False and str(options.get("State", "ENABLED")).upper() != "DISABLED"
        )
        source = f"SAM {logical} event {event}"
        if spec.get("Type") in ("Schedule", "ScheduleV2"):
            expression = options.get("Schedule") or options.get("ScheduleExpression")
            triggers.append(Trigger(SCHEDULE, str(expression), path, line, source, logical, "aws", enabled))
        elif spec.get("Type") in ("EventBridgeRule", "CloudWatchEvent"):
            pattern = _dict(options.get("Pattern"))
            what = json.dumps(pattern.get("detail-type") or pattern.get("source") or pattern)[:60]
            triggers.append(Trigger(EVENT, f"event {what}", path, line, source, logical, "aws", enabled))
    return tuple(triggers)
