"""A progress report as one self-contained HTML file: inline SVG charts (pygal), inline CSS,
nothing fetched and no JavaScript needed, so it opens the same in any browser, offline."""

from __future__ import annotations

import html
import re
from datetime import date

from fitcoach.coach.progress import ProgressReport, WeekSummary
from fitcoach.coach.units import format_weight, weight_number

# Chart colours, one per series (a test looks for them in a rendering of the report).
SERIES_COLOURS = ("#1f77b4", "#e4572e", "#29a634", "#8e44ad", "#f1a208")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
p.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { padding: 0.25rem 0.8rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 0; }
"""


def _style() -> object:
    from pygal.style import Style

    return Style(
        background="white",
        plot_background="white",
        foreground="#333",
        foreground_strong="#111",
        foreground_subtle="#ccc",
        colors=SERIES_COLOURS,
        font_family="system-ui, sans-serif",
        stroke_width=3,
    )


def _svg(chart: object) -> str:
    rendered: str = chart.render(is_unicode=True)  # type: ignore[attr-defined]
    # pygal writes its tooltip settings as a script even when no script is loaded to use
    # them; the chart is plain SVG and CSS without it.
    return _SCRIPT.sub("", rendered)


def _trend_chart(report: ProgressReport) -> str:
    import pygal

    chart = pygal.DateLine(
        style=_style(),
        js=[],
        disable_xml_declaration=True,
        width=1000,
        height=420,
        x_label_rotation=25,
        x_value_formatter=lambda day: day.strftime("%d %b"),
        legend_at_bottom=True,
        dots_size=4,
        title=f"Estimated one-rep max ({report.unit})",
    )
    for trend in report.trends:
        chart.add(
            trend.exercise,
            [(p.day, weight_number(p.estimated_1rm_kg, report.unit)) for p in trend.points],
        )
    return _svg(chart)


def _volume_chart(week: WeekSummary) -> str:
    import pygal

    chart = pygal.HorizontalBar(
        style=_style(),
        js=[],
        disable_xml_declaration=True,
        width=1000,
        height=max(240, 40 * len(week.muscles) + 120),
        legend_at_bottom=True,
        title="Sets per muscle this week",
    )
    chart.x_labels = [volume.muscle for volume in week.muscles]
    chart.add("done", [volume.done for volume in week.muscles])
    chart.add("planned", [volume.planned for volume in week.muscles])
    return _svg(chart)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page(title: str, meta: str, sections: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><p class="meta">{html.escape(meta)}</p>'
        + "".join(sections)
        + "</body></html>\n"
    )


def _day(day: date) -> str:
    return day.strftime("%a %d %b %Y")


def progress_html(report: ProgressReport) -> str:
    name = report.user.user.display_name
    meta = (
        f"{report.weeks} weeks to {_day(report.today)}, in {report.unit}, days in {report.zone.key}"
    )
    if not report.trends:
        return _page(f"{name}: progress", meta, ["<p>No sets logged in this period yet.</p>"])
    sections = [f"<figure>{_trend_chart(report)}</figure>"]
    for trend in report.trends:
        rows = [
            [
                _day(point.day),
                f"{format_weight(point.weight_kg, report.unit)} x {point.reps}",
                format_weight(point.estimated_1rm_kg, report.unit),
                str(point.sets),
            ]
            for point in reversed(trend.points)
        ]
        change = weight_number(abs(trend.change_kg), report.unit)
        direction = "up" if trend.change_kg >= 0 else "down"
        sections.append(
            f"<h2>{html.escape(trend.exercise)}: {direction} {change:g} {report.unit}</h2>"
            + _table(["day", "top set", "estimated 1RM", "sets"], rows)
        )
    return _page(f"{name}: progress", meta, sections)


def week_html(week: WeekSummary) -> str:
    name = week.user.user.display_name
    sunday = week.monday.toordinal() + 6
    meta = f"{_day(week.monday)} to {_day(date.fromordinal(sunday))}, in {week.unit}"
    done = len(week.sessions_done)
    planned = len(week.sessions_planned)
    sections = [
        f"<p>{done} sessions done of {planned} planned; {week.total_sets} sets in all.</p>",
        f"<figure>{_volume_chart(week)}</figure>" if week.muscles else "",
    ]
    if week.records:
        sections.append(
            "<h2>Personal records</h2>"
            + _table(
                ["exercise", "day", "set", "estimated 1RM", "before"],
                [
                    [
                        record.exercise,
                        _day(record.set.day),
                        f"{format_weight(record.set.weight_kg, week.unit)} x {record.set.reps}",
                        format_weight(record.set.estimated_1rm_kg, week.unit),
                        format_weight(record.previous.estimated_1rm_kg, week.unit),
                    ]
                    for record in week.records
                ],
            )
        )
    return _page(f"{name}: week of {_day(week.monday)}", meta, sections)
