"""Recursive introspection's core: the episode text, the context window, rewards, the conversion
criteria and weights, and the reward-weighted loss."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from selfimprove.engine.model import ModelConfig, Transformer
from selfimprove.engine.packing import IGNORE, PackedExamples
from selfimprove.engine.step import packed_loss
from selfimprove.engine.tokenizer import BOS, EOS, CharTokenizer
from selfimprove.introspection import metrics
from selfimprove.introspection.convert import CRITERIA, convert_episode, keeps
from selfimprove.introspection.environments import TaskEnvironment
from selfimprove.introspection.rewards import CORRECT, MALFORMED, WRONG, reward
from selfimprove.introspection.rollout import collect, parallel, sequential
from selfimprove.introspection.trajectory import alphabet, turn_prompt, window
from selfimprove.tasks import get_task

Q = "347+589="  # reverse addition: the answer is the sum's digits in reverse (936 -> '639')


def test_a_turn_repeats_the_question_after_every_attempt_and_feedback():
    assert turn_prompt(Q, []) == "Q347+589=A"
    assert turn_prompt(Q, ["639", "936"]) == "Q347+589=A639;XQ347+589=A936;XQ347+589=A"
    assert alphabet("0123456789+=") == "0123456789+=QA;X"
    with pytest.raises(ValueError, match="markers"):
        alphabet("0123456789XQ")


@pytest.mark.parametrize(
    "k, seen", [(None, ["a1", "a2", "a3", "a4"]), (1, []), (2, ["a4"]), (3, ["a3", "a4"]), (9, ["a1", "a2", "a3", "a4"])]
)
def test_the_context_window_keeps_the_question_and_the_last_k_minus_one_attempts(k, seen):
    previous = ["a1", "a2", "a3", "a4"]
    assert window(previous, k) == seen
    assert turn_prompt(Q, previous, k) == "".join(f"Q{Q}A{a};X" for a in seen) + f"Q{Q}A"


def test_window_two_makes_every_later_turn_look_like_a_second_turn():
    """RISE's point: with k=2, turn 5 has the length and shape of the turn 2 it was trained on."""
    turn2 = turn_prompt(Q, ["111"], 2)
    turn5 = turn_prompt(Q, ["999", "888", "777", "111"], 2)
    assert turn5 == turn2
    with pytest.raises(ValueError, match="at least 1"):
        window(["a"], 0)


def test_rewards_are_one_zero_minus_one():
    task = get_task("reverse_addition")
    truth = task.answer(Q)
    assert reward(task, Q, truth) == CORRECT
    wrong = truth[:-1] + str((int(truth[-1]) + 1) % 10)
    assert reward(task, Q, wrong) == WRONG
    assert reward(task, Q, truth, ended=False) == MALFORMED  # no end of attempt within the budget
    assert reward(task, Q, truth + "12345") == MALFORMED  # an impossible length
    assert reward(task, Q, truth[:-1] + "X") == MALFORMED  # a marker in the answer
    assert reward(task, Q, truth[:-1] + "=") == MALFORMED  # the prompt's closing symbol


# Hand-made episodes: (rewards, attempts kept by all / better / best / success)
EPISODES = [
    ([0, 1], {"all": [1, 2], "better": [1, 2], "best": [1, 2], "success": [2]}),
    ([1], {"all": [1], "better": [1], "best": [1], "success": [1]}),
    ([0, 0, 0], {"all": [1, 2, 3], "better": [1], "best": [1, 2, 3], "success": []}),
    ([-1, 0, -1, 1], {"all": [1, 2, 3, 4], "better": [1, 2, 4], "best": [1, 2, 4], "success": [4]}),
    ([0, -1, 0, 1, 0], {"all": [1, 2, 3, 4], "better": [1, 3, 4], "best": [1, 3, 4], "success": [4]}),  # stops at the first success
    ([1, 0], {"all": [1], "better": [1], "best": [1], "success": [1]}),
]


@pytest.mark.parametrize("rewards, expected", EPISODES)
@pytest.mark.parametrize("criterion", CRITERIA)
def test_every_criterion_on_hand_made_episodes(rewards, expected, criterion):
    attempts = [f"{i}{i}{i}" for i in range(1, len(rewards) + 1)]
    kept = convert_episode(Q, attempts, rewards, criterion=criterion)
    assert [c.turn for c in kept] == expected[criterion]
    for c in kept:  # the prompt is the episode up to the attempt; only the attempt is the target
        assert c.prompt == turn_prompt(Q, attempts[: c.turn - 1]) and c.target == attempts[c.turn - 1]
        assert c.reward == rewards[c.turn - 1]


def test_weights_are_exp_reward_over_tau():
    kept = convert_episode(Q, ["1", "2", "3"], [-1, 0, 1], criterion="all", tau=0.4)
    assert [round(c.weight, 3) for c in kept] == [0.082, 1.0, 12.182]
    assert convert_episode(Q, ["1"], [1], criterion="all", tau=2.0)[0].weight == pytest.approx(math.exp(0.5))
    with pytest.raises(ValueError, match="tau"):
        convert_episode(Q, ["1"], [1], criterion="all", tau=0)
    with pytest.raises(ValueError, match="unknown criterion"):
        keeps("greedy", [1], 0)


def test_duplicates_and_only_success():
    rewards, attempts = [0, 0, 0, 1], ["12", "12", "34", "56"]
    deduplicated = convert_episode(Q, attempts, rewards, criterion="all", remove_duplicates=True)
    assert [c.target for c in deduplicated] == ["12", "34", "56"]
    assert deduplicated[1].prompt == turn_prompt(Q, ["12"])  # the history no longer holds the repeat
    assert convert_episode(Q, ["1", "2"], [0, 0], criterion="all", only_success=True) == []
    assert len(convert_episode(Q, ["1", "2"], [0, 1], criterion="all", only_success=True)) == 2
    windowed = convert_episode(Q, ["1", "2", "3"], [0, 0, 1], criterion="all", context_window=2)
    assert windowed[2].prompt == turn_prompt(Q, ["2"])


def test_the_reward_weighted_loss_is_the_mean_of_weight_times_each_examples_token_average():
    tok = CharTokenizer(alphabet("0123456789+="))
    rng = np.random.default_rng(0)
    prompts = [turn_prompt(Q, ["1" * int(rng.integers(1, 4))] * int(rng.integers(0, 3))) for _ in range(10)]
    targets = ["".join(map(str, rng.integers(0, 10, int(rng.integers(1, 5))))) for _ in range(10)]
    weights = [math.exp(r / 0.4) for r in rng.integers(-1, 2, 10)]
    torch.manual_seed(0)
    model = Transformer(ModelConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=2, d_model=32))
    examples = PackedExamples(tok, prompts, targets, weights=weights)
    idx = np.array([0, 3, 3, 7, 9, 1])  # repeats count twice, as in a sampled step
    x, y, packing, w = examples.pack_weighted(idx)
    packed = packed_loss(model, x, y, packing, examples.normalizer(idx), w)
    expected = 0.0
    for i in idx:
        seq = torch.tensor([BOS, *tok.encode(prompts[i] + targets[i]), EOS])
        logits = model(seq[None, :-1])[0]
        labels = torch.full((len(seq) - 1,), IGNORE)
        labels[len(prompts[i]) :] = seq[len(prompts[i]) + 1 :]
        expected += weights[i] * F.cross_entropy(logits, labels, ignore_index=IGNORE)  # token-averaged
    assert examples.normalizer(idx) == len(idx)
    assert packed.item() == pytest.approx((expected / len(idx)).item(), rel=1e-5)


# --------------------------------------------------------------------------- metrics and episodes


def episodes(table):
    """{problem: [(attempt, reward), ...]} -> an episode table."""
    rows = [(p, "q", t + 1, a, True, r, "sequential") for p, turns in table.items() for t, (a, r) in enumerate(turns)]
    return pd.DataFrame(rows, columns=["problem", "question", "turn", "attempt", "ended", "reward", "source"])


def test_metrics_on_hand_made_episodes():
    seq = episodes(
        {
            0: [("1", 0), ("2", 1), ("2", 1)],  # wrong -> right, then kept; majority '2' right
            1: [("5", 1), ("6", 0), ("6", 0)],  # right -> wrong; majority '6' wrong, but a turn was right (oracle)
            2: [("7", 0), ("8", 0), ("7", 0)],  # never right
            3: [("4", 1), ("3", 0), ("9", 0)],  # a three-way tie: the earliest, '4', is right
        }
    )
    s = metrics.summary(seq)
    assert [s["acc@t1"], s["acc@t2"], s["acc@t3"]] == [0.5, 0.25, 0.25]
    assert s["m1@t3"] == 0.5 and s["p1@t3 (oracle)"] == 0.75
    assert s["repeats"] == pytest.approx(2 / 8)  # turn 3 repeats turn 2 for problems 0 and 1
    tr = metrics.transitions(seq).set_index("turn")
    assert tr.loc[2].to_dict() == {"wrong_to_right": 1, "right_to_wrong": 2, "unchanged": 1}
    assert tr.loc[3].to_dict() == {"wrong_to_right": 0, "right_to_wrong": 0, "unchanged": 4}
    par = episodes({0: [("1", 0), ("2", 1), ("2", 1)], 1: [("5", 0), ("6", 0), ("5", 0)]}).assign(source="parallel")
    s = metrics.summary(seq, par)
    assert s["m3@t1"] == 0.5 and s["pass@3 (oracle)"] == 0.5


@pytest.fixture(scope="module")
def tiny():
    task = get_task("reverse_addition")
    tok = CharTokenizer(alphabet(task.alphabet))
    torch.manual_seed(0)
    model = Transformer(ModelConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=2, d_model=32)).eval()
    import random

    rng = random.Random(0)
    return TaskEnvironment(task, [1, 2], [2, 2]), tok, model, [task.sample(rng, 2).prompt for _ in range(12)]


def test_collection_with_an_oracle_teacher_ends_every_episode_in_success(tiny):
    task, tok, model, questions = tiny
    ep = collect(model, tok, task, questions, turns=3, source="oracle", temperature=1.0)
    for p, g in ep.groupby("problem"):
        assert g["turn"].tolist() == list(range(1, len(g) + 1)) and g["source"].iloc[0] == "policy"
        assert g["reward"].iloc[-1] == 1 and (g["reward"].iloc[:-1] != 1).all()  # stops at the first success
        assert len(g) <= 2  # the oracle's turn 2 is always right
        for _, row in g.iterrows():
            assert row["reward"] == reward(task.task, row["question"], row["attempt"], row["ended"])
    assert set(ep.loc[ep["turn"] > 1, "source"]) <= {"oracle"}


def test_self_distillation_keeps_the_best_of_its_samples(tiny):
    task, tok, model, questions = tiny
    one = collect(model, tok, task, questions, turns=2, source="self", samples=1, seed=3)
    many = collect(model, tok, task, questions, turns=2, source="self", samples=16, seed=3)
    assert many.loc[many["turn"] == 2, "reward"].mean() >= one.loc[one["turn"] == 2, "reward"].mean()
    with pytest.raises(ValueError, match="teacher"):
        collect(model, tok, task, questions, source="teacher")


def test_sequential_evaluation_runs_every_turn_and_parallel_every_sample(tiny):
    task, tok, model, questions = tiny
    seq = sequential(model, tok, task, questions, turns=5, context_window=2, temperature=1.0)
    assert len(seq) == 5 * len(questions) and sorted(seq["turn"].unique()) == [1, 2, 3, 4, 5]  # no early stop
    par = parallel(model, tok, task, questions, samples=5)
    assert len(par) == 5 * len(questions) and set(par["turn"]) == {1, 2, 3, 4, 5}
    assert set(metrics.summary(seq, par)) >= {"acc@t1", "acc@t5", "m1@t5", "p1@t5 (oracle)", "m5@t1", "pass@5 (oracle)"}
