"""monitor-2: Evidently's real-time monitors (evidently.model_monitoring, 0.1.x) over served rows
export drift metrics; with no alert rule deployed they collect (0.5)."""

from __future__ import annotations

from conftest import audit


def test_model_monitoring_service_over_served_rows_collects(repo):
    root = repo(
        {
            "monitoring/service.py": """
                import pandas as pd
                import prometheus_client
                from evidently.model_monitoring import DataDriftMonitor, ModelMonitoring
                from flask import Flask, request

                app = Flask(__name__)
                reference = pd.read_csv("reference.csv")
                monitoring = ModelMonitoring(monitors=[DataDriftMonitor()], options=[])
                rows = []


                @app.route("/iterate", methods=["POST"])
                def iterate():
                    rows.extend(request.json)
                    monitoring.execute(reference, pd.DataFrame(rows))
                    for metric, value, labels in monitoring.metrics():
                        prometheus_client.Gauge(metric.name, "", labels.keys()).labels(**labels).set(value)
                    return "ok"
                """,
        }
    )
    item = audit(root).item("monitor-2")
    assert item.score == 0.5
    assert item.evidence[0].path == "monitoring/service.py"
