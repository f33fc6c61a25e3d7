"""Difficulties of one- and two-axis tasks, ranges, and the per-round schedule as data."""

import pandas as pd
import pytest

from selfimprove.engine.data import make_eval_prompts, make_selflabel_prompts
from selfimprove.engine.evaluate import accuracy_by_difficulty
from selfimprove.tasks import difficulty as D
from selfimprove.tasks import get_task

COPY, MULT, MAZE = get_task("copy"), get_task("multiplication"), get_task("maze")


def test_parse_checks_the_number_of_axes():
    assert D.parse(COPY, 7) == 7
    assert D.parse(MULT, [6, 1]) == (6, 1)
    with pytest.raises(D.DifficultyError, match="config key 'k': a difficulty of task 'copy' is one integer"):
        D.parse(COPY, [1, 2], "k")
    with pytest.raises(D.DifficultyError, match="list of 2 integers"):
        D.parse(MULT, 6)


def test_ranges_are_inclusive_and_rectangular_for_two_axes():
    assert D.between(COPY, 3, 5) == [3, 4, 5]
    assert D.between(MULT, (1, 1), (2, 3)) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    assert D.between(COPY, 5, 3) == []


def test_step_schedule_labels_one_difficulty_past_the_frontier():
    si = {"difficulty_step": 2}
    assert [D.labelled(COPY, si, 8, r) for r in range(3)] == [[10], [12], [14]]
    hops = {"difficulty_step": [0, 1]}  # maze by hops: nodes fixed, one more hop per round
    assert [D.labelled(MAZE, hops, (30, 9), r) for r in range(2)] == [[(30, 10)], [(30, 11)]]


def test_explicit_schedule_gives_any_cells_per_round():
    si = {"difficulty_step": 1, "schedule": [[[1, 6], [6, 1]], [[2, 6], [6, 2]]]}
    assert D.labelled(MULT, si, (5, 5), 0) == [(1, 6), (6, 1)]
    assert D.labelled(MULT, si, (5, 5), 1) == [(2, 6), (6, 2)]
    with pytest.raises(D.DifficultyError, match="round 2 needs an entry"):
        D.labelled(MULT, si, (5, 5), 2)


def test_check_config_names_the_key():
    cfg = {
        "rounds": 2,
        "data": {"base_difficulty": [[1, 1], [5, 5]], "eval_difficulties": [[1, 1], [0, 8]]},
        "self_improve": {"difficulty_step": [0, 1]},
    }
    with pytest.raises(D.DifficultyError, match="data.eval_difficulties"):
        D.check_config(MULT, cfg)
    cfg["data"]["eval_difficulties"] = [[1, 1], [8, 8]]
    D.check_config(MULT, cfg)
    cfg["self_improve"]["difficulty_step"] = [0, 0]
    with pytest.raises(D.DifficultyError, match="difficulty_step"):
        D.check_config(MULT, cfg)


def test_two_axis_tables_carry_both_columns_and_accuracy_groups_by_cell():
    evals = make_eval_prompts(MULT, D.between(MULT, (1, 1), (2, 2)), 5, seed=0)
    assert sorted(set(zip(evals["difficulty"], evals["difficulty2"]))) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    for _, row in evals.iterrows():
        ra, rb = row["prompt"][:-1].split("*")
        assert (len(ra), len(rb)) == (row["difficulty"], row["difficulty2"])
    selfp = make_selflabel_prompts(MULT, [(6, 1), (1, 6)], 30, round_=0, seed=0, exclude=set(evals["prompt"]))
    assert selfp.groupby(["difficulty", "difficulty2"]).size().to_dict() == {(1, 6): 30, (6, 1): 30}
    labelled = evals.assign(correct=evals["difficulty2"] == 1)
    acc = accuracy_by_difficulty(labelled)
    assert list(zip(acc["difficulty"], acc["difficulty2"], acc["accuracy"])) == [(1, 1, 1.0), (1, 2, 0.0), (2, 1, 1.0), (2, 2, 0.0)]


def test_one_axis_tables_have_difficulty2_zero():
    df = make_eval_prompts(COPY, [3, 4], 5, seed=0)
    assert set(df["difficulty2"]) == {0} and set(df["difficulty"]) == {3, 4}


def test_mixture_weighs_two_axis_data_by_first_axis_levels_or_by_cells():
    from selfimprove.engine.sampling import mixture_probabilities

    # base: 2 x 2 cells (operand lengths 1..2 x 1..2); round 0 labelled (3, 1) and (1, 3); round 1 labelled (3, 2)
    df = pd.DataFrame(
        {
            "difficulty": [1, 1, 2, 2, 3, 1, 3],
            "difficulty2": [1, 2, 1, 2, 1, 3, 2],
            "source": ["base"] * 4 + ["self"] * 3,
            "round": [0] * 4 + [0, 0, 1],
        }
    )
    levels = mixture_probabilities(df, 0.5)  # the paper's code: base weighs its 2 first-axis lengths, a round 1
    assert (
        levels[6] == pytest.approx(0.5) and levels[:4].sum() == pytest.approx(0.5 * 2 / 3) and levels[4:6].sum() == pytest.approx(0.5 / 3)
    )
    cells = mixture_probabilities(df, 0.5, "cells")  # base covers 4 cells, round 0 two
    assert cells[:4].sum() == pytest.approx(0.5 * 4 / 6) and cells[4:6].sum() == pytest.approx(0.5 * 2 / 6)


def test_mixture_spreads_an_empty_newest_round_over_all_older_data(caplog):
    from selfimprove.engine.sampling import mixture_probabilities

    # round 1 (the newest) kept nothing: round 0's labels must not inherit its half of the batch
    df = pd.DataFrame({"difficulty": [1, 2, 3, 4, 5], "difficulty2": 0, "source": ["base"] * 4 + ["self"], "round": [0] * 5})
    p = mixture_probabilities(df, 0.5, newest_round=1)
    assert p[:4].sum() == pytest.approx(0.8) and p[4] == pytest.approx(0.2)
    assert "round 1's filters kept no self-label" in caplog.text


def test_probe_accepts_the_leading_run_of_passing_difficulties_for_every_seed():
    from selfimprove.rounds.probe import accepted_difficulties, decide

    def acc(per_seed):
        return pd.DataFrame(
            [(s, d, a) for s, row in enumerate(per_seed) for d, a in zip((6, 7, 8, 9), row)], columns=["seed", "difficulty", "accuracy"]
        )

    assert accepted_difficulties(decide(acc([[1.0, 0.995, 0.5, 1.0]]), 0.99)) == [6, 7]  # 9 passes but 8 broke the run
    assert accepted_difficulties(decide(acc([[0.2, 1.0, 1.0, 1.0]]), 0.99)) == [6]  # always at least the first
    assert accepted_difficulties(decide(acc([[1.0, 1.0, 1.0, 1.0], [1.0, 0.9, 1.0, 1.0]]), 0.99)) == [6]  # the worst seed decides
