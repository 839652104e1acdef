"""Curtois & Qu shift-scheduling benchmark: the 24 instances solved with the project's rule builders.

One command, from the repository (prints a Markdown table; about the sum of the time limits):

    .venv/bin/python -m benchmarks.curtois                         # all 24: 60 s, 300 s from 10 on
    .venv/bin/python -m benchmarks.curtois --instances 1-9 --time-limit 60
    .venv/bin/python -m benchmarks.curtois --instances 10-14 --time-limit-large 300

Instances are read from ``../shared/data/curtois_shift_scheduling/`` next to the repository
(or next to a parent folder, for a worktree; ``--data DIR`` for another copy; the files are the
original ``.txt`` format of schedulingbenchmarks.org, Curtois & Qu 2014, described in that
folder's README.txt).

Modules, in the order of the pipeline:

- :mod:`~benchmarks.curtois.reader`: the instance files -> :class:`Instance`;
- :mod:`~benchmarks.curtois.model`: the CP-SAT model from :mod:`staffing.solver.rules`'s
  builders (:func:`build_model`; its docstring maps each benchmark rule to its builder);
- :mod:`~benchmarks.curtois.evaluate`: the independent evaluator, the objective and every
  hard rule recomputed from a roster by its own code;
- :mod:`~benchmarks.curtois.search`: :func:`solve` — a first roster, column generation on the
  small instances, a large-neighbourhood search with ejection chains;
- :mod:`~benchmarks.curtois.colgen`: the pricing dynamic program, the best-response search
  built on it, and the column generation — the product's engine
  (:mod:`staffing.solver.decomposition`: master LP, rounds, Lagrangian bound) priced by that
  program or CP-SAT — with its dives;
- :mod:`~benchmarks.curtois.report` and ``__main__``: the table beside the published results.

``evaluate`` is not re-exported here: ``benchmarks.curtois.evaluate`` is the module (import the
function from it).
"""

from __future__ import annotations

from benchmarks.curtois.evaluate import Evaluation
from benchmarks.curtois.model import build_model
from benchmarks.curtois.reader import DATA, Instance, parse_instance, read_instance
from benchmarks.curtois.search import Solution, solve

__all__ = [
    "DATA",
    "Evaluation",
    "Instance",
    "Solution",
    "build_model",
    "parse_instance",
    "read_instance",
    "solve",
]
