"""Recursive introspection as a workflow: the environments (registry tasks, GSM8K-style JSONL), the
stages on hand-made episode tables, and a real Snakemake run with a Hugging Face policy and teacher."""

import json
import math

import pandas as pd
import pytest
from conftest import ROOT, copy_workflow, run_snakemake

from selfimprove.engine.data import read_table, write_table
from selfimprove.introspection import stages, summary
from selfimprove.introspection.environments import JsonlEnvironment, TaskEnvironment, final_number, make_environment
from selfimprove.introspection.rewards import CORRECT, MALFORMED, WRONG
from selfimprove.introspection.trajectory import TEXT_MARKERS, turn_prompt
from selfimprove.tasks import get_task

WORD_PROBLEMS = ROOT / "data" / "word_problems"
TASK_ENV = {"task": "reverse_addition", "data": {"base_difficulty": [1, 2], "eval_difficulties": [3, 3]}, "introspection": {}}


# --------------------------------------------------------------------------- environments


def test_task_environment_draws_disjoint_splits_at_their_difficulties():
    env = make_environment(TASK_ENV)
    assert isinstance(env, TaskEnvironment) and env.alphabet.endswith("QA;X")
    ev = env.problems("eval", 50, 0)
    base = env.problems("base", 200, 0, exclude=set(ev["question"]))
    collect = env.problems("collect1", 100, 0, exclude=set(ev["question"]))
    assert set(ev["difficulty"]) == set(collect["difficulty"]) == {3} and set(base["difficulty"]) <= {1, 2}
    assert not set(ev["question"]) & set(collect["question"]) and ev["question"].is_unique
    assert env.problems("collect2", 100, 0)["question"].tolist() != collect["question"].tolist()  # fresh each iteration
    assert all(env.answer(q) == a for q, a in zip(ev["question"], ev["answer"]))
    assert env.budget(ev["question"][0]) == 4 + 1  # a 3-digit sum has at most 4 digits, plus [EOS]
    rng = __import__("random").Random(0)
    for q in ev["question"]:  # a near miss is well-formed and wrong: reward 0
        assert env.reward(q, env.wrong_answer(q, rng)) == WRONG
    with pytest.raises(ValueError, match="distinct"):
        TaskEnvironment(get_task("reverse_addition"), [1, 1], [1, 1]).problems("base", 200, 0)  # 1-digit operands: 100 sums


def test_a_two_axis_task_is_an_environment_too():
    env = make_environment(
        {
            "task": "multiplication",
            "data": {"base_difficulty": [[1, 1], [2, 2]], "eval_difficulties": [[3, 2], [3, 2]]},
            "introspection": {},
        }
    )
    ev = env.problems("eval", 30, 0)
    assert set(zip(ev["difficulty"], ev["difficulty2"])) == {(3, 2)}
    assert set(zip(*(env.problems("base", 200, 0)[c] for c in ("difficulty", "difficulty2")))) == {(1, 1), (1, 2), (2, 1), (2, 2)}
    rng = __import__("random").Random(0)
    for q, a in zip(ev["question"], ev["answer"]):
        assert env.reward(q, a) == CORRECT and env.reward(q, env.wrong_answer(q, rng)) == WRONG


def test_jsonl_environment_reads_gsm8k_style_files_and_judges_the_final_number():
    env = JsonlEnvironment(WORD_PROBLEMS / "train.jsonl", WORD_PROBLEMS / "test.jsonl")
    q = env.files["train"]["question"][0]
    assert env.answer(q).endswith("#### 12") and final_number(env.answer(q)) == 12
    assert env.reward(q, "7 and 5 make 12\n#### 12") == CORRECT
    assert env.reward(q, "#### 1,2") == CORRECT  # commas are dropped, as in GSM8K
    assert env.reward(q, "#### 13") == WRONG
    assert env.reward(q, "twelve") == MALFORMED and env.reward(q, "#### 12", ended=False) == MALFORMED
    assert set(TEXT_MARKERS) <= set(env.alphabet) and not set(TEXT_MARKERS) & set("".join(env.files["train"]["question"]))
    assert turn_prompt(q, ["#### 13"], 2, env.markers) == f"§{q}¶#### 13¦¤§{q}¶"
    assert env.problems("eval", 3, 0)["question"].tolist() == env.files["test"]["question"][:3].tolist()
    assert len(env.problems("collect1", 100, 0)) == len(env.files["train"])  # all of them when the file is short
    rng = __import__("random").Random(0)
    assert all(env.reward(q, env.wrong_answer(q, rng)) == WRONG for q in env.files["train"]["question"])


def test_word_problem_episodes_run_through_a_model():
    import torch

    from selfimprove.engine.model import ModelConfig, Transformer
    from selfimprove.engine.tokenizer import CharTokenizer
    from selfimprove.introspection.rollout import collect, sequential

    env = JsonlEnvironment(WORD_PROBLEMS / "train.jsonl", WORD_PROBLEMS / "test.jsonl", max_new_tokens=12)
    tok = CharTokenizer(env.alphabet)  # every character of the files and the markers is a token
    torch.manual_seed(0)
    model = Transformer(ModelConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=2, d_model=16)).eval()
    questions = list(env.problems("eval", 4, 0)["question"])
    ep = collect(model, tok, env, questions, turns=2, source="oracle")
    assert (ep.groupby("problem")["reward"].max() == CORRECT).all()  # the oracle's turn 2 is the reference solution
    seq = sequential(model, tok, env, questions, turns=2, context_window=2, temperature=1.0)
    assert len(seq) == 8 and set(seq["reward"]) <= {CORRECT, WRONG, MALFORMED}
    assert (seq["attempt"].str.len() <= 12).all()


def test_jsonl_environment_refuses_bad_files(tmp_path):
    bad = tmp_path / "bad.jsonl"
    for line, match in (
        ("not json", "JSON object"),
        (json.dumps({"question": "q"}), "JSON object"),
        (json.dumps({"question": "q", "answer": "no number"}), "#### <integer>"),
        (json.dumps({"question": "a § b", "answer": "#### 1"}), "markers"),
    ):
        bad.write_text(line + "\n")
        with pytest.raises(ValueError, match=match):
            JsonlEnvironment(bad, bad)
    with pytest.raises(FileNotFoundError, match="no problem file"):
        JsonlEnvironment(tmp_path / "missing.jsonl", bad)


# --------------------------------------------------------------------------- stages on hand-made episodes

Q1, Q2, Q3 = "12+34=", "56+78=", "11+11="


def episode_table(tmp_path):
    """Three collected episodes: wrong then right; right at once; wrong twice (well-formed, then malformed)."""
    task = get_task("reverse_addition")
    right = {q: task.answer(q) for q in (Q1, Q2, Q3)}
    rows = [(0, Q1, 1, "99", 0), (0, Q1, 2, right[Q1], 1), (1, Q2, 1, right[Q2], 1), (2, Q3, 1, "00", 0), (2, Q3, 2, "0000000", -1)]
    df = pd.DataFrame(rows, columns=["problem", "question", "turn", "attempt", "reward"]).assign(
        ended=True, source="self", difficulty=2, difficulty2=0
    )
    write_table(df, tmp_path / "episodes.parquet")
    return right


def test_the_base_data_shows_a_share_of_questions_after_a_wrong_attempt(tmp_path):
    env = make_environment(TASK_ENV)
    stages.eval_problems(tmp_path / "eval.parquet", env=TASK_ENV, n=20, seed=0)
    stages.base_dataset(tmp_path / "eval.parquet", tmp_path / "base.parquet", env=TASK_ENV, n=400, seed=0, history_fraction=0.5)
    base = read_table(tmp_path / "base.parquet")
    assert 0.4 < (base["turn"] == 2).mean() < 0.6
    for row in base.itertuples():
        q = row.prompt.rsplit("Q", 1)[1][:-1]
        assert row.target == env.answer(q)
        if row.turn == 2:  # Q<q>A<near miss>;XQ<q>A
            miss = row.prompt.split("A", 1)[1].split(";")[0]
            assert row.prompt == turn_prompt(q, [miss]) and env.reward(q, miss) == WRONG
        else:
            assert row.prompt == turn_prompt(q, [])
    assert not set(base["prompt"].str.rsplit("Q", n=1).str[1].str[:-1]) & set(read_table(tmp_path / "eval.parquet", [])["question"])


def test_convert_writes_weighted_multi_turn_examples_in_the_engines_schema(tmp_path):
    right = episode_table(tmp_path)
    stages.convert(tmp_path / "episodes.parquet", tmp_path / "best.parquet", stages.Conversion("best", tau=0.4), env=TASK_ENV, iteration=1)
    best = read_table(tmp_path / "best.parquet").sort_values(["prompt"], ignore_index=True)
    kept = {(r.prompt, r.target, r.turn, r.reward) for r in best.itertuples()}
    assert kept == {
        (turn_prompt(Q1, []), "99", 1, 0),
        (turn_prompt(Q1, ["99"]), right[Q1], 2, 1),
        (turn_prompt(Q2, []), right[Q2], 1, 1),
        (turn_prompt(Q3, []), "00", 1, 0),
    }  # Q3's malformed turn 2 is worse than its turn 1: not kept
    assert {(r.reward, round(r.weight, 3)) for r in best.itertuples()} == {(0, 1.0), (1, 12.182)}
    assert set(best["source"]) == {"self"} and set(best["round"]) == {1}
    stages.convert(tmp_path / "episodes.parquet", tmp_path / "all.parquet", stages.Conversion("all", tau=0.4), env=TASK_ENV, iteration=1)
    assert read_table(tmp_path / "all.parquet")["weight"].round(3).tolist().count(0.082) == 1  # the malformed attempt
    write_table(read_table(tmp_path / "episodes.parquet", []).query("reward < 1"), tmp_path / "failed.parquet")
    stages.convert(tmp_path / "failed.parquet", tmp_path / "none.parquet", stages.Conversion("success"), env=TASK_ENV, iteration=1)
    assert read_table(tmp_path / "none.parquet").empty  # nothing kept: fine-tuning keeps its start model (below)


def test_the_single_turn_control_trains_on_the_same_correct_answers_without_their_history(tmp_path):
    right = episode_table(tmp_path)
    stages.convert(tmp_path / "episodes.parquet", tmp_path / "rise.parquet", stages.Conversion("best"), env=TASK_ENV, iteration=1)
    stages.single_turn(tmp_path / "episodes.parquet", tmp_path / "control.parquet", env=TASK_ENV, iteration=1)
    rise, control = read_table(tmp_path / "rise.parquet"), read_table(tmp_path / "control.parquet")
    correct = rise[rise["reward"] == 1]
    assert sorted(control["target"]) == sorted(correct["target"]) == sorted([right[Q1], right[Q2]])
    assert set(control["prompt"]) == {turn_prompt(Q1, []), turn_prompt(Q2, [])}  # no previous attempt, no feedback
    assert control["weight"].tolist() == pytest.approx([math.exp(1 / 0.4)] * 2)  # as RISE weights them


def test_summary_gives_turn_accuracy_metrics_transitions_and_intervals_over_seeds(tmp_path):
    paths, keys = [], []
    for seed, flips in ((0, 1), (1, 2)):
        rows = []
        for p in range(4):  # problem p is right from turn (p < flips ? 2 : never)
            for t in (1, 2, 3):
                rows.append((p, f"q{p}", t, "a", int(p < flips and t >= 2), "sequential"))
                rows.append((p, f"q{p}", t, "b", int(p == 0), "parallel"))
        path = tmp_path / f"eval{seed}.parquet"
        write_table(pd.DataFrame(rows, columns=["problem", "question", "turn", "attempt", "reward", "protocol"]).assign(ended=True), path)
        paths.append(path)
        keys.append({"seed": seed, "arm": "rise", "iteration": 1})
    outs = [tmp_path / n for n in ("turns.parquet", "metrics.parquet", "transitions.parquet", "metrics.md")]
    summary.summarize(paths, keys, *outs)
    turns = read_table(outs[0], [])
    seq = turns[turns["protocol"] == "sequential"].groupby("turn")["accuracy"].mean()
    assert seq.tolist() == [0.0, 0.375, 0.375]
    moves = read_table(outs[2], []).groupby("turn")[["wrong_to_right", "right_to_wrong"]].sum()
    assert moves.loc[2].tolist() == [3, 0] and moves.loc[3].tolist() == [0, 0]
    m = read_table(outs[1], []).query("protocol == 'sequential'").set_index(["seed", "metric"])["value"]
    assert m[(0, "m3@t1")] == 0.25 and m[(1, "p1@t3 (oracle)")] == 0.5
    assert summary.interval([0.25, 0.5]) == pytest.approx((0.375, 12.706 * 0.1767767 / math.sqrt(2)), rel=1e-5)
    assert summary.interval([0.4]) == (0.4, 0.0)
    assert "acc@t2" in outs[3].read_text() and "0.375 ±" in outs[3].read_text()


# --------------------------------------------------------------------------- a real run


def rise_config(tmp_path) -> dict:
    return {
        "experiment": "rise_micro",
        "task": "reverse_addition",
        "device": "cpu",
        "threads": 1,
        "seeds": [0],
        "data": {"seed": 0, "base_difficulty": [1, 2], "base_size": 300, "eval_difficulties": [2, 2], "eval_examples": 12},
        "model": {"n_layer": 1, "n_head": 2, "d_model": 32, "pos_encoding": "none", "init_from": "policy_hf"},
        "train": {
            "batch_size": 8,
            "min_lr_ratio": 0.1,
            "weight_decay": 0.0,
            "grad_clip": 1.0,
            "base_round": {"steps": 10, "lr": 0.003, "warmup_steps": 0, "decay_fraction": 0.0},
        },
        "generation": {"batch_size": 64},
        "introspection": {
            "iterations": 1,
            "problems": 16,
            "context_window": 2,
            "finetune_from": "base",
            "collect": {"source": "teacher", "turns": 3, "teacher": "teacher_hf"},
            "convert": {"criterion": "all"},
            "finetune": {"steps": 5, "lr": 0.001, "warmup_steps": 0, "decay_fraction": 0.0},
            "evaluate": {"turns": 3, "samples": 2, "temperature": 1.0, "full_history": True},
            "controls": {"single_turn": False},  # its rules are rise_finetune/rise_evaluate again (the smoke preset runs it)
        },
    }


@pytest.mark.workflow
def test_an_iteration_with_a_hugging_face_policy_and_teacher(tmp_path):
    from selfimprove.interop.pretrained import make_tiny_llama

    workdir = copy_workflow(tmp_path)
    env = make_environment(rise_config(tmp_path))
    make_tiny_llama(workdir / "policy_hf", env.alphabet, n_layer=1, d_model=32, n_head=2, n_kv_head=1, seed=0)
    make_tiny_llama(workdir / "teacher_hf", env.alphabet, n_layer=1, d_model=32, n_head=2, n_kv_head=1, seed=1)
    result = run_snakemake(workdir, config=rise_config(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    res = workdir / "results" / "rise_micro"
    ep = read_table(res / "seed0" / "rise" / "iter1" / "episodes.parquet", [])
    assert set(ep.loc[ep["turn"] == 1, "source"]) == {"policy"} and set(ep.loc[ep["turn"] > 1, "source"]) <= {"teacher"}
    assert ep.groupby("problem")["turn"].max().max() <= 3
    ds = read_table(res / "seed0" / "rise" / "iter1" / "dataset.parquet")
    assert (ds["weight"] > 0).all() and set(ds["round"]) == {1}
    assert f"training on {len(ds)} examples" in (res / "logs" / "seed0" / "rise" / "iter1" / "finetune.log").read_text()
    ev = read_table(res / "seed0" / "rise" / "iter1" / "eval.parquet", [])
    assert set(ev["protocol"]) == {"sequential", "parallel", "shuffled_history", "full_history"}
    assert ev.groupby("protocol")["turn"].max().to_dict() == {"sequential": 3, "parallel": 2, "shuffled_history": 3, "full_history": 3}
    turns = read_table(res / "summary" / "turns.parquet", [])
    assert set(zip(turns["arm"], turns["iteration"])) == {("rise", 0), ("rise", 1)}
    for figure in ("accuracy_by_turn", "transitions"):
        assert (res / "plots" / f"{figure}.png").stat().st_size > 10_000
    assert "pretrained_from" in __import__("torch").load(res / "seed0" / "base" / "model.pt", weights_only=False)["meta"]
    # Nothing left to do; and a third iteration plans only its own jobs. It collects with iteration 2's
    # model and restarts from the base model on every iteration's examples (finetune_from: base).
    again = run_snakemake(workdir, "-n", config=rise_config(tmp_path))
    assert "Nothing to be done" in again.stdout + again.stderr
    longer = rise_config(tmp_path)
    longer["introspection"]["iterations"] = 3
    dry = run_snakemake(workdir, "-n", config=longer)
    assert dry.returncode == 0, dry.stderr[-2000:]
    jobs = dry.stdout.split("\n\n")
    finetune3 = next(j for j in jobs if "rule rise_finetune:" in j and "iter3/model.pt" in j)
    assert all(f"rise/iter{i}/dataset.parquet" in finetune3 for i in (1, 2, 3)) and "seed0/base/model.pt" in finetune3
    collect3 = next(j for j in jobs if "rule rise_collect:" in j and "iter3/" in j)
    assert "rise/iter2/model.pt" in collect3
    assert "rule rise_train_base:" not in dry.stdout and "rise/iter1/episodes.parquet\n" not in dry.stdout  # done already
