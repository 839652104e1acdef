"""Stage 3 — the weekly roster: named agents on elastic shifts with CP-SAT.

Entry point: :func:`solve_roster` (requirements frame and agents in, :class:`RosterResult` out).

Where things are:

- :mod:`~staffing.solver.core` — :func:`solve_roster` and its stages, :class:`SolveStats`.
- :mod:`~staffing.solver.problem`, :mod:`~staffing.solver.shifts` — the problem: agents' rules,
  shift candidates, skill profiles.
- :mod:`~staffing.solver.rules` — every rule of the roster, one ``add_<rule>`` each
  (``add_min_rest``, ``add_max_hours_per_week``, ``add_fairness_nights``, ...), and the
  registry ``RULES`` the model, the explanation and the docs' rule table read.
- :mod:`~staffing.solver.builders` — generic constraint builders (bounded sums and runs of
  literals, forbidden literals, gaps, convex counts) the rules are written with.
- :mod:`~staffing.solver.model` — the CP-SAT variables (``RosterModel``) and the objective.
- :mod:`~staffing.solver.coverage` — coverage of the requirements by skill profile.
- :mod:`~staffing.solver.split` — the queue split of a roster's agents at work, optimal per
  interval (a min-cost flow), and each agent's queue per interval (few switches).
- :mod:`~staffing.solver.breaks` — everything about breaks: which shifts take them, their
  counts in the model, the cap, their placement in rosters.
- :mod:`~staffing.solver.greedy`, :mod:`~staffing.solver.lns`, :mod:`~staffing.solver.hints` —
  the first roster, the neighbourhood search, solution hints.
- :mod:`~staffing.solver.solution`, :mod:`~staffing.solver.extract` — a roster's exact objective
  and its output frames; :mod:`~staffing.solver.explain` — why no roster keeps every hard rule;
  :mod:`~staffing.solver.bound` — the lower bound from an aggregated LP relaxation;
  :mod:`~staffing.solver.colgen` — a stronger one, column generation over agent weeks
  (each week priced exactly by dynamic program, a Lagrangian bound valid at every round) on
  :mod:`~staffing.solver.decomposition`, the column-generation engine (master LP, rounds,
  bound, dive fixings) the Curtois benchmark's column generation runs on too.
"""

from staffing.solver.core import RosterResult, SolveProgress, SolveStats, solve_roster

__all__ = ["RosterResult", "SolveProgress", "SolveStats", "solve_roster"]
