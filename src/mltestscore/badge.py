"""`mltestscore badge`: a flat SVG badge, or a shields.io endpoint JSON, with the final score
coloured by the paper's band (red at 0 … bright green above 5)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from mltestscore.report.common import band_color, score_text

LABEL = "ML Test Score"
# Verdana 11px advance widths (px), close enough to size the badge like shields.io does.
_NARROW = {" ": 3.9, ".": 4.0, "/": 4.9, "I": 4.6, "i": 3.1, "l": 3.1, "t": 4.4, "f": 3.9, "r": 4.7}


class BadgeError(Exception):
    pass


@dataclass(frozen=True)
class Scored:
    """A final score with its rubric's maximum and name (the badge's label)."""

    score: float
    max_score: float = 7.0
    rubric: str = LABEL
    scaled: bool = False  # rescaled over applicable tests (na_policy: scale)


def _scored(score: float | Scored, scaled: bool = False) -> Scored:
    return score if isinstance(score, Scored) else Scored(float(score), scaled=scaled)


def message(score: float | Scored, scaled: bool = False) -> str:
    scored = _scored(score, scaled)
    return f"{score_text(scored.score)} / {score_text(scored.max_score)}" + (" (scaled)" if scored.scaled else "")


def endpoint_json(score: float | Scored, scaled: bool = False) -> str:
    """https://shields.io/badges/endpoint-badge: host the file, point shields at its URL."""
    scored = _scored(score, scaled)
    color, _ = band_color(scored.score, scored.max_score)
    return json.dumps({"schemaVersion": 1, "label": scored.rubric, "message": message(scored), "color": color}) + "\n"


def svg(score: float | Scored, scaled: bool = False) -> str:
    scored = _scored(score, scaled)
    _, color = band_color(scored.score, scored.max_score)
    text = message(scored)
    LABEL = scored.rubric  # noqa: N806 (the label is the rubric's name)
    label_w, text_w = _text_width(LABEL) + 12, _text_width(text) + 12
    width = label_w + text_w
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="20" role="img" '
        f'aria-label="{escape(LABEL)}: {escape(text)}">'
        f"<title>{escape(LABEL)}: {escape(text)}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width:.0f}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{label_w:.0f}" height="20" fill="#555"/>'
        f'<rect x="{label_w:.0f}" width="{text_w:.0f}" height="20" fill="{color}"/>'
        f'<rect width="{width:.0f}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{label_w / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{escape(LABEL)}</text>'
        f'<text x="{label_w / 2:.1f}" y="14">{escape(LABEL)}</text>'
        f'<text x="{label_w + text_w / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{escape(text)}</text>'
        f'<text x="{label_w + text_w / 2:.1f}" y="14">{escape(text)}</text></g></svg>\n'
    )


def scaled_in_report(path: Path) -> bool:
    """Whether a JSON report's score was rescaled over applicable tests (na_policy: scale)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("scaled") is True
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return False


def score_from_report(path: Path) -> Scored:
    """The final score (and the rubric's maximum and name) of a JSON report written by `--format json`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadgeError(f"cannot read {path}: {error}") from None
    score = data.get("score") if isinstance(data, dict) else None
    rubric: dict = data["rubric"] if isinstance(data, dict) and isinstance(data.get("rubric"), dict) else {}
    maximum = rubric.get("max", 7)
    if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or maximum <= 0:
        maximum = 7
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= maximum:
        raise BadgeError(f"{path} is not an mltestscore JSON report (no final score from 0 to {maximum:g})")
    return Scored(float(score), float(maximum), str(rubric.get("name") or LABEL), data.get("scaled") is True)


def _text_width(text: str) -> float:
    return sum(_NARROW.get(ch, 7.5 if ch.isupper() else 7.0 if ch.isdigit() else 6.3) for ch in text)
