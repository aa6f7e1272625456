"""The HTML report: one self-contained file (inline CSS and SVG, no script, no external URL)
rendered with jinja2 from the templates shipped in this package. Autoescaping is always on:
file names and YAML values from the audited repository may hold markup."""

from __future__ import annotations

from dataclasses import dataclass

from mltestscore.report.common import band_color, next_steps, score_text
from mltestscore.results import AuditReport, SectionResult, Status

STATUS_LABEL = {
    Status.AUTOMATED: "automated",
    Status.MANUAL: "manual",
    Status.ATTESTED: "attested",
    Status.MISSING: "missing",
    Status.SKIPPED: "skipped",
    Status.NOT_ASSESSED: "not assessed",
}

# Section chart geometry (SVG user units).
CHART_LABEL_WIDTH = 170
CELL = 38
CELL_GAP = 4
ROW = 46
CHART_TOP = 26
# Darker shades of the band colours, readable as text on white.
BAND_TEXT = {
    "red": "#cf222e",
    "orange": "#bc4c00",
    "yellow": "#9a6700",
    "yellowgreen": "#5a6e00",
    "green": "#1a7f37",
    "brightgreen": "#116329",
}


@dataclass(frozen=True)
class Cell:
    x: float
    width: float  # the filled part: score × CELL
    status: str
    tooltip: str


@dataclass(frozen=True)
class ChartRow:
    y: float
    title: str
    score: str
    max: float
    weakest: bool
    cells: tuple[Cell, ...]


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("mltestscore.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pts"] = score_text
    env.globals["status_label"] = lambda status: STATUS_LABEL[status]
    return env


def section_chart(sections: list[SectionResult]) -> dict:
    """Per section, seven cells (one per test) filled by its points and coloured by status."""
    weakest = min(s.score for s in sections) if sections else 0
    rows = []
    for index, section in enumerate(sections):
        y = CHART_TOP + index * ROW
        cells = tuple(
            Cell(
                CHART_LABEL_WIDTH + i * (CELL + CELL_GAP),
                item.score / (item.max or 1) * CELL,
                item.status.value.replace("_", "-"),
                f"{item.id} {item.title}: {score_text(item.score)} ({STATUS_LABEL[item.status]})",
            )
            for i, item in enumerate(section.items)
        )
        rows.append(ChartRow(y, section.title, score_text(section.score), section.max, section.score == weakest, cells))
    cells_width = max((len(s.items) for s in sections), default=7) * (CELL + CELL_GAP)
    return {
        "rows": rows,
        "cell": CELL,
        "row_height": ROW - 14,
        "label_width": CHART_LABEL_WIDTH,
        "width": CHART_LABEL_WIDTH + cells_width + 70,
        "height": CHART_TOP + len(rows) * ROW + 4,
        "score_x": CHART_LABEL_WIDTH + cells_width + 8,
    }


def _evidence_links(report: AuditReport):
    """evidence -> URL of the file at the audited commit on its host, or None (no known remote,
    no commit, or not a file path)."""
    from mltestscore.report.links import remote_for

    remote = remote_for(report.repository)
    commit = report.commit or ""

    def url(evidence) -> str | None:
        path = evidence.path
        if remote is None or not path or path in (".", "config") or path.startswith(("/", "..")):
            return None
        return remote.file_url(commit, path, evidence.line)

    return url


def render(report: AuditReport) -> str:
    name, color = band_color(report.score, report.max_score)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            band_color=color,
            band_text=BAND_TEXT.get(name, color),
            chart=section_chart(report.sections),
            steps=next_steps(report),
            Status=Status,
            tool_version=report.tool_version,
            evidence_url=_evidence_links(report),
        )
    )


# Trend chart geometry and the colour of each section's line.
TREND_WIDTH, TREND_HEIGHT = 980, 330
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 76, 24, 16, 64
SECTION_COLORS = {"data": "#8250df", "model": "#0969da", "infra": "#1a7f37", "monitor": "#bf3989"}


def trend_chart(points, maximum: float = 7) -> dict:
    """Polylines of the final score (bold) and each section over the commits, oldest left."""
    plot_w = TREND_WIDTH - TREND_LEFT - TREND_RIGHT
    plot_h = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0
    xs = [TREND_LEFT + (i * step if len(points) > 1 else plot_w / 2) for i in range(len(points))]

    def y(score: float) -> float:
        return round(TREND_TOP + plot_h * (1 - score / maximum), 1)

    section_ids = list(points[0].sections) if points else []
    lines = [
        {
            "id": sid,
            "color": SECTION_COLORS.get(sid, "#59636e"),
            "points": " ".join(f"{x:.1f},{y(p.sections.get(sid, 0))}" for x, p in zip(xs, points)),
        }
        for sid in section_ids
    ]
    final = [{"x": round(x, 1), "y": y(p.score), "point": p} for x, p in zip(xs, points)]
    label_every = max(1, len(points) // 12)  # at most ~12 commit labels under the axis
    return {
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "left": TREND_LEFT,
        "right": TREND_WIDTH - TREND_RIGHT,
        "bottom": TREND_TOP + plot_h,
        "grid": [(v, y(v)) for v in range(int(maximum) + 1)],
        "lines": lines,
        "final": final,
        "final_points": " ".join(f"{f['x']},{f['y']}" for f in final),
        "labels": [f for i, f in enumerate(final) if (len(final) - 1 - i) % label_every == 0],  # newest always
    }


def render_history(points, repository: str, tool_version: str, shallow: bool = False) -> str:
    """The trend page of `mltestscore history --format html`, oldest commit first."""
    rows = []
    previous = None
    for point in points:
        rows.append((point, None if previous is None else point.score - previous))
        previous = point.score
    return (
        _environment()
        .get_template("history.html.j2")
        .render(
            points=points,
            rows=rows,
            chart=trend_chart(points, max((p.max_score for p in points), default=7)),
            repository=repository,
            tool_version=tool_version,
            shallow=shallow,
            section_colors=SECTION_COLORS,
        )
    )
