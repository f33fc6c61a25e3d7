"""The summary of an introspection experiment: turn-by-turn accuracy, headline metrics with 95% intervals, transitions."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from selfimprove.engine.data import read_table, write_table
from selfimprove.engine.results import interval
from selfimprove.introspection import metrics
from selfimprove.introspection.stages import EPISODES
from selfimprove.workflow.atomic import atomic_output

log = logging.getLogger(__name__)


def summarize(eval_paths, keys, out_turns, out_metrics, out_transitions, out_table):
    """keys[i] = {seed, arm, iteration} of eval_paths[i]. `out_table`: the headline figures as Markdown."""
    turns, headline, moves = [], [], []
    for path, key in zip(eval_paths, keys):
        ev = read_table(path, [*EPISODES, "protocol"])
        parallel = ev[ev["protocol"] == "parallel"]
        for protocol, t in ev.groupby("protocol"):
            turns.append(metrics.turn_accuracy(t).rename("accuracy").reset_index().assign(protocol=protocol, **key))
            if protocol != "parallel":
                s = metrics.summary(t, parallel if protocol == "sequential" else None)
                headline += [{**key, "protocol": protocol, "metric": m, "value": v} for m, v in s.items()]
                moves.append(metrics.transitions(t).assign(protocol=protocol, **key))
    write_table(pd.concat(turns, ignore_index=True), out_turns)
    write_table(pd.DataFrame(headline), out_metrics)
    write_table(pd.concat(moves, ignore_index=True), out_transitions)
    table = headline_table(pd.DataFrame(headline))
    log.info("headline figures (mean ± 95%% interval over seeds):\n%s", table.to_string())
    seeds = len({k["seed"] for k in keys})
    with atomic_output(out_table) as tmp:
        Path(tmp).write_text(
            f"Sequential evaluation: mean ± 95% t interval over {seeds} seed(s); 'oracle' figures use the verifier at test time.\n\n"
            + markdown(table.reset_index())
            + "\n"
        )


def headline_table(headline: pd.DataFrame, protocol: str = "sequential") -> pd.DataFrame:
    """Rows (arm, iteration), columns the metrics, cells 'mean ± 95% interval' over seeds."""
    h = headline[headline["protocol"] == protocol]
    cells = h.groupby(["arm", "iteration", "metric"], sort=False)["value"].apply(lambda v: "{:.3f} ± {:.3f}".format(*interval(v)))
    return cells.unstack("metric")[list(dict.fromkeys(h["metric"]))]


def markdown(df: pd.DataFrame) -> str:
    """A plain Markdown table (no extra dependency)."""
    rows = [list(map(str, df.columns)), ["---"] * len(df.columns)] + [list(map(str, r)) for r in df.itertuples(index=False)]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


# Two-sided 95% Student t quantiles by degrees of freedom (1..10); beyond, the normal 1.96 is close enough.
