"""Evaluation: the teacher-forced figure beside exact match, groups, and the best-checkpoint choice."""

import random

import pytest
import torch

from selfimprove.engine.checkpoint import load_checkpoint
from selfimprove.engine.data import examples_frame
from selfimprove.engine.evaluate import accuracy_by_difficulty, label_prompts, teacher_forced_correct
from selfimprove.engine.model import ModelConfig
from selfimprove.engine.tokenizer import BOS
from selfimprove.engine.train import TrainConfig, train_round
from selfimprove.tasks import get_task


def parity_prompts(n=60, seed=0):
    task = get_task("sparse_parity", {"d": 5, "k": 3, "n_test_tasks": 4, "n_train_tasks": 4, "exclude": {"missing_pair": [0, 1]}})
    rng = random.Random(seed)
    return task, examples_frame([task.sample(rng, rng.choice([2, 3])) for _ in range(n)], "base", -1)


MODEL = ModelConfig(vocab_size=0, n_layer=1, n_head=2, d_model=32, pos_encoding="learned", max_seq_len=64)


def trained_model(task, df, tmp_path, steps=60, **kwargs):
    """A model briefly trained on `df` (right on some examples, wrong on others), and its log."""
    cfg = TrainConfig(steps=steps, batch_size=16, lr=3e-3, log_every=1000, **kwargs.pop("cfg", {}))
    log = train_round(df.assign(round=0), cfg, tmp_path / "model.pt", model_config=MODEL, alphabet=task.alphabet, **kwargs)
    model, tok, state = load_checkpoint(tmp_path / "model.pt")
    return model, tok, state, log


def test_teacher_forced_correct_is_the_argmax_of_every_target_token_given_the_true_prefix(tmp_path):
    task, df = parity_prompts()
    model, tok, _, _ = trained_model(task, df, tmp_path, steps=30)
    got = teacher_forced_correct(model, tok, df["prompt"], df["target"], batch_size=7)  # batches of mixed lengths, padded
    for i, (p, t) in enumerate(zip(df["prompt"], df["target"])):
        seq = torch.tensor([[BOS, *tok.encode(p + t)]])
        with torch.no_grad():
            predicted = model(seq)[0].argmax(-1)  # position j predicts token j + 1
        expected = all(int(predicted[len(p) + j]) == tok.encode(c)[0] for j, c in enumerate(t))
        assert got[i] == expected
    assert 0 < got.sum() < len(got)  # a half-trained model is right on some: the test can tell


def test_exact_match_implies_teacher_forced_and_groups_are_reported_separately(tmp_path):
    task, df = parity_prompts(n=120)
    model, tok, _, _ = trained_model(task, df, tmp_path)
    labelled = label_prompts(model, tok, task, df, batch_size=32, progress=False)
    labelled["tf_correct"] = teacher_forced_correct(model, tok, df["prompt"], df["target"])
    assert (labelled["tf_correct"] | ~labelled["correct"]).all()  # generated right => every step right given the truth
    acc = accuracy_by_difficulty(labelled)
    assert set(acc["group"]) == set(df["group"]) == {"affected", "unaffected"}
    assert len(acc) == df.groupby(["difficulty", "group"]).ngroups
    for _, row in acc.iterrows():
        rows = labelled[(labelled["difficulty"] == row["difficulty"]) & (labelled["group"] == row["group"])]
        assert row["n"] == len(rows) and row["accuracy"] == pytest.approx(rows["correct"].mean())
        assert row["tf_accuracy"] == pytest.approx(rows["tf_correct"].mean()) and row["tf_accuracy"] >= row["accuracy"]


def test_the_checkpoint_kept_is_the_best_validated_one(tmp_path):
    """With select_every, the weights written are those of the best validation score (ties keep the
    earlier); with a constant learning rate they equal a shorter run that stopped there."""
    task, df = parity_prompts()
    scores = iter([0.2, 0.7, 0.7, 0.4])  # validations after steps 10, 20, 30, 40
    model, _, state, log = trained_model(task, df, tmp_path / "a", steps=40, cfg={"select_every": 10}, validate=lambda m, tok: next(scores))
    assert state["meta"]["best_step"] == 20 and state["meta"]["best_valid_accuracy"] == 0.7
    assert log["valid_accuracy"].dropna().tolist() == [0.2, 0.7, 0.7, 0.4]
    short, _, _, _ = trained_model(task, df, tmp_path / "b", steps=20)
    for (name, a), b in zip(model.state_dict().items(), short.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)
    last, _, _, _ = trained_model(task, df, tmp_path / "c", steps=40)
    assert not torch.equal(next(iter(last.state_dict().values())), next(iter(model.state_dict().values())))
