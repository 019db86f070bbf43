"""Charts drawn on the server as inline SVG: no JavaScript, readable on a phone (a viewBox
scales them to the screen's width). Every label is escaped."""

from markupsafe import Markup, escape

WIDTH = 360
LABEL_WIDTH = 112
ROW = 26
FONT = 12


def _truncate(text: str, limit: int = 8) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _empty(title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} 40" role="img" aria-label="{escape(title)}">'
        f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="{FONT}" fill="#5f6b7a">'
        "暂无数据</text></svg>"
    )


def bar_chart(rows: list[tuple[str, float]], *, title: str, color: str = "#d93025") -> Markup:
    """Horizontal bars, one row per (label, value), the value written after each bar."""
    if not rows:
        return _empty(title)
    height = len(rows) * ROW + 8
    top = max(value for _, value in rows) or 1
    span = WIDTH - LABEL_WIDTH - 44
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" font-size="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(rows):
        y = 4 + index * ROW
        length = max(value / top * span, 1 if value else 0)
        parts.append(
            f'<g class="bar"><title>{escape(label)}：{value:g}</title>'
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end" fill="#1f2328">'
            f"{escape(_truncate(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{ROW - 10}" '
            f'rx="3" fill="{color}"/>'
            f'<text x="{LABEL_WIDTH + length + 5:.1f}" y="{y + 16}" fill="#1f2328">{value:g}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_chart(points: list[tuple[str, float | None]], *, title: str) -> Markup:
    """A line of percentages (0–100 %) over months, each point labelled."""
    points = [(label, rate) for label, rate in points if rate is not None]
    if not points:
        return _empty(title)
    height, left, right, top, bottom = 190, 34, 12, 18, 30
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)

    def x_of(index: int) -> float:
        return left + (index * step if len(points) > 1 else plot_w / 2)

    def y_of(rate: float) -> float:
        return top + plot_h * (1 - rate)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" font-size="{FONT - 1}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 0.5, 1):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#dde3ea"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#5f6b7a">'
            f"{int(tick * 100)}%</text>"
        )
    line = " ".join(f"{x_of(i):.1f},{y_of(rate):.1f}" for i, (_, rate) in enumerate(points))
    parts.append(f'<polyline points="{line}" fill="none" stroke="#12355b" stroke-width="2"/>')
    every = max(1, -(-len(points) // 6))  # at most ~6 month labels on a phone
    for index, (label, rate) in enumerate(points):
        x, y = x_of(index), y_of(rate)
        parts.append(
            f'<g class="point"><title>{escape(label)}：{rate * 100:.0f}%</title>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#12355b"/>'
            f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" fill="#1f2328">'
            f"{rate * 100:.0f}%</text></g>"
        )
        if index % every == 0 or index == len(points) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" fill="#5f6b7a">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
