"""The monthly 专班 report as an A4 PDF: HTML and CSS (``templates_pdf``) rendered by WeasyPrint with the Noto CJK
fonts, as the voucher certificates are; the charts are SVG bars drawn here (WeasyPrint renders SVG)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from html import escape
from importlib import resources
from typing import Any

from lianrong.kernel.money import format_yuan
from lianrong.programme.targets.model import STOCK_TARGETS
from lianrong.programme.targets.monthly import LABELS, MonthlyReport

INK, PALE, ACCENT, GREY = "#1f3a5f", "#dbe4ef", "#2a9d8f", "#9ca3af"
#: rows of each list the PDF shows (the largest amounts first); the workbook has every row
ROWS = 40


def progress_svg(share: float, *, width: int = 420, height: int = 18) -> str:
    """A progress bar: the share of the target reached (capped at the bar's end), with its percentage."""
    filled = max(0.0, min(share, 1.0)) * width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 60}" height="{height}" viewBox="0 0 {width + 60} {height}">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{PALE}"/>'
        f'<rect x="0" y="0" width="{filled:.1f}" height="{height}" fill="{INK}"/>'
        f'<text x="{width + 6}" y="{height - 4}" font-size="11" font-family="Noto Sans CJK SC" fill="{INK}">'
        f"{share * 100:.1f}%</text></svg>"
    )


def bars_svg(labels: Sequence[str], values: Sequence[float], *, width: int = 640, height: int = 170) -> str:
    """Vertical bars, one per label, scaled to the largest value (labels under the bars, values above)."""
    n = max(len(values), 1)
    top = max([*values, 0.0]) or 1.0
    slot = width / n
    bar = slot * 0.62
    base = height - 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    parts.append(f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{GREY}" stroke-width="0.6"/>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = (base - 16) * (value / top) if top else 0
        x = i * slot + (slot - bar) / 2
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{ACCENT}"/>')
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - 8}" font-size="8" text-anchor="middle" '
            f'font-family="Noto Sans CJK SC" fill="{INK}">{escape(label)}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{base - h - 3:.1f}" font-size="7" text-anchor="middle" '
            f'font-family="Noto Sans CJK SC" fill="{INK}">{_short(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(value: float) -> str:
    if value >= 1e8:
        return f"{value / 1e8:.2f}亿"
    if value >= 1e4:
        return f"{value / 1e4:.1f}万"
    return f"{value:g}"


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

    def load(name: str) -> str:
        return (resources.files("lianrong.programme.targets") / "templates_pdf" / name).read_text(encoding="utf-8")

    env = Environment(
        loader=FunctionLoader(load),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yuan"] = format_yuan
    return env


def _figure(f: Any) -> dict[str, Any]:
    money = f.unit == "fen"

    def shown(v: int) -> str:
        return f"{format_yuan(v)} 元" if money else str(v)

    months = [p.month[2:] for p in f.trend]
    values = [p.value / 100 if money else p.value for p in f.trend]
    return {
        "zh": LABELS[f.key][0],
        "en": LABELS[f.key][1],
        "goal": shown(f.target),
        "ledger": shown(f.ledger),
        "reported": shown(f.reported),
        "value": shown(f.value),
        "projected": shown(f.projection.projected),
        "deadline": f.deadline.isoformat(),
        "on_track": f.projection.on_track,
        "stock": f.key in STOCK_TARGETS,
        "progress_svg": progress_svg(f.progress),
        "trend_svg": bars_svg(months, values),
    }


def render_html(data: MonthlyReport) -> str:
    from markupsafe import Markup

    figures = [_figure(f) for f in data.dashboard.targets]
    for fig in figures:
        fig["progress_svg"] = Markup(fig["progress_svg"])  # noqa: S704 - drawn here from numbers and escaped labels
        fig["trend_svg"] = Markup(fig["trend_svg"])  # noqa: S704
    # the PDF is read by people: the largest rows of each list (the workbook lists them all)
    biggest = sorted(data.financings, key=lambda f: (-f.principal_fen, f.id))[:ROWS]
    late_v = sorted(data.overdue_vouchers, key=lambda v: (-v[3], v[0]))[:ROWS]
    late_f = sorted(data.overdue_financings, key=lambda f: (-f.principal_fen, f.id))[:ROWS]
    return str(
        _environment()
        .get_template("monthly.html")
        .render(
            r=data,
            figures=figures,
            financings=biggest,
            more_financings=len(data.financings) - len(biggest),
            overdue_vouchers=late_v,
            overdue_financings=late_f,
            more_overdue=len(data.overdue_vouchers) + len(data.overdue_financings) - len(late_v) - len(late_f),
        )
    )


def _stylesheet() -> str:
    return (resources.files("lianrong.programme.targets") / "templates_pdf" / "monthly.css").read_text(encoding="utf-8")


def pdf_bytes(data: MonthlyReport) -> bytes:
    """The report as PDF bytes (fonts embedded, subset)."""
    from weasyprint import CSS, HTML

    return bytes(HTML(string=render_html(data)).write_pdf(stylesheets=[CSS(string=_stylesheet())]))
