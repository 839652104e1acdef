"""Charts of a plan as matplotlib figures (PNG for files, inlined in ``report.html``).

Each function takes frames in the documented formats and returns a ``Figure``; nothing here
reads or writes files. Times are drawn in the site's local time.
"""

from __future__ import annotations

import io as _io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display: reports are made on servers and in CI

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from staffing.reports.excel import activity_colours  # noqa: E402

__all__ = [
    "agent_hours_chart", "coverage_chart", "forecast_chart", "gap_heatmap", "png_bytes",
    "roster_gantt", "service_level_chart",
]


def _local(stamps: pd.Series) -> np.ndarray:
    """Wall-clock local times (naive) for plotting: matplotlib draws naive times as given."""
    return pd.DatetimeIndex(stamps).tz_localize(None).to_numpy()


def _figure(rows: int, height_per_row: float = 2.4, width: float = 11.0) -> tuple[Figure, list]:
    fig = Figure(figsize=(width, max(2.5, rows * height_per_row)), layout="constrained")
    axes = fig.subplots(rows, 1, squeeze=False)[:, 0]
    return fig, list(axes)


def _time_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, alpha=0.3)


def forecast_chart(history: pd.DataFrame | None, forecast: pd.DataFrame, *,
                   history_days: int = 14, coverage: float | None = None) -> Figure:
    """Per queue: the last ``history_days`` [days] of history, then the forecast with its band
    (labelled with its nominal ``coverage`` when given)."""
    queues = list(dict.fromkeys(forecast["queue"]))
    fig, axes = _figure(len(queues))
    start = forecast["interval_start"].min()
    for ax, queue in zip(axes, queues, strict=True):
        f = forecast[forecast["queue"] == queue]
        if history is not None and not history.empty:
            h = history[(history["queue"] == queue)
                        & (history["interval_start"] >= start - pd.Timedelta(days=history_days))
                        & (history["interval_start"] < start)]
            ax.plot(_local(h["interval_start"]), h["volume"], color="0.45", lw=0.8,
                    label="history")
        x = _local(f["interval_start"])
        band = "prediction interval" if coverage is None else \
            f"{coverage:.0%} prediction interval"
        ax.fill_between(x, f["volume_lower"], f["volume_upper"], color="tab:blue", alpha=0.25,
                        lw=0, label=band)
        ax.plot(x, f["volume"], color="tab:blue", lw=1.0, label="forecast")
        ax.set_title(f"{queue}: contacts per interval", loc="left", fontsize=10)
        ax.legend(loc="upper left", fontsize=8, ncols=3)
        _time_axis(ax)
    return fig


def coverage_chart(coverage: pd.DataFrame) -> Figure:
    """Per queue: agents required vs scheduled per interval, understaffing shaded."""
    queues = list(dict.fromkeys(coverage["queue"]))
    fig, axes = _figure(len(queues))
    for ax, queue in zip(axes, queues, strict=True):
        c = coverage[coverage["queue"] == queue]
        x = _local(c["interval_start"])
        req, sch = c["required"].to_numpy(float), c["scheduled"].to_numpy(float)
        ax.step(x, req, where="post", color="tab:red", lw=1.0, label="required")
        ax.step(x, sch, where="post", color="tab:green", lw=1.0, label="scheduled")
        ax.fill_between(x, sch, req, where=sch < req, step="post", color="tab:red", alpha=0.3,
                        lw=0, label="understaffed")
        ax.set_title(f"{queue}: agents per interval", loc="left", fontsize=10)
        ax.legend(loc="upper left", fontsize=8, ncols=3)
        _time_axis(ax)
    return fig


def service_level_chart(coverage: pd.DataFrame, simulated: pd.DataFrame,
                        targets: dict[str, float] | None = None) -> Figure:
    """Per queue with a service-level figure: the formula's service level per interval (the
    coverage's ``service_level``; 0 where Erlang C sees an overload) against the simulation's
    (``simulated``: the simulation's per-interval frame), with its 95 % band over
    replications and the target."""
    queues = [q for q in dict.fromkeys(coverage["queue"])
              if coverage.loc[coverage["queue"] == q, "service_level"].notna().any()]
    fig, axes = _figure(max(1, len(queues)))
    for ax, queue in zip(axes, queues, strict=False):
        c = coverage[coverage["queue"] == queue]
        sim = simulated[simulated["queue"] == queue]
        ax.fill_between(_local(sim["interval_start"]), sim["service_level_low"],
                        sim["service_level_high"], step="post", color="tab:orange", alpha=0.25,
                        lw=0, label="simulated, 95 % interval")
        ax.step(_local(sim["interval_start"]), sim["service_level"], where="post",
                color="tab:orange", lw=0.9, label="simulated")
        ax.step(_local(c["interval_start"]), c["service_level"], where="post", color="tab:blue",
                lw=0.9, label="formula")
        if targets and targets.get(queue):
            ax.axhline(targets[queue], color="0.3", lw=0.8, ls="--", label="target")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"{queue}: service level per interval", loc="left", fontsize=10)
        ax.legend(loc="lower left", fontsize=8, ncols=4)
        _time_axis(ax)
    return fig


def gap_heatmap(coverage: pd.DataFrame) -> Figure:
    """Per queue a day x time-of-day heatmap of ``scheduled - required`` (red = short)."""
    queues = list(dict.fromkeys(coverage["queue"]))
    fig, axes = _figure(len(queues), height_per_row=2.2)
    limit = max(1.0, float(np.nanmax(np.abs(coverage["gap"].to_numpy(float)))))
    image = None
    for ax, queue in zip(axes, queues, strict=True):
        c = coverage[coverage["queue"] == queue]
        local = pd.DatetimeIndex(c["interval_start"])
        table = pd.DataFrame({"date": local.date, "time": local.strftime("%H:%M"),
                              "gap": c["gap"].to_numpy(float)})
        grid = table.pivot_table(index="date", columns="time", values="gap", aggfunc="mean")
        image = ax.imshow(grid.to_numpy(), aspect="auto", cmap="RdYlGn", vmin=-limit,
                          vmax=limit, interpolation="nearest")
        ax.set_yticks(range(len(grid.index)), [f"{d:%a %d}" for d in grid.index], fontsize=8)
        step = max(1, len(grid.columns) // 12)
        ax.set_xticks(range(0, len(grid.columns), step), grid.columns[::step], fontsize=8)
        ax.set_title(f"{queue}: scheduled - required", loc="left", fontsize=10)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="agents")
    return fig


def roster_gantt(activities: pd.DataFrame, agents: Sequence[str], queues: Sequence[str],
                 *, max_agents: int = 60) -> Figure:
    """One row per agent (the first ``max_agents``), bars coloured by activity."""
    shown = list(agents)[:max_agents]
    colours = activity_colours(list(queues))
    fig = Figure(figsize=(11, max(3.0, 0.18 * len(shown) + 1.2)), layout="constrained")
    ax = fig.subplots()
    row = {a: i for i, a in enumerate(shown)}
    acts = activities[activities["agent_id"].isin(row)]
    for activity, part in acts.groupby("activity"):
        starts = _local(part["start"])
        widths = (part["end"] - part["start"]).dt.total_seconds().to_numpy() / 86400
        ax.barh([row[a] for a in part["agent_id"]], widths,
                left=mdates.date2num(starts), height=0.8,
                color="#" + colours.get(activity, "DDDDDD"), lw=0)
    ax.set_yticks(range(len(shown)), shown, fontsize=6)
    ax.invert_yaxis()
    _time_axis(ax)
    ax.xaxis_date()
    handles = [Patch(color="#" + c, label=a) for a, c in colours.items()]
    # Below the axes, in rows of at most 7: a desk with a dozen queues keeps its plot width.
    fig.legend(handles=handles, loc="outside lower center", fontsize=7,
               ncols=min(7, len(handles)))
    title = "Roster by agent"
    if len(agents) > len(shown):
        title += f" (first {len(shown)} of {len(agents)} agents)"
    ax.set_title(title, loc="left", fontsize=10)
    return fig


def agent_hours_chart(agent_summary: pd.DataFrame) -> Figure:
    """Paid hours per agent, sorted, coloured by contract."""
    frame = agent_summary.sort_values("paid_hours")
    fig = Figure(figsize=(11, 3.2), layout="constrained")
    ax = fig.subplots()
    contracts = list(dict.fromkeys(frame.get("contract", pd.Series(["all"] * len(frame)))))
    palette = {c: f"C{i}" for i, c in enumerate(contracts)}
    colour = [palette[c] for c in frame.get("contract", pd.Series(["all"] * len(frame)))]
    ax.bar(range(len(frame)), frame["paid_hours"], color=colour, width=0.9)
    ax.set_xticks([])
    ax.set_ylabel("paid hours")
    ax.legend(handles=[Patch(color=v, label=k) for k, v in palette.items()], fontsize=8)
    ax.set_title("Paid hours per agent", loc="left", fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def png_bytes(fig: Figure, dpi: int = 96) -> bytes:
    """The figure as PNG bytes."""
    buffer = _io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
