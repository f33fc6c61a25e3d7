"""Label noise for the error analysis (paper Sec. 8.2): corrupt some accepted self-labels.

Only answers change; prompts stay intact, so a corrupted example is a wrong label for a real
question. Kinds, applied to the answer's last three characters where digits sit:

    random   the whole answer replaced by random digits of the same length
    drop     1-3 of the last 3 characters deleted (the answer gets shorter)
    perturb  1-3 of the last 3 digits moved by -1, 0 or +1 (clipped to 0..9)
    both     perturb, then drop

Exactly round(fraction * accepted) accepted rows are corrupted, chosen by the trial's seed.
"""

from __future__ import annotations

import random
import re

import pandas as pd

KINDS = ("random", "drop", "perturb", "both")
DIGITS = "0123456789"


def _perturb(answer: str, rng: random.Random) -> str:
    chars = list(answer)
    tail = [i for i in range(max(0, len(chars) - 3), len(chars)) if chars[i] in DIGITS]
    for i in rng.sample(tail, rng.randint(1, len(tail))) if tail else []:
        chars[i] = str(min(9, max(0, int(chars[i]) + rng.choice((-1, 0, 1)))))
    return "".join(chars)


def _drop(answer: str, rng: random.Random) -> str:
    tail = list(range(max(0, len(answer) - 3), len(answer)))
    gone = set(rng.sample(tail, rng.randint(1, len(tail)))) if tail else set()
    return "".join(c for i, c in enumerate(answer) if i not in gone)


def corrupt(answer: str, kind: str, rng: random.Random) -> str:
    if kind == "random":
        return "".join(rng.choice(DIGITS) for _ in answer)
    if kind == "drop":
        return _drop(answer, rng)
    if kind == "perturb":
        return _perturb(answer, rng)
    if kind == "both":
        return _drop(_perturb(answer, rng), rng)
    raise ValueError(f"noise kind must be one of {KINDS}, got {kind!r}")


def corrupt_table(accepted: pd.DataFrame, kind: str, fraction: float, seed) -> pd.DataFrame:
    """A copy of an accepted-labels table with round(fraction * #accepted) targets corrupted.

    Adds `corrupted`; `label_correct` is recomputed against `true_target`.
    """
    rng = random.Random(f"noise:{kind}:{fraction}:{seed}")
    out = accepted.copy()
    live = list(out.index[out["accepted"]])
    chosen = rng.sample(live, round(fraction * len(live)))
    out["corrupted"] = False
    out.loc[chosen, "target"] = [corrupt(out.at[i, "target"], kind, rng) for i in chosen]
    out.loc[chosen, "corrupted"] = True
    out.loc[chosen, "label_correct"] = out.loc[chosen, "target"] == out.loc[chosen, "true_target"]
    return out


def setting_names(noise: dict) -> list[str]:
    """One noisy chain per (kind, fraction, start round, trial) of the config's label_noise, named
    "<kind>_p<fraction>_r<start>_t<trial>" (its directory under results/<experiment>/noise/)."""
    return [
        f"{kind}_p{fraction}_r{start}_t{trial}"
        for kind in noise["kinds"]
        for fraction in noise["fractions"]
        for start in noise["start_rounds"]
        for trial in range(noise["trials"])
    ]


def parse_setting(name: str) -> dict:
    kind, fraction, start, trial = re.fullmatch(r"(\w+?)_p([0-9.]+)_r(\d+)_t(\d+)", name).groups()
    return {"kind": kind, "fraction": float(fraction), "start": int(start), "trial": int(trial)}
