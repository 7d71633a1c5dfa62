"""Turn Figures into what the templates draw (charts, labelled rows); shared by both pages."""

from flask_babel import gettext as _

from xgm.complaints.labels import STATUS_LABELS
from xgm.reporting import charts
from xgm.reporting.figures import Figures
from xgm.reporting.labels import OUTCOME_LABELS, reason_label

OUTCOME_ORDER = ("admitted", "denied", "refused", "expired", "pending")


def figure_context(fig: Figures) -> dict:
    """Template variables for the figures partial: the numbers and their SVG charts."""
    outcome_rows = [
        (str(OUTCOME_LABELS[key]), fig.outcomes.get(key, 0), "") for key in OUTCOME_ORDER
    ]
    platform_rows = [(name or _("未知"), n, f"{share:g}%") for name, n, share in fig.platforms]
    reason_rows = [
        (str(OUTCOME_LABELS[outcome]), reason_label(outcome, reason), n)
        for outcome, reason, n in fig.reasons
    ]
    complaint_rows = [
        (str(STATUS_LABELS.get(status, status)), n) for status, n in fig.complaints.items() if n
    ]
    return {
        "fig": fig,
        "hour_chart": charts.hour_bars(fig.by_hour, _("每小时进入人次")),
        "outcome_chart": charts.hbars(outcome_rows, _("处理结果")),
        "platform_chart": charts.hbars(platform_rows, _("配送平台占比")),
        "reason_rows": reason_rows,
        "complaint_rows": complaint_rows,
    }
