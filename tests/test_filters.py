import pandas as pd
import pytest

from selfimprove.rounds.filters import apply_filters
from selfimprove.tasks import get_task

TASK = get_task("reverse_addition")
PROMPTS = ["12+34=", "5+5=", "99+99="]  # answers: 46 -> "460", 10 -> "01", 198 -> "891"
TRUTH = [TASK.answer(p) for p in PROMPTS]


def labelled(predictions, ended=None):
    ended = ended or [True] * len(predictions)
    df = pd.DataFrame({"prompt": PROMPTS, "target": TRUTH, "difficulty": [2, 1, 2], "difficulty2": 0, "round": 0})
    df["prediction"], df["ended"] = predictions, ended
    df["correct"] = df["ended"] & (df["prediction"] == df["target"])
    return df


def run(own, voters, names, min_agree=2):
    return apply_filters(own, voters, names, TASK, {"min_agree": min_agree, "models": len(voters)})


def test_none_keeps_everything_and_records_correctness():
    own = labelled(["460", "1", "891"])
    out = run(own, [], ["none"])
    assert out["accepted"].all()
    assert list(out["target"]) == ["460", "1", "891"]
    assert list(out["label_correct"]) == [True, False, True]
    assert list(out["true_target"]) == TRUTH


def test_length_filter_rejects_wrong_length_and_missing_eos():
    own = labelled(["460", "1", "891"], ended=[True, True, False])
    out = run(own, [], ["length"])
    assert list(out["accepted"]) == [True, False, False]
    assert list(out["reason"]) == ["", "length", "length"]


def test_majority_vote_takes_the_consensus_label():
    a = labelled(["460", "01", "000"])  # own model is wrong on the third prompt
    b = labelled(["460", "01", "891"])
    c = labelled(["461", "01", "891"])
    out = run(a, [a, b, c], ["majority_vote"], min_agree=2)
    assert out["accepted"].all()
    assert list(out["target"]) == ["460", "01", "891"]
    assert list(out["vote_count"]) == [2, 3, 2]
    assert out["label_correct"].all()
    assert list(out["own_correct"]) == [True, True, False]


def test_majority_vote_rejects_weak_majorities_and_ties():
    a = labelled(["460", "01", "111"])
    b = labelled(["461", "01", "222"])
    c = labelled(["462", "02", "111"])
    d = labelled(["463", "02", "333"])
    out = run(a, [a, b, c, d], ["majority_vote"], min_agree=2)
    # prompt 0: four different answers (1 vote each) -> tie; prompt 1: 2-2 -> tie; prompt 2: 111 has 2 -> kept
    assert list(out["accepted"]) == [False, False, True]
    assert list(out["reason"]) == ["tie", "tie", ""]
    out3 = run(a, [a, b, c, d], ["majority_vote"], min_agree=3)
    assert list(out3["reason"]) == ["tie", "tie", "no_majority"]


def test_unfinished_answer_does_not_vote_with_a_finished_one():
    a = labelled(["460", "01", "891"], ended=[True, True, True])
    b = labelled(["460", "01", "891"], ended=[False, True, True])
    out = run(a, [a, b], ["majority_vote"], min_agree=2)
    assert list(out["accepted"]) == [False, True, True]


def test_filters_apply_in_order():
    a = labelled(["46", "01", "891"])  # own label of prompt 0 has the wrong length
    b = labelled(["460", "01", "891"])
    c = labelled(["460", "01", "891"])
    vote_first = run(a, [a, b, c], ["majority_vote", "length"])
    assert vote_first["accepted"].all() and vote_first["target"][0] == "460"
    length_first = run(a, [a, b, c], ["length", "majority_vote"])
    assert list(length_first["accepted"]) == [False, True, True]
    assert length_first["reason"][0] == "length"


def test_unknown_filter_is_an_error():
    with pytest.raises(ValueError, match="available: none, length, majority_vote"):
        run(labelled(["460", "01", "891"]), [], ["confidence"])


def test_voters_must_share_prompts():
    a = labelled(["460", "01", "891"])
    b = a.iloc[::-1].reset_index(drop=True)
    with pytest.raises(ValueError, match="same prompts"):
        run(a, [a, b], ["majority_vote"])


def test_majority_vote_without_voters_is_an_error():
    with pytest.raises(ValueError, match="at least one model"):
        run(labelled(["460", "01", "891"]), [], ["majority_vote"])


def test_length_filter_admits_the_range_the_task_allows():
    """Forward addition leaves the carry open: '999+1=' admits 3 or 4 digits, nothing else."""
    task = get_task("forward_addition")
    prompts = ["999+1=", "999+1=", "999+1=", "999+1="]
    df = pd.DataFrame({"prompt": prompts, "target": ["1000"] * 4, "difficulty": 3, "difficulty2": 0, "round": 0})
    df["prediction"], df["ended"] = ["1000", "100", "10", "10000"], True
    df["correct"] = df["prediction"] == df["target"]
    out = apply_filters(df, [], ["length"], task, {})
    assert list(out["accepted"]) == [True, True, False, False]


MAZE = get_task("maze")
MAZE_PROMPT = MAZE.from_text("62>94#55:62-94:27,34-80:62-9:27-13:8-62:80,55,27-34:94-70:3,27-3:70-87:8,27-27:70,62,87,94,9-8:13,87=")
M = MAZE.from_text


def test_maze_validity_checks_format_moves_and_endpoints_from_the_prompt_alone():
    assert MAZE.validity(MAZE_PROMPT, M("62>27>94")) == {"valid_format": True, "valid_moves": True, "valid_endpoints": True}
    assert MAZE.validity(MAZE_PROMPT, M("62>94")) == {"valid_format": True, "valid_moves": False, "valid_endpoints": True}  # no such edge
    assert MAZE.validity(MAZE_PROMPT, M("62>27")) == {"valid_format": True, "valid_moves": True, "valid_endpoints": False}  # stops short
    assert (
        MAZE.validity(MAZE_PROMPT, M("62>>94"))["valid_format"] is False
        and MAZE.validity(MAZE_PROMPT, M("62>41>94"))["valid_format"] is False
    )
    assert MAZE.validity(MAZE_PROMPT, "62>27>94")["valid_format"] is False  # digit characters are not labels
    assert TASK.validity("12+34=", "460") is None  # a task without checks


def test_valid_filter_is_an_oracle_move_filter_for_mazes():
    labels = [M("62>27>94"), M("62>94"), M("62>27>94"), M("62>27")]
    df = pd.DataFrame(
        {
            "prompt": [MAZE_PROMPT] * 4,
            "target": [M("62>27>94")] * 4,
            "difficulty": 13,
            "difficulty2": 2,
            "round": 0,
            "prediction": labels,
            "ended": [True, True, False, True],
        }
    )
    out = apply_filters(df, [], ["valid"], MAZE, {})
    assert list(out["accepted"]) == [True, False, False, False] and list(out["reason"]) == ["", "invalid", "invalid", "invalid"]
    with pytest.raises(ValueError, match="validity checks"):
        run(labelled(["460", "01", "891"]), [], ["valid"])
