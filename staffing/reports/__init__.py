"""Planner-facing reports of a plan: charts, the HTML report and the Excel roster."""

from staffing.reports.charts import png_bytes
from staffing.reports.excel import roster_workbook, write_roster_workbook
from staffing.reports.html import comparison_report, plan_charts, plan_report

__all__ = [
    "comparison_report", "plan_charts", "plan_report", "png_bytes", "roster_workbook",
    "write_roster_workbook",
]
