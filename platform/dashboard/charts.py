"""Plotly figures built from selector output, serialised for app.js (no inline scripts).

Each figure is plotly's own JSON figure format (``{"data": [...traces], "layout": {...}}``)
written as plain dicts: building them through ``plotly.graph_objects`` validated every
property and cost ~35 ms a figure, a third of the dashboard's budget at 500 students, for
the same JSON. plotly.js (vendored, from the plotly package) draws them in the browser; the
browser test checks each one renders. Each function returns the figure as data;
``dashboard/_chart.html`` writes it with Django's ``json_script``, which escapes ``<``, ``>``
and ``&`` so that no title or name can close the script element.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
BRAND = "#2563eb"
ACCENT = "#f59e0b"
DANGER = "#dc2626"


def _layout(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "margin": {"l": 48, "r": 16, "t": 36, "b": 48},
        "font": {"family": FONT, "size": 12},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "height": 300,
        "showlegend": False,
        "xaxis": {"gridcolor": "#eef2f7", "zerolinecolor": "#e2e8f0", "automargin": True},
        "yaxis": {"gridcolor": "#eef2f7", "zerolinecolor": "#e2e8f0", "automargin": True},
    }
    for axis in ("xaxis", "yaxis"):
        if axis in extra:
            extra[axis] = {**base[axis], **extra[axis]}
    base.update(extra)
    return base


class Figure(dict):  # type: ignore[type-arg]
    """A plotly figure as plain JSON: ``{"data": [...], "layout": {...}}``."""

    def __init__(self, data: Any, layout: dict[str, Any] | None = None) -> None:
        super().__init__(data=data if isinstance(data, list) else [data], layout=dict(layout or {}))

    def add_shape(self, **shape: Any) -> None:
        self["layout"].setdefault("shapes", []).append(shape)

    def add_annotation(self, **note: Any) -> None:
        self["layout"].setdefault("annotations", []).append(note)


def _trace(kind: str, **props: Any) -> dict[str, Any]:
    return {"type": kind, **props}


def _dump(fig: Figure) -> dict[str, Any]:
    """The figure as plain JSON data; the template writes it with ``json_script``."""
    return dict(fig)


def _short(title: str, n: int = 20) -> str:
    return title if len(title) <= n else title[: n - 1] + "…"


def submission_rates(stats: list[Any]) -> dict[str, Any]:
    """Bar per activity: percent of students who handed something in."""
    # Distinct short labels (plotly merges equal category names), the full title on hover.
    labels = [f"{i + 1}. {_short(s.activity.local_title)}" for i, s in enumerate(stats)]
    fig = Figure(
        _trace(
            "bar",
            x=labels,
            customdata=[s.activity.local_title for s in stats],
            y=[s.rate or 0 for s in stats],
            marker_color=BRAND,
            text=[f"{s.submitted}/{s.students}" for s in stats],
            textposition="auto",
            hovertemplate="%{customdata}<br>%{y:.0f}%<extra></extra>",
        ),
        layout=_layout(title={"text": _("Submission rate (%)")}, yaxis={"range": [0, 100]}),
    )
    return _dump(fig)


def score_histogram(values: list[float], title: str) -> dict[str, Any]:
    """Distribution of percent scores, 10-point bins from 0 to 100."""
    fig = Figure(
        _trace(
            "histogram",
            x=values,
            xbins={"start": 0, "end": 100.001, "size": 10},
            marker_color=BRAND,
            hovertemplate="%{x}: %{y}<extra></extra>",
        ),
        layout=_layout(
            title={"text": title},
            xaxis={"title": {"text": _("score (%)")}, "range": [0, 100]},
            yaxis={"title": {"text": _("students")}},
            bargap=0.05,
        ),
    )
    return _dump(fig)


def question_difficulty(questions: list[Any]) -> dict[str, Any]:
    """Mean score per graded cell (percent of its points), weakest in red."""
    ys = [q.mean_percent if q.mean_percent is not None else 0 for q in questions]
    fig = Figure(
        _trace(
            "bar",
            x=[q.grade_id for q in questions],
            y=ys,
            marker_color=[DANGER if y < 50 else (ACCENT if y < 75 else BRAND) for y in ys],
            hovertemplate="%{x}: %{y:.0f}%<extra></extra>",
        ),
        layout=_layout(title={"text": _("Mean score per question (%)")}, yaxis={"range": [0, 100]}),
    )
    return _dump(fig)


def submission_timeline(rows: list[dict[str, Any]], due: Any, title: str) -> dict[str, Any]:
    """Cumulative first submissions over time, with the deadline as a vertical line."""
    xs = [r["at"].isoformat() for r in rows]
    fig = Figure(
        _trace(
            "scatter", x=xs, y=list(range(1, len(xs) + 1)), mode="lines+markers", line={"shape": "hv", "color": BRAND}
        ),
        layout=_layout(
            title={"text": title}, yaxis={"title": {"text": _("students submitted")}, "rangemode": "tozero"}
        ),
    )
    if due is not None:
        stamp = due.isoformat()
        fig.add_shape(type="line", x0=stamp, x1=stamp, yref="paper", y0=0, y1=1, line={"color": DANGER, "dash": "dash"})
        fig.add_annotation(
            x=stamp, yref="paper", y=1, text=_("due"), showarrow=False, font={"color": DANGER}, yanchor="bottom"
        )
    return _dump(fig)


def weekly_activity(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Enrolled students (line) and submissions / active students per week (bars)."""
    weeks = [r["week"].isoformat() for r in rows]
    fig = Figure(
        [
            _trace("bar", x=weeks, y=[r["submissions"] for r in rows], name=_("submissions"), marker_color=BRAND),
            _trace("bar", x=weeks, y=[r["active"] for r in rows], name=_("active students"), marker_color=ACCENT),
            _trace(
                "scatter",
                x=weeks,
                y=[r["enrolled"] for r in rows],
                name=_("enrolled"),
                mode="lines",
                line={"color": "#64748b"},
            ),
        ],
        layout=_layout(
            title={"text": _("Weekly activity")},
            showlegend=True,
            barmode="group",
            legend={"orientation": "h", "y": -0.2},
        ),
    )
    return _dump(fig)


def mastery(items: list[Any], threshold: float) -> dict[str, Any]:
    """Horizontal bar per concept: mean released score; below the threshold in amber/red."""
    scored = [m for m in items]
    xs = [m.percent if m.percent is not None else 0 for m in scored]
    fig = Figure(
        _trace(
            "bar",
            y=[m.concept for m in scored],
            x=xs,
            orientation="h",
            marker_color=[
                "#cbd5e1"
                if m.percent is None
                else (BRAND if m.percent >= threshold else (ACCENT if m.percent >= 50 else DANGER))
                for m in scored
            ],
            text=["—" if m.percent is None else f"{m.percent:.0f}%" for m in scored],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.0f}%<extra></extra>",
        ),
        layout=_layout(
            title={"text": _("Mastery by concept (%)")},
            xaxis={"range": [0, 100]},
            height=max(220, 40 + 32 * len(scored)),
            margin={"l": 140, "r": 16, "t": 36, "b": 36},
        ),
    )
    fig.add_shape(
        type="line", x0=threshold, x1=threshold, yref="paper", y0=0, y1=1, line={"color": "#64748b", "dash": "dot"}
    )
    return _dump(fig)


def grading_queue(by_status: dict[str, int]) -> dict[str, Any]:
    """Submissions by grading status (site overview)."""
    labels = sorted(by_status)
    fig = Figure(
        _trace("bar", x=labels, y=[by_status[k] for k in labels], marker_color=BRAND),
        layout=_layout(title={"text": _("Submissions by status")}),
    )
    return _dump(fig)
