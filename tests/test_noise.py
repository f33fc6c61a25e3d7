"""Label noise: answers are corrupted as specified, prompts never, and exactly the asked share."""

import random

import pandas as pd
import pytest

from selfimprove.rounds.noise import KINDS, corrupt, corrupt_table


def test_each_kind_changes_only_what_it_says():
    rng = random.Random(0)
    for _ in range(300):
        answer = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 12)))
        r = corrupt(answer, "random", rng)
        assert len(r) == len(answer) and r.isdigit()
        d = corrupt(answer, "drop", rng)
        assert len(answer) - 3 <= len(d) < len(answer) and d.startswith(answer[: max(0, len(answer) - 3)])
        p = corrupt(answer, "perturb", rng)
        assert len(p) == len(answer) and p[:-3] == answer[:-3]
        assert all(abs(int(a) - int(b)) <= 1 for a, b in zip(answer, p))
        b = corrupt(answer, "both", rng)
        assert len(b) < len(answer)
    with pytest.raises(ValueError, match="noise kind"):
        corrupt("12", "shuffle", rng)


@pytest.mark.parametrize("kind", KINDS)
def test_corrupt_table_hits_exactly_the_fraction_of_accepted_rows_and_keeps_prompts(kind):
    n = 200
    table = pd.DataFrame(
        {
            "prompt": [f"{i}=" for i in range(n)],
            "target": [f"{i:05d}" for i in range(n)],
            "true_target": [f"{i:05d}" for i in range(n)],
            "accepted": [i % 4 != 0 for i in range(n)],
            "label_correct": True,
        }
    )
    out = corrupt_table(table, kind, 0.3, seed="0:0:0")
    assert out["corrupted"].sum() == round(0.3 * 150) and not out.loc[~out["accepted"], "corrupted"].any()
    assert out["prompt"].equals(table["prompt"]) and table["target"].equals(table["true_target"])  # input untouched
    changed = out["target"] != table["target"]
    assert (changed <= out["corrupted"]).all() and changed.sum() >= 0.5 * out["corrupted"].sum()
    assert (out["label_correct"] == ~changed).all()
    again = corrupt_table(table, kind, 0.3, seed="0:0:0")
    assert again.equals(out)  # a trial's corruption is reproducible
    assert not corrupt_table(table, kind, 0.3, seed="0:1:0")["corrupted"].equals(out["corrupted"])  # another trial differs
