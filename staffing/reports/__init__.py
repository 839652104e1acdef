"""Planner-facing reports of a plan: charts, the HTML report, the Excel roster and the text
summary. Reports return bytes or strings and never write: :mod:`staffing.export` writes them."""

from staffing.reports.charts import forecast_chart, png_bytes
from staffing.reports.excel import roster_workbook, roster_workbook_bytes
from staffing.reports.html import comparison_report, plan_charts, plan_report
from staffing.reports.text import simulation_text, summary_text

__all__ = [
    "comparison_report", "forecast_chart", "plan_charts", "plan_report", "png_bytes",
    "roster_workbook", "roster_workbook_bytes", "simulation_text", "summary_text",
]
