"""Experiment trackers as records of training speed and memory (monitor-6 telemetry, 0.5: collected,
with no alert or threshold on it): MLflow system metrics, W&B runs (system metrics by default),
dvclive with `monitor_system`, the PyTorch profiler's TensorBoard traces, Keras TensorBoard profiling.
Plain loss curves (SummaryWriter.add_scalar, mlflow.log_metric) are not speed or memory records."""

from __future__ import annotations

from mltestscore.evidence.python import names

# call -> (keyword that must be truthy, or None for the call alone)
TELEMETRY = {
    "mlflow.enable_system_metrics_logging": None,
    "mlflow.autolog": "log_system_metrics",
    "mlflow.start_run": "log_system_metrics",
    "wandb.init": None,
    "dvclive.Live": "monitor_system",
    "torch.profiler.tensorboard_trace_handler": None,
    "tensorflow.keras.callbacks.TensorBoard": "profile_batch",
}
names(*TELEMETRY)


def training_telemetry(ctx) -> list[tuple[str, int, str]]:
    """(path, line, call) of each tracker call recording training speed or memory in project code."""
    return ctx.fact(_telemetry)


def _telemetry(ctx) -> list[tuple[str, int, str]]:
    from mltestscore.evidence.sources import project_sources

    found = []
    for path, call in ctx.python.find_calls(list(TELEMETRY), project_sources(ctx), limit=6):
        wanted = next(w for n, w in TELEMETRY.items() if call.name == n or call.name.endswith("." + n))
        value = call.kwarg(wanted, None) if wanted else True
        if value not in (None, False, 0):
            found.append((path, call.line, call.name))
    return found
