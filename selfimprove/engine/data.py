"""Example tables: their schema, Parquet I/O and how they are sampled.

Every table of examples has the columns of `EXAMPLE_COLUMNS`; stages add their own
columns (predictions, votes, ...) beside them. Each kind of random draw has its own
seed stream (`rng_for`), so evaluation prompts, base data and self-labelling prompts
never share a sequence of random numbers.
"""

from __future__ import annotations

import random

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from selfimprove.tasks import Task
from selfimprove.tasks import difficulty as difficulty_
from selfimprove.workflow.atomic import atomic_output
from selfimprove.workflow.errors import InputFileError

# `difficulty2` is a two-axis task's second axis (0 otherwise); see difficulty.py.
EXAMPLE_COLUMNS = {"prompt": "str", "target": "str", "difficulty": "int64", "difficulty2": "int64", "source": "str", "round": "int64"}
DIFFICULTY = ["difficulty", "difficulty2"]
SOURCES = ("base", "self")


def rng_for(stream: str, *keys) -> random.Random:
    """An independent, reproducible generator per (stream, keys): e.g. ('eval', 0)."""
    return random.Random(":".join(map(str, (stream, *keys))))


# --------------------------------------------------------------------------- Parquet I/O


def write_table(df: pd.DataFrame, path) -> None:
    """Write Parquet atomically (temporary name, then rename), zstd-compressed: digit strings take
    about 40% less than with Parquet's default snappy (benchmarks/disk_usage.py)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    # pandas >= 3 maps str to large_string; keep the plain `string` type on disk on every version.
    schema = pa.schema([f.with_type(pa.string()) if f.type == pa.large_string() else f for f in table.schema])
    with atomic_output(path) as tmp:
        pq.write_table(table.cast(schema), tmp, compression="zstd")


def read_table(path, required=EXAMPLE_COLUMNS) -> pd.DataFrame:
    """Read Parquet, failing with the file's name if it is unreadable or lacks columns."""
    try:
        df = pq.read_table(path).to_pandas()
    except Exception as err:
        raise InputFileError(
            f"cannot read Parquet file {path}: {err} (truncated or not Parquet; delete it and re-run to rebuild it)"
        ) from err
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputFileError(f"{path} lacks column(s) {missing}; it has {list(df.columns)}")
    return df


TEXT_COLUMNS = ("prompt", "target", "prediction", "true_target")


def as_text(df: pd.DataFrame, task: Task) -> pd.DataFrame:
    """The table as a person reads it: every text column in the task's written form (Task.to_text).
    Stages write tables through this and read them back through `as_tokens`."""
    if type(task).to_text is Task.to_text:
        return df
    return df.assign(**{c: df[c].map(task.to_text) for c in TEXT_COLUMNS if c in df})


def as_tokens(df: pd.DataFrame, task: Task) -> pd.DataFrame:
    """The inverse of `as_text`: the text columns as the task's token strings."""
    if type(task).from_text is Task.from_text:
        return df
    return df.assign(**{c: df[c].map(task.from_text) for c in TEXT_COLUMNS if c in df})


def examples_frame(examples, source: str, round_: int) -> pd.DataFrame:
    cells = [difficulty_.columns(e.difficulty) for e in examples]
    df = pd.DataFrame(
        {
            "prompt": [e.prompt for e in examples],
            "target": [e.target for e in examples],
            "difficulty": [c[0] for c in cells],
            "difficulty2": [c[1] for c in cells],
        }
    )
    df["source"] = source
    df["round"] = round_
    df = df.astype(EXAMPLE_COLUMNS)
    if any(e.group for e in examples):  # tasks with several evaluation populations (sparse parity)
        df["group"] = [e.group for e in examples]
    return df


# --------------------------------------------------------------------------- sampling


def sample_distinct(task: Task, rng: random.Random, difficulty, n: int, exclude=frozenset()) -> list:
    """n distinct examples at one difficulty, none of whose prompts is in `exclude`.

    Returns fewer when the difficulty has fewer distinct prompts left than requested.
    """
    n = int(min(n, task.num_distinct(difficulty)))
    seen, out = set(exclude), []
    for _ in range(100 * n + 1000):  # bounded: a nearly exhausted space ends the search
        if len(out) == n:
            break
        ex = task.sample(rng, difficulty)
        if ex.prompt not in seen:
            seen.add(ex.prompt)
            out.append(ex)
    return out


def capped_count(task: Task, difficulty, n: int, max_share: float | None) -> int:
    """n, or fewer where `max_share` of the difficulty's distinct prompts is less: a split drawn
    from a cell that training also draws from must leave the rest of the cell to training."""
    if max_share is None:
        return n
    return int(min(n, max_share * task.num_distinct(difficulty)))


def make_eval_prompts(task: Task, difficulties, per_difficulty: int, seed: int, max_share: float | None = None, trained=()) -> pd.DataFrame:
    """`per_difficulty` distinct prompts per difficulty; at the `trained` ones (the cells training
    data can come from) at most `max_share` of their distinct prompts, so none is emptied."""
    rng = rng_for("eval", task.name, seed)
    trained = set(trained)
    examples = [
        ex
        for d in difficulties
        for ex in sample_distinct(task, rng, d, capped_count(task, d, per_difficulty, max_share if d in trained else None))
    ]
    return examples_frame(examples, "base", -1).drop(columns=["source", "round"])


def make_valid_prompts(task: Task, lo, hi, size: int, seed: int, exclude: set, max_share: float) -> pd.DataFrame:
    """A validation split drawn like round-0 data (difficulties lo..hi), none of it an evaluation
    prompt (`exclude`), at most `max_share` of any difficulty's distinct prompts. Training data
    then excludes it: the split that picks a checkpoint is neither trained on nor tested on."""
    rng = rng_for("valid", task.name, seed)
    seen, per_cell, examples = set(exclude), {}, []
    for _ in range(100 * size + 1000):  # bounded: a nearly exhausted space ends the search
        if len(examples) == size:
            break
        ex = task.sample_base(rng, lo, hi)
        cell, keys = ex.difficulty, task.prompt_keys(ex.prompt)
        if any(k in seen for k in keys) or per_cell.get(cell, 0) + 1 > max_share * task.num_distinct(cell):
            continue
        seen.update(keys)
        per_cell[cell] = per_cell.get(cell, 0) + 1
        examples.append(ex)
    return examples_frame(examples, "base", 0)


def make_base_dataset(task: Task, lo, hi, size: int, seed: int, exclude: set, model_seed: int = 0) -> pd.DataFrame:
    """Round-0 training data at difficulties lo..hi, drawn from model seed `model_seed`'s own
    stream (every seed sees its own inputs, as in the paper); prompts in `exclude` (evaluation,
    validation) are never drawn."""
    rng = rng_for("base", task.name, seed, model_seed)
    examples = []
    with tqdm(total=size, desc="base data", mininterval=2) as bar:
        while len(examples) < size:
            ex = task.sample_base(rng, lo, hi)
            if not any(key in exclude for key in task.prompt_keys(ex.prompt)):
                examples.append(ex)
                bar.update()
    return examples_frame(examples, "base", 0)


def make_probe_prompts(task: Task, difficulties: list, n: int, round_: int, seed: int, exclude: set) -> pd.DataFrame:
    """Fresh prompts (with answers) to probe round `round_`'s models; their own seed stream."""
    rng = rng_for("probe", task.name, seed, round_)
    examples = [ex for d in difficulties for ex in sample_distinct(task, rng, d, n, exclude=exclude)]
    return examples_frame(examples, "base", round_)


def make_selflabel_prompts(
    task: Task, difficulties: list, n: int, round_: int, seed: int, exclude: set, model_seed: int = 0
) -> pd.DataFrame:
    """Unlabelled prompts for round `round_`'s model of seed `model_seed` to label, `n` per difficulty,
    from that seed's own stream; eval prompts are excluded."""
    rng = rng_for("selflabel", task.name, seed, round_, model_seed)
    examples = [ex for d in difficulties for ex in sample_distinct(task, rng, d, n, exclude=exclude)]
    return examples_frame(examples, "self", round_)
