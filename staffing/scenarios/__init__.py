"""What-if scenarios side by side: :mod:`~staffing.scenarios.compare` plans several scenarios and
compares them; :mod:`~staffing.scenarios.capacity` searches the smallest addition of agents or
overtime that meets the targets. (The ``adjustments:`` a scenario applies live with the stage
they act on: :mod:`staffing.forecast.adjustments`, :mod:`staffing.solver.adjustments`.)"""
