"""Planner-facing reports of a plan: the Excel roster workbook."""

from staffing.reports.excel import roster_workbook, write_roster_workbook

__all__ = ["roster_workbook", "write_roster_workbook"]
