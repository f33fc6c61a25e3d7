"""Claims of easy-to-hard self-improvement (Lee et al. 2025), checked from a rounds experiment's summary
tables (summary/accuracy, selflabels, noise) or a self-improvement sweep's (summary/arms_accuracy, arms_selflabels).

Each check takes the run's `Tables`, its config and the claim's options, and returns a Verdict. Figures are
means over seeds with 95 % t intervals; "solved" is SOLVED exact match on the mean over seeds.
"""

from __future__ import annotations

import pandas as pd

from selfimprove.claims.base import ClaimError, Measure, Verdict, arm_rows, frontier_by_seed, over_seeds, per_seed_accuracy, solved_length


def base_max(config: dict) -> int:
    return int(config["data"]["base_difficulty"][1])


def copy_length(tables, config: dict, options: dict) -> Verdict:
    """Lee et al. §4.2: after R rounds the solved length is at least base max + R, and the margin past the
    trained length is larger in the last round than in round 0."""
    acc = tables.read("accuracy")
    last = int(acc["round"].max())
    solved = {r: solved_length(acc[acc["round"] == r]) for r in (0, last)}
    trained = {r: int(acc.loc[acc["round"] == r, "trained_up_to"].max()) for r in (0, last)}
    if None in solved.values():
        raise ClaimError(f"no round solves even the easiest evaluated length (solved lengths {solved})")
    margin = {r: solved[r] - trained[r] for r in (0, last)}
    need = base_max(config) + last
    return Verdict(
        "copy: self-improvement extends the solved length, and the margin past the trained length grows",
        "Lee et al. 2025, §4.2",
        f"after R = {last} rounds the longest length at >= 99 % is >= base max + R = {need}, and its margin past the "
        "trained length is larger than in round 0",
        [
            Measure(f"solved length after round {last}", solved[last]),
            Measure(f"margin past the trained length, round 0 (trained to {trained[0]})", margin[0]),
            Measure(f"margin past the trained length, round {last} (trained to {trained[last]})", margin[last]),
        ],
        solved[last] >= need and margin[last] > margin[0],
    )


def addition_without_filter(tables, config: dict, options: dict) -> Verdict:
    """Lee et al. §4.1: accuracy at base max + `offset` digits rises from <= 20 % after round 0 to >= 90 %."""
    if [f for f in config["filters"] if f != "none"]:
        raise ClaimError(f"the claim is about a run without filters; this one filters with {config['filters']}")
    acc = tables.read("accuracy")
    last, at = int(acc["round"].max()), base_max(config) + int(options.get("offset", 3))
    before = over_seeds(f"accuracy at {at} digits after round 0", per_seed_accuracy(acc, 0, [at]))
    after = over_seeds(f"accuracy at {at} digits after round {last}", per_seed_accuracy(acc, last, [at]))
    return Verdict(
        "reverse addition improves itself without any filter",
        "Lee et al. 2025, §4.1",
        f"accuracy at base max + {options.get('offset', 3)} = {at} digits is <= 20 % after round 0 and >= 90 % after the last round",
        [before, after],
        before.mean <= 0.20 and after.mean >= 0.90,
    )


def _frontier_last(acc: pd.DataFrame, arm: str) -> pd.Series:
    rows = arm_rows(acc, arm)
    return frontier_by_seed(rows, int(rows["round"].max()))


def _kept_label_accuracy(labels: pd.DataFrame, arm: str) -> tuple[Measure, Measure]:
    rows = arm_rows(labels, arm)
    first, last = int(rows["round"].min()), int(rows["round"].max())
    per = lambda r: rows[rows["round"] == r].groupby("seed")["label_accuracy_after"].mean()  # noqa: E731
    return over_seeds(f"{arm}: kept-label accuracy, round {first}", per(first)), over_seeds(
        f"{arm}: kept-label accuracy, round {last}", per(last)
    )


def filter_needed(tables, config: dict, options: dict) -> Verdict:
    """Lee et al. §6.1: with the filter, frontier accuracy after the last round is >= 20 points above the
    unfiltered arm's, and the unfiltered arm's kept-label accuracy falls across rounds."""
    acc, labels = tables.read("arms_accuracy"), tables.read("arms_selflabels")
    filtered, unfiltered = options["with"], options["without"]
    on = over_seeds(f"{filtered}: frontier accuracy after the last round", _frontier_last(acc, filtered))
    off = over_seeds(f"{unfiltered}: frontier accuracy after the last round", _frontier_last(acc, unfiltered))
    first, last = _kept_label_accuracy(labels, unfiltered)
    return Verdict(
        "forward addition needs the length filter",
        "Lee et al. 2025, §6.1",
        "frontier accuracy after the last round >= 20 points higher with the filter than without, and the unfiltered "
        "arm's kept-label accuracy lower in its last labelling round than in its first",
        [on, off, first, last],
        on.mean - off.mean >= 0.20 and last.mean < first.mean,
    )


def first_labelled_cells(config: dict) -> list:
    """The cells round 0's models label: the schedule's first entry, else one step past round-0 data."""
    schedule = config["self_improve"].get("schedule")
    if schedule:
        return [tuple(c) if isinstance(c, list) else c for c in schedule[0]]
    return [base_max(config) + int(config["self_improve"]["difficulty_step"])]


def vote_cleans_labels(tables, config: dict, options: dict) -> Verdict:
    """Lee et al. §6.2, Fig. 7: at the first unseen cell, the labels the vote keeps are >= 30 points more
    accurate than one model's raw labels, and accuracy there rises once trained on them (round 1 > round 0)."""
    acc, labels = tables.read("accuracy"), tables.read("selflabels")
    if "majority_vote" not in config["filters"]:
        raise ClaimError("this run has no majority_vote filter")
    round0 = labels[labels["round"] == 0].groupby("seed")
    raw = over_seeds("raw labels of one model correct, round 0", round0["label_accuracy_before"].mean())
    kept = over_seeds("labels kept by the vote correct, round 0", round0["label_accuracy_after"].mean())
    cells = first_labelled_cells(config)
    before = over_seeds(f"accuracy at {cells} after round 0", per_seed_accuracy(acc, 0, cells))
    after = over_seeds(f"accuracy at {cells} after round 1 (trained on them)", per_seed_accuracy(acc, 1, cells))
    return Verdict(
        "majority voting cleans multiplication labels",
        "Lee et al. 2025, §6.2, Fig. 7",
        f"at the first unseen cell(s) {cells}: kept-label accuracy >= raw + 30 points, and accuracy after round 1 > after round 0",
        [raw, kept, before, after],
        kept.mean - raw.mean >= 0.30 and after.mean > before.mean,
    )


def collapse_without_filter(tables, config: dict, options: dict) -> Verdict:
    """Lee et al. §6.3: without a filter, accuracy at the newest hop count falls across rounds (last < round 1);
    with the vote it stays >= 80 % in every round."""
    acc = tables.read("arms_accuracy")
    voted, unfiltered = arm_rows(acc, options["with"]), arm_rows(acc, options["without"])
    last = int(unfiltered["round"].max())
    first_off = over_seeds(f"{options['without']}: frontier accuracy, round 1", frontier_by_seed(unfiltered, 1))
    last_off = over_seeds(f"{options['without']}: frontier accuracy, round {last}", frontier_by_seed(unfiltered, last))
    per_round = [
        over_seeds(f"{options['with']}: frontier accuracy, round {r}", frontier_by_seed(voted, r)) for r in sorted(voted["round"].unique())
    ]
    worst = min(per_round, key=lambda m: m.mean)
    return Verdict(
        "mazes collapse without a filter and continue with a vote",
        "Lee et al. 2025, §6.3",
        "the unfiltered arm's accuracy at the newest hop count is lower in its last round than in round 1, while the "
        "voted arm's is >= 80 % in every round",
        [first_off, last_off, worst, per_round[-1]],
        last_off.mean < first_off.mean and worst.mean >= 0.80,
    )


def structured_noise(tables, config: dict, options: dict) -> Verdict:
    """Lee et al. §8.2: at equal fraction, drop and perturb noise lower the next rounds' frontier accuracy more
    than random labels do, over >= 3 trials."""
    noise = tables.read("noise")
    at = (
        noise[noise["difficulty"] == noise["trained_up_to"]] if "difficulty2" not in noise or noise["difficulty2"].nunique() <= 1 else noise
    )
    chains = at.groupby(["kind", "fraction", "start", "trial", "seed"])["accuracy"].mean().reset_index()
    trials = int(chains["trial"].nunique())
    measures, ok = [], trials >= 3
    for (fraction, start), g in chains.groupby(["fraction", "start"]):
        by_kind = {k: over_seeds(f"{k} at {fraction:g} from round {start}", v["accuracy"], "chain") for k, v in g.groupby("kind")}
        if "random" not in by_kind or not {"drop", "perturb"} & set(by_kind):
            raise ClaimError(f"fraction {fraction} from round {start} lacks random or structured noise: kinds {sorted(by_kind)}")
        for kind in ("drop", "perturb"):
            if kind in by_kind:
                ok &= by_kind[kind].mean < by_kind["random"].mean
        measures += list(by_kind.values())
    return Verdict(
        "structured label noise hurts more than uniform noise",
        "Lee et al. 2025, §8.2",
        f"at every fraction, drop and perturb noise leave a lower frontier accuracy in the rounds after it than random "
        f"labels, over >= 3 trials (here {trials}; a chain is one trial of one seed)",
        measures,
        ok,
    )


def accelerated_fewer_rounds(tables, config: dict, options: dict) -> Verdict:
    """Lee et al. §7.2: the accelerated schedule solves the standard schedule's final solved length in at most
    half the standard's rounds."""
    acc = tables.read("arms_accuracy")
    standard, accelerated = arm_rows(acc, options["standard"]), arm_rows(acc, options["accelerated"])
    rounds = int(standard["round"].max())
    target = solved_length(standard[standard["round"] == rounds])
    reached = [
        r for r in sorted(accelerated["round"].unique()) if (solved_length(accelerated[accelerated["round"] == r]) or 0) >= (target or 0)
    ]
    first = int(reached[0]) if reached else None
    return Verdict(
        "the accelerated schedule needs fewer rounds",
        "Lee et al. 2025, §7.2",
        f"the accelerated arm solves the standard arm's final solved length (after its {rounds} rounds) by round {rounds // 2}",
        [
            Measure("standard: solved length after its last round", target or 0),
            Measure("accelerated: first round solving it", first if first is not None else float("nan")),
        ],
        target is not None and first is not None and first <= rounds / 2,
    )
