"""The CP-SAT model: agents x days x shift candidates; the rules are added by
:mod:`staffing.solver.rules` (one ``add_<rule>`` each).

Variables
---------
``x[a][d][i]`` is true when agent ``a`` works candidate ``problem.options[a][d][i]`` on day
``d``; ``works[a][d]`` is their sum (at most one shift a day). Everything about an agent — paid
minutes per week, nights, rest, runs of days, weekends, preferences, cost — is a linear function
of these literals, added by the rules of :mod:`staffing.solver.rules`. Coverage
(:mod:`staffing.solver.coverage`) aggregates the literals by skill profile.

Objective
---------
The sum of the :class:`~staffing.solver.builders.PenaltyTerm` of every rule, in objective units
(``weight * value``), scaled by :data:`SCALE` to integers for CP-SAT.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from staffing.solver.builders import PenaltyTerm
from staffing.solver.problem import RosterProblem

__all__ = ["SCALE", "RosterModel"]

#: Objective units are multiplied by this to make CP-SAT's integer coefficients (cents).
SCALE = 100


class RosterModel:
    """CP-SAT variables for some agents of a :class:`RosterProblem`, and the named penalty
    terms the builders add.

    Attributes
    ----------
    problem : the problem.
    cp : the CP-SAT model.
    agents : indices of the agents modelled.
    x : ``x[a][d]`` the shift literals of agent ``a`` on day ``d``, aligned with
        ``problem.options[a][d]``.
    works : ``works[a][d]`` whether agent ``a`` works day ``d``.
    terms : penalty terms of the objective.
    """

    def __init__(self, problem: RosterProblem, agents: Sequence[int] | None = None,
                 *, name_vars: bool = False) -> None:
        self.problem = problem
        self.cp = cp_model.CpModel()
        self.agents = list(range(problem.A)) if agents is None else list(agents)
        self.x: dict[int, list[list[cp_model.IntVar]]] = {}
        self.works: dict[int, list[cp_model.IntVar]] = {}
        self.terms: list[PenaltyTerm] = []
        self.cap_literals: dict[int, cp_model.IntVar] = {}
        cp = self.cp
        for a in self.agents:
            agent_id = problem.agents[a].agent_id
            per_day, works = [], []
            for d in range(problem.D):
                n = len(problem.options[a][d])
                if name_vars:
                    lits = [cp.new_bool_var(f"x({agent_id},{d},{i})") for i in range(n)]
                else:
                    lits = [cp.new_bool_var("") for _ in range(n)]
                w = cp.new_bool_var(f"works({agent_id},{d})")
                if n:
                    cp.add(cp_model.LinearExpr.sum(lits) == w)
                else:
                    cp.add(w == 0)
                per_day.append(lits)
                works.append(w)
            self.x[a] = per_day
            self.works[a] = works

    # ------------------------------------------------------------------ helpers
    def attribute(self, a: int, d: int, name: str) -> np.ndarray:
        """A candidate attribute (``start_minute``, ``paid``, ``night``, ...) of agent ``a``'s
        options on day ``d``."""
        table = self.problem.table(a, d)
        return getattr(table, name)[self.problem.options[a][d]]

    def day_expr(self, a: int, d: int, name: str):
        """``sum(attribute * x)`` over agent ``a``'s options on day ``d``."""
        values = self.attribute(a, d, name)
        return cp_model.LinearExpr.weighted_sum(self.x[a][d], [int(v) for v in values])

    def selected(self, a: int, predicate: str) -> list[cp_model.IntVar]:
        """Agent ``a``'s shift literals whose boolean attribute ``predicate`` is true."""
        out = []
        for d in range(self.problem.D):
            flags = self.attribute(a, d, predicate)
            out.extend(lit for lit, f in zip(self.x[a][d], flags, strict=True) if f)
        return out

    def objective(self) -> tuple[list[cp_model.IntVar], list[int]]:
        """The integer objective: variables and coefficients (merged over terms)."""
        coef: dict[int, int] = {}
        var_of: dict[int, cp_model.IntVar] = {}
        for term in self.terms:
            for var, c in zip(term.vars, term.coeffs, strict=True):
                value = int(round(term.weight * c * SCALE))
                if value:
                    idx = var.index
                    coef[idx] = coef.get(idx, 0) + value
                    var_of[idx] = var
        keys = sorted(coef)
        return [var_of[k] for k in keys], [coef[k] for k in keys]

    def minimize(self) -> None:
        """Set the objective to the sum of the penalty terms."""
        variables, coefficients = self.objective()
        self.cp.minimize(cp_model.LinearExpr.weighted_sum(variables, coefficients))
