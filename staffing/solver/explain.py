"""Why no roster keeps every hard rule: which agents, which rules.

Two ways, both used by :func:`~staffing.solver.solve_roster`:

1. :func:`precheck` — contradictions visible without solving: a weekly minimum of hours above
   the maximum, a minimum no week of shifts can reach (too few shifts allowed, too few days
   available, shifts too short), a weekends-off quota larger than the horizon's weekends.
2. :func:`explain_agents` — for an agent whose week the heuristic could not build, a one-agent
   CP-SAT model where every hard rule (:data:`~staffing.solver.rules.HARD_RULES`) holds only
   under its own literal, solved with those literals as assumptions. CP-SAT returns a sufficient
   set of assumptions for the infeasibility; removing rules one at a time while the rest stays
   infeasible shrinks it to a minimal set: every rule named is needed for the conflict.
   Shift starts outside the contract window, on fixed days off and in unavailable windows are
   kept in this model under their own rules, so those can be named too.

All hard rules are per agent except the break cap, which couples agents of a queue;
:func:`explain_model` handles that case with one assumption per queue's cap and per agent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from staffing.domain import WEEKDAYS
from staffing.solver.model import RosterModel
from staffing.solver.problem import RosterProblem, block_limits, build_problem
from staffing.solver.rules import HARD_RULES, add_agent_rules

__all__ = ["choice_from_roster", "describe_rule", "explain_agents", "explain_model", "precheck"]


def _hours(minutes: float) -> str:
    return f"{minutes / 60:g} h"


def describe_rule(problem: RosterProblem, a: int, rule: str) -> str:
    """A rule of agent ``a`` with its value, as the scenario names it."""
    r = problem.rules[a]
    agent = problem.agents[a]
    contract = problem.contracts[r.contract]
    match rule:
        case "min_hours_per_week":
            return f"min_hours_per_week ({_hours(r.min_minutes_per_week)})"
        case "max_hours_per_week":
            return f"max_hours_per_week ({_hours(r.max_minutes_per_week)})"
        case "max_shifts_per_week":
            return f"max_shifts_per_week ({r.max_shifts_per_week})"
        case "min_days_off_per_week":
            return f"min_days_off_per_week ({r.min_days_off_per_week})"
        case "max_consecutive_days":
            return f"max_consecutive_days ({r.max_consecutive_days})"
        case "min_consecutive_days_off":
            return f"min_consecutive_days_off ({r.min_consecutive_days_off})"
        case "min_rest":
            return f"min_rest_hours ({_hours(r.min_rest_minutes)})"
        case "max_night_shifts_per_week":
            return f"max_night_shifts_per_week ({r.max_night_shifts_per_week})"
        case "min_weekends_off":
            n = len(problem.weekends)
            return (f"min_weekends_off ({r.min_weekends_off}; the horizon has {n} whole "
                    f"weekend{'s' if n != 1 else ''})")
        case "max_consecutive_weekends_worked":
            past = problem.history_of(a).weekends_worked
            return (f"max_consecutive_weekends_worked ({r.max_consecutive_weekends_worked}"
                    + (f"; {past} worked just before the horizon" if past else "") + ")")
        case "kept_before_cut":
            kept = 0 if problem.kept is None else int(problem.kept[a].sum())
            return (f"the re-plan keeps the {kept} published shift{'s' if kept != 1 else ''} "
                    "started before its cut")
        case "fixed_days_off":
            days = ";".join(WEEKDAYS[d] for d in sorted(agent.fixed_days_off))
            return f"fixed_days_off ({days})"
        case "unavailable":
            spans = [f"{s.isoformat(timespec='minutes')}/{e.isoformat(timespec='minutes')}"
                     for s, e in agent.unavailable]
            more = f" and {len(spans) - 3} more" if len(spans) > 3 else ""
            return "unavailable (" + ", ".join(spans[:3]) + more + ")"
        case "start_window":
            return (f"the start window of contract {r.contract} "
                    f"({contract.earliest_start.strftime('%H:%M')}-"
                    f"{contract.latest_start.strftime('%H:%M')})")
    return rule


def _shift_context(problem: RosterProblem, a: int) -> str:
    contract = problem.contracts[problem.rules[a].contract]
    if contract.min_shift_minutes == contract.max_shift_minutes:
        return f"shifts of {contract.min_shift_minutes} min"
    return f"shifts of {contract.min_shift_minutes}-{contract.max_shift_minutes} min"


def _join(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _conflict_line(problem: RosterProblem, a: int, rules: Sequence[str]) -> str:
    agent = problem.agents[a]
    names = [describe_rule(problem, a, r) for r in rules]
    verb = "cannot hold" if len(names) == 1 else \
        ("cannot both hold" if len(names) == 2 else "cannot all hold")
    return (f"agent {agent.agent_id} (contract {problem.rules[a].contract}, "
            f"{_shift_context(problem, a)}): {_join(names)} {verb}")


def _group(lines: list[tuple[str, str]], limit: int = 8) -> list[str]:
    """``(agent id, message with {agent})`` pairs -> one line per message listing agents."""
    by_message: dict[str, list[str]] = defaultdict(list)
    for agent_id, message in lines:
        by_message[message].append(agent_id)
    out = []
    for message, ids in by_message.items():
        more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
        who = ", ".join(ids[:limit]) + more
        noun = "agent" if len(ids) == 1 else "agents"
        out.append(message.replace("{agent}", f"{noun} {who}"))
    return out


def precheck(problem: RosterProblem) -> list[str]:
    """Contradictions among an agent's rules that need no solving, one line per kind
    (agents sharing it listed together)."""
    found: list[tuple[str, str]] = []
    for a, agent in enumerate(problem.agents):
        r = problem.rules[a]
        contract = f"contract {r.contract}, {_shift_context(problem, a)}"
        if r.min_minutes_per_week > r.max_minutes_per_week:
            found.append((agent.agent_id,
                          f"{{agent}} ({contract}): "
                          f"{describe_rule(problem, a, 'min_hours_per_week')}"
                          f" is above {describe_rule(problem, a, 'max_hours_per_week')}; they "
                          "cannot both hold (lower the minimum or raise the maximum)"))
            continue
        if r.min_weekends_off > len(problem.weekends):
            found.append((agent.agent_id,
                          f"{{agent}} ({contract}): "
                          f"{describe_rule(problem, a, 'min_weekends_off')}"
                          " cannot hold"))
            continue
        for b, block in enumerate(problem.blocks):
            limits = block_limits(r, block)
            if limits.min_minutes <= 0:
                continue
            best = sorted((int(problem.table(a, d).paid[problem.options[a][d]].max())
                           for d in block.range if len(problem.options[a][d])), reverse=True)
            reachable = sum(best[:limits.max_shifts])
            if reachable >= limits.min_minutes:
                continue
            why = [describe_rule(problem, a, "min_hours_per_week")]
            longest = problem.contracts[r.contract].max_shift_minutes
            if len(best) > limits.max_shifts:
                days_off = r.min_days_off_per_week
                why.append(describe_rule(problem, a, "max_shifts_per_week"
                                         if r.max_shifts_per_week <= 7 - days_off
                                         else "min_days_off_per_week"))
            else:
                if any(d in problem.fixed_off[a] for d in block.range):
                    why.append(describe_rule(problem, a, "fixed_days_off"))
                if agent.unavailable:
                    why.append(describe_rule(problem, a, "unavailable"))
            found.append((agent.agent_id,
                          f"{{agent}} ({contract}): week {b + 1} allows at most "
                          f"{_hours(reachable)} paid (at most {limits.max_shifts} shifts of up to "
                          f"{longest} min on {len(best)} available days), so {_join(why)} "
                          "cannot all hold"))
            break
    return _group(found)


def _agent_problem(problem: RosterProblem, a: int) -> RosterProblem:
    """Agent ``a`` alone, with every start of the day and every day kept."""
    stamp = f"datetime64[ns, {problem.horizon.time_zone}]"
    empty = pd.DataFrame({"queue": pd.Series(dtype=str),
                          "interval_start": pd.Series(dtype=stamp),
                          "agents_required_with_shrinkage": pd.Series(dtype=float)})
    return build_problem(empty, [problem.agents[a]], horizon=problem.horizon,
                         contracts=problem.contracts, rules=problem.shift_rules,
                         whole_day=True, keep_unavailable=True,
                         history=problem.histories() if problem.history else None)


def _infeasible_core(problem: RosterProblem, seed: int, time_limit: float) -> list[str] | None:
    """A minimal set of the one agent's rules that cannot hold together (``None``: they can)."""
    m = RosterModel(problem, [0])
    enforce = {name: m.cp.new_bool_var(name) for name in HARD_RULES}
    add_agent_rules(m, 0, enforce)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.catch_sigint_signal = False

    def infeasible(active: list[str]) -> bool | None:
        m.cp.clear_assumptions()
        m.cp.add_assumptions([enforce[n] for n in active])
        status = solver.solve(m.cp)
        if status == cp_model.INFEASIBLE:
            return True
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        return None

    names = list(HARD_RULES)
    verdict = infeasible(names)
    if not verdict:
        return None
    core_idx = set(solver.sufficient_assumptions_for_infeasibility())
    core = [n for n in names if enforce[n].index in core_idx] or names
    # Deletion-based minimisation: drop each rule whose removal keeps the conflict.
    for name in list(core):
        trial = [n for n in core if n != name]
        if trial and infeasible(trial):
            core = trial
    return core


def explain_agents(problem: RosterProblem, agents: Sequence[int], *, seed: int = 0,
                   time_limit: float = 10.0) -> list[str]:
    """One line per agent whose own hard rules cannot all hold, naming the rules."""
    lines = []
    for a in agents:
        single = _agent_problem(problem, a)
        core = _infeasible_core(single, seed, time_limit)
        if core is None:
            lines.append(f"agent {problem.agents[a].agent_id}: no week keeping every hard rule "
                         "was found in time; no single conflict could be isolated")
        else:
            lines.append(_conflict_line(single, 0, core))
    return lines


def explain_model(problem: RosterProblem, *, seed: int = 0, time_limit: float = 30.0
                  ) -> list[str]:
    """When every agent can work a valid week alone but not all together (only the break cap
    couples agents): the queues whose cap and the agents whose rules are in conflict."""
    from staffing.config import SolverWeights
    from staffing.solver.coverage import add_interval_coverage

    m = RosterModel(problem)
    per_agent = {a: m.cp.new_bool_var(f"agent {problem.agents[a].agent_id}")
                 for a in range(problem.A)}
    for a in range(problem.A):
        add_agent_rules(m, a, {name: per_agent[a] for name in HARD_RULES})
    add_interval_coverage(m, SolverWeights(), cap_enforce=True)
    cap_lits = getattr(m, "cap_literals", {})
    m.cp.add_assumptions(list(per_agent.values()) + list(cap_lits.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.catch_sigint_signal = False
    status = solver.solve(m.cp)
    if status != cp_model.INFEASIBLE:
        return ["no roster keeping every hard rule was found in time, though each agent's "
                "rules hold alone; check shift_rules.max_break_fraction and the break windows"]
    core = set(solver.sufficient_assumptions_for_infeasibility())
    queues = [problem.queues[q] for q, lit in cap_lits.items() if lit.index in core]
    agents = [problem.agents[a].agent_id for a, lit in per_agent.items() if lit.index in core]
    fraction = problem.shift_rules.max_break_fraction
    line = (f"shift_rules.max_break_fraction ({fraction:g}) on queue"
            f"{'s' if len(queues) != 1 else ''} {', '.join(queues) or '(all)'} cannot hold "
            "with the shifts the agents' hard rules allow")
    if agents:
        shown = ", ".join(agents[:10]) + (f" and {len(agents) - 10} more" if len(agents) > 10
                                          else "")
        line += f" (agents {shown}: their breaks cannot all be staggered)"
    return [line + "; raise the fraction or widen the break windows"]


def choice_from_roster(problem: RosterProblem, roster: pd.DataFrame) -> np.ndarray:
    """A previous roster (roster format) as a choice matrix: each shift mapped to the agent's
    option with the same start and length; shifts no option matches are dropped."""
    choice = np.full((problem.A, problem.D), -1, dtype=np.int64)
    index = {a.agent_id: i for i, a in enumerate(problem.agents)}
    start = problem.horizon.start
    for row in roster.itertuples(index=False):
        a = index.get(str(row.agent_id))
        if a is None:
            continue
        s = int(round((pd.Timestamp(row.shift_start) - start).total_seconds() / 60))
        e = int(round((pd.Timestamp(row.shift_end) - start).total_seconds() / 60))
        for d in range(problem.D):
            opts = problem.options[a][d]
            if not len(opts):
                continue
            table = problem.table(a, d)
            hit = np.flatnonzero((table.start_minute[opts] == s) & (table.end_minute[opts] == e))
            if len(hit):
                choice[a, d] = int(hit[0])
                break
    return choice
