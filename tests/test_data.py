import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import torch

from selfimprove.engine.data import (
    EXAMPLE_COLUMNS,
    make_base_dataset,
    make_eval_prompts,
    make_selflabel_prompts,
    make_valid_prompts,
    read_table,
    write_table,
)
from selfimprove.engine.packing import IGNORE, encode_padded
from selfimprove.engine.sampling import MixtureSampler, data_groups, mixture_probabilities
from selfimprove.engine.step import TrainConfig, lr_at
from selfimprove.engine.tokenizer import BOS, EOS, PAD, CharTokenizer
from selfimprove.tasks import get_task

TASK = get_task("reverse_addition")


def test_example_tables_have_the_shared_schema(tmp_path):
    df = make_base_dataset(TASK, 1, 4, 100, seed=0, exclude=set())
    write_table(df, tmp_path / "d.parquet")
    schema = pq.read_schema(tmp_path / "d.parquet")
    assert {n: str(schema.field(n).type) for n in EXAMPLE_COLUMNS} == {
        "prompt": "string",
        "target": "string",
        "difficulty": "int64",
        "difficulty2": "int64",
        "source": "string",
        "round": "int64",
    }
    back = read_table(tmp_path / "d.parquet")
    pd.testing.assert_frame_equal(back, df)
    assert set(back["source"]) == {"base"} and set(back["difficulty"]) <= {1, 2, 3, 4}


def test_no_eval_prompt_in_training_data():
    evals = make_eval_prompts(TASK, range(2, 5), 200, seed=0)
    exclude = set(evals["prompt"])
    base = make_base_dataset(TASK, 1, 4, 20000, seed=0, exclude=exclude)
    selfp = make_selflabel_prompts(TASK, [3], 2000, round_=0, seed=0, exclude=exclude)
    assert not exclude & set(base["prompt"])
    assert not exclude & set(selfp["prompt"])
    # Without the exclusion the streams would have collided: the check above is not vacuous.
    assert exclude & set(make_base_dataset(TASK, 1, 4, 20000, seed=0, exclude=set())["prompt"])


def test_eval_prompts_are_distinct_and_capped_by_the_space():
    evals = make_eval_prompts(TASK, [1, 3], 200, seed=0)
    assert evals["prompt"].is_unique
    assert (evals["difficulty"] == 1).sum() == 81  # only 9 x 9 one-digit pairs exist
    assert (evals["difficulty"] == 3).sum() == 200


def test_evaluation_never_empties_a_cell_that_training_draws_from():
    # 1-digit sums: 81 prompts. Uncapped, evaluation would take all of them and base data would have none.
    evals = make_eval_prompts(TASK, [1, 2, 3], 200, seed=0, max_share=0.25, trained=[1, 2])
    per_cell = evals["difficulty"].value_counts()
    assert per_cell[1] == 20 and per_cell[2] == 200 and per_cell[3] == 200  # 0.25 * 81; 0.25 * 8,100 binds nowhere
    uncapped = make_eval_prompts(TASK, [1, 2], 200, seed=0, max_share=0.25)  # no trained cells: nothing is capped
    assert (uncapped["difficulty"] == 1).sum() == 81
    base = make_base_dataset(TASK, 1, 1, 2000, seed=0, exclude=set(evals["prompt"]))
    assert base["prompt"].nunique() == 81 - 20  # every prompt evaluation left is trained on


def test_validation_split_is_neither_evaluated_nor_trained_on_nor_empties_a_cell():
    counting = get_task("counting")
    evals = make_eval_prompts(counting, range(1, 17), 32, seed=0, max_share=0.25, trained=range(1, 17))
    valid = make_valid_prompts(counting, 1, 16, 128, seed=0, exclude=set(evals["prompt"]), max_share=0.25)
    assert len(valid) == 128 and not set(valid["prompt"]) & set(evals["prompt"])
    held = set(valid["prompt"]) | set(evals["prompt"])
    train = make_base_dataset(counting, 1, 16, 5000, seed=0, exclude=held)
    assert not set(train["prompt"]) & held
    for n in range(1, 17):  # training keeps at least half of every count's lines
        assert train.loc[train["difficulty"] == n, "prompt"].nunique() >= counting.num_distinct(n) / 2 - 1, n


def test_every_seed_draws_its_own_base_data_and_selflabel_prompts():
    base = [set(make_base_dataset(TASK, 1, 4, 500, seed=0, exclude=set(), model_seed=s)["prompt"]) for s in (0, 1)]
    prompts = [set(make_selflabel_prompts(TASK, [5], 200, round_=0, seed=0, exclude=set(), model_seed=s)["prompt"]) for s in (0, 1)]
    assert base[0] != base[1] and not prompts[0] & prompts[1]
    again = make_selflabel_prompts(TASK, [5], 200, round_=0, seed=0, exclude=set(), model_seed=1)
    assert set(again["prompt"]) == prompts[1]  # reproducible per seed


def test_unreadable_parquet_names_the_file(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(RuntimeError, match="bad.parquet"):
        read_table(tmp_path / "bad.parquet")
    write_table(pd.DataFrame({"prompt": ["1+1="]}), tmp_path / "thin.parquet")
    with pytest.raises(RuntimeError, match="lacks column"):
        read_table(tmp_path / "thin.parquet")


def test_loss_is_taken_on_answer_and_eos_only():
    tok = CharTokenizer(TASK.alphabet)
    inputs, labels = encode_padded(tok, ["12+3=", "1+1="], ["150", "20"])
    assert inputs[0].tolist() == [BOS, *tok.encode("12+3=150")]
    assert labels[0].tolist() == [IGNORE] * 5 + tok.encode("150") + [EOS]
    assert inputs[1].tolist() == [BOS, *tok.encode("1+1=20"), PAD, PAD]
    assert labels[1].tolist() == [IGNORE] * 4 + tok.encode("20") + [EOS, IGNORE, IGNORE]


def test_mixture_gives_newest_round_its_share():
    df = pd.DataFrame(
        {
            "difficulty": [1, 2, 3, 4] * 25 + [5] * 10 + [6] * 30,
            "difficulty2": 0,
            "source": ["base"] * 100 + ["self"] * 40,
            "round": [0] * 100 + [0] * 10 + [1] * 30,
        }
    )
    p = mixture_probabilities(df, newest_fraction=0.5)
    assert p.sum() == pytest.approx(1.0)
    newest = (df["round"] == 1) & (df["source"] == "self")
    older_self = (df["round"] == 0) & (df["source"] == "self")
    assert p[newest].sum() == pytest.approx(0.5)
    # base covers 4 difficulty levels, the older self round 1: a 4:1 split of the other half
    assert p[df["source"] == "base"].sum() == pytest.approx(0.4)
    assert p[older_self].sum() == pytest.approx(0.1)


def test_mixture_without_self_data_is_uniform():
    df = pd.DataFrame({"difficulty": [1, 2, 3], "difficulty2": 0, "source": "base", "round": 0})
    assert list(mixture_probabilities(df, 0.5)) == pytest.approx([1 / 3] * 3)


def test_wsd_schedule():
    cfg = TrainConfig(steps=100, lr=1.0, warmup_steps=10, decay_steps=20, min_lr_ratio=0.1)
    assert lr_at(0, cfg) == pytest.approx(0.1)
    assert lr_at(9, cfg) == pytest.approx(1.0)
    assert lr_at(50, cfg) == 1.0
    assert lr_at(80, cfg) == pytest.approx(1.0)
    assert lr_at(90, cfg) == pytest.approx(0.55)
    assert lr_at(99, cfg) < 0.11


def test_small_difficulty_is_not_starved_by_exclusions_at_other_difficulties():
    copy = get_task("copy")
    exclude = set(make_eval_prompts(copy, range(5, 9), 500, seed=0)["prompt"])  # 2,000 prompts of length 5..8
    prompts = make_selflabel_prompts(copy, [2], 50, round_=0, seed=0, exclude=exclude)
    assert len(prompts) == 50  # 90 two-digit strings exist, none of them excluded


def mixed_rows():
    return pd.DataFrame(
        {
            "difficulty": [1, 2, 3, 4] * 25 + [5] * 10 + [6] * 30,
            "difficulty2": 0,
            "source": ["base"] * 100 + ["self"] * 40,
            "round": [0] * 100 + [0] * 10 + [1] * 30,
        }
    )


def test_epoch_sampling_reads_every_row_of_a_group_once_before_repeating_any():
    df = mixed_rows()
    probs = torch.as_tensor(mixture_probabilities(df, newest_fraction=0.5))
    sampler = MixtureSampler(probs, data_groups(df), "epochs", torch.Generator().manual_seed(0), seed=0)
    drawn = np.concatenate([sampler.draw(32) for _ in range(100)])
    newest = np.flatnonzero((df["source"] == "self") & (df["round"] == 1))
    from_newest = drawn[np.isin(drawn, newest)]
    assert len(from_newest) / len(drawn) == pytest.approx(0.5, abs=0.03)  # the mixture still holds
    for start in range(0, len(from_newest) - 30, 30):  # each pass of 30 rows is all 30 rows
        assert sorted(from_newest[start : start + 30]) == list(newest)
    base = np.flatnonzero(df["source"] == "base")
    assert len(set(drawn[np.isin(drawn, base)][:100])) == 100


def test_replacement_sampling_repeats_rows_within_a_pass():
    df = mixed_rows()
    probs = torch.as_tensor(mixture_probabilities(df, newest_fraction=0.5))
    sampler = MixtureSampler(probs, data_groups(df), "replacement", torch.Generator().manual_seed(0), seed=0)
    drawn = sampler.draw(140)
    assert len(set(drawn)) < 140
    with pytest.raises(ValueError, match="train.sampling"):
        MixtureSampler(probs, data_groups(df), "shuffle", torch.Generator(), seed=0)


def test_epoch_sampling_resumes_from_its_cursors_and_generator_state():
    df = mixed_rows()
    probs = torch.as_tensor(mixture_probabilities(df, newest_fraction=0.5))
    first = MixtureSampler(probs, data_groups(df), "epochs", torch.Generator().manual_seed(3), seed=3)
    for _ in range(5):
        first.draw(16)
    state, cursors = first.gen.get_state(), list(first.cursors)
    expected = first.draw(16)
    resumed = MixtureSampler(probs, data_groups(df), "epochs", torch.Generator().manual_seed(3), seed=3)
    resumed.gen.set_state(state)
    resumed.cursors = cursors
    assert list(resumed.draw(16)) == list(expected)
