"""Claims of length and task generalization (Zhou et al. 2023, Abedsoltan et al. 2025), checked from a
train-once sweep's summary/accuracy table, and of recursive introspection (Qu et al. 2024), from an
introspection experiment's summary/metrics table."""

from __future__ import annotations

import math

from selfimprove.claims.base import ClaimError, Verdict, arm_rows, over_seeds, per_seed_accuracy, proportion


def only_variant(acc, options: dict) -> str:
    variants = list(dict.fromkeys(acc["variant"]))
    if "variant" in options:
        return options["variant"]
    if len(variants) != 1:
        raise ClaimError(f"the sweep has {len(variants)} variants ({', '.join(variants)}); name one in claim.variant")
    return variants[0]


def counting_length(tables, config: dict, options: dict) -> Verdict:
    """Zhou et al. 2023: >= 90 % exact match at 1.5 x the longest trained count."""
    acc = tables.read("accuracy")
    variant = only_variant(acc, options)
    rows = arm_rows(acc, variant, "variant")
    trained = int(config["data"]["base_difficulty"][1])
    at = math.ceil(1.5 * trained)
    measure = over_seeds(f"{variant}: exact match at count {at}", per_seed_accuracy(rows, 0, [at]))
    return Verdict(
        "counting length-generalizes",
        "Zhou et al. 2023",
        f"exact match >= 90 % at 1.5 x the longest trained count ({trained} -> {at})",
        [measure],
        measure.mean >= 0.90,
    )


def _final_bit(acc, variant: str, group: str):
    rows = arm_rows(acc, variant, "variant")
    rows = rows[rows["group"] == group] if "group" in rows else rows
    if "final_accuracy" not in rows or rows["final_accuracy"].isna().all():
        raise ClaimError("the evaluation tables hold no final_accuracy (evaluated before it was recorded: re-run the evaluations)")
    n = rows["n"].sum()
    return proportion(f"{variant}: final parity bit right on {group} tasks", float((rows["final_accuracy"] * rows["n"]).sum()), n)


def parity_cot(tables, config: dict, options: dict) -> Verdict:
    """Abedsoltan et al. 2025: on tasks never trained on, the final parity bit is right >= 75 % of the time with
    chain of thought, within 10 points of chance (50 %) without, their 95 % intervals apart."""
    acc = tables.read("accuracy")
    group = options.get("group", "unseen")
    cot, plain = _final_bit(acc, options["with"], group), _final_bit(acc, options["without"], group)
    apart = cot.interval[0] > plain.interval[1] or plain.interval[0] > cot.interval[1]
    return Verdict(
        "chain of thought lets sparse parity generalize to unseen tasks",
        "Abedsoltan et al. 2025",
        "the final parity bit on unseen tasks is right >= 75 % with CoT and within 10 points of 50 % without, the two 95 % "
        "intervals not overlapping",
        [cot, plain],
        cot.mean >= 0.75 and abs(plain.mean - 0.5) <= 0.10 and apart,
    )


def introspection_turns(tables, config: dict, options: dict) -> Verdict:
    """Qu et al. 2024: the introspecting model's sequential accuracy at its last turn is >= turn 1 + 5 points,
    and above the majority of as many parallel samples of the same model."""
    metrics = tables.read("metrics")
    rise = arm_rows(metrics[metrics["protocol"] == "sequential"], options.get("arm", "rise"))
    last = rise[rise["iteration"] == rise["iteration"].max()]
    turns, samples = config["introspection"]["evaluate"]["turns"], config["introspection"]["evaluate"]["samples"]
    value = lambda name: over_seeds(
        f"{name}, iteration {int(last['iteration'].iloc[0])}", last[last["metric"] == name].set_index("seed")["value"]
    )  # noqa: E731
    first, final, parallel = value("acc@t1"), value(f"acc@t{turns}"), value(f"m{samples}@t1")
    per_seed = last.pivot_table(index="seed", columns="metric", values="value")
    gains = [  # paired by seed: how far above seed noise the effect stands
        over_seeds(f"turn {turns} - turn 1, paired", per_seed[f"acc@t{turns}"] - per_seed["acc@t1"]),
        over_seeds(f"turn {turns} - m{samples}@t1, paired", per_seed[f"acc@t{turns}"] - per_seed[f"m{samples}@t1"]),
    ]
    return Verdict(
        "a model trained to introspect improves over turns",
        "Qu et al. 2024",
        f"sequential accuracy at turn {turns} >= turn 1 + 5 points, and above the majority of {samples} parallel samples (m{samples}@t1)",
        [first, final, parallel, *gains],
        final.mean >= first.mean + 0.05 and final.mean > parallel.mean,
    )
