"""Stage 3 — the weekly roster: named agents on elastic shifts with CP-SAT.

Entry point: :func:`solve_roster` (requirements frame and agents in, :class:`RosterResult` out).
"""

from staffing.solver.core import RosterResult, SolveProgress, SolveStats, solve_roster

__all__ = ["RosterResult", "SolveProgress", "SolveStats", "solve_roster"]
