"""The introspection workflow's stages (rules/introspection/introspection.smk): each reads files, computes, writes files.

    eval_problems     held-out problems, one table for every seed and iteration
    base_dataset      single-turn SFT examples (question -> reference answer), none an eval problem
    train             the base model (from scratch or a pretrained start) and every fine-tuning
    collect           one episode per fresh problem, attempt 1 on-policy, later turns self/teacher/oracle
    convert           episodes -> reward-weighted multi-turn examples (a criterion)
    single_turn       the control: the same correct answers, same weights, without their history
    evaluate          sequential (and ablations) and parallel episodes on the held-out problems
    summarize         per seed, arm and iteration: accuracy per turn, headline metrics, transitions

`env` is an environment's config ({task, task_options, data, introspection}); environments.py
builds it. Every table is Parquet.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from selfimprove.engine.checkpoint import load_checkpoint, save_checkpoint
from selfimprove.engine.data import read_table, rng_for, write_table
from selfimprove.engine.device import pick_device
from selfimprove.engine.model_stages import TrainInputs, TrainSettings, model_start
from selfimprove.engine.train import TrainConfig, train_round_to_files
from selfimprove.introspection import metrics, rollout
from selfimprove.introspection.convert import convert_episode
from selfimprove.introspection.environments import PROBLEM_COLUMNS, make_environment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Setup:
    """What every model job of an introspection rule shares: the environment its episodes come from
    (environment_params in rules/introspection/plan.smk), how attempts are sampled, and where it runs."""

    env: dict
    temperature: float = 1.0
    context_window: int | None = 2
    batch_size: int = 256
    device: str = "cpu"
    threads: int = 1

    def environment(self):
        return make_environment(self.env)

    def torch_device(self):
        return pick_device(self.device, self.threads)


@dataclass(frozen=True)
class Collection:
    """introspection.collect: who writes the later turns (self, oracle, teacher), over how many turns."""

    source: str
    turns: int
    samples: int = 8
    teacher: str | None = None


@dataclass(frozen=True)
class Conversion:
    """introspection.convert: which attempts become examples, and how they are weighted."""

    criterion: str
    tau: float = 0.4
    remove_duplicates: bool = False
    only_success: bool = False


@dataclass(frozen=True)
class Protocols:
    """introspection.evaluate: the turns of sequential self-correction, the samples of the parallel
    majority, and the history ablations."""

    turns: int
    samples: int
    history_ablation: bool = True
    full_history: bool = False


EPISODES = {"problem": "int64", "question": "str", "turn": "int64", "attempt": "str", "reward": "int64"}


def eval_problems(out, *, env, n, seed):
    problems = make_environment(env).problems("eval", n, seed)
    log.info("%d evaluation problems", len(problems))
    write_table(problems, out)


def _examples(prompts, targets, problems: pd.DataFrame, *, source: str, iteration: int, weights=None, **extra) -> pd.DataFrame:
    """A training table in the engine's schema (data.EXAMPLE_COLUMNS), plus `weight` and extras."""
    df = pd.DataFrame(
        {
            "prompt": list(prompts),
            "target": list(targets),
            "difficulty": problems["difficulty"].to_numpy(),
            "difficulty2": problems["difficulty2"].to_numpy(),
            "source": source,
            "round": iteration,
        }
    )
    if weights is not None:
        df["weight"] = list(weights)
    for k, v in extra.items():
        df[k] = list(v)
    return df


def base_dataset(eval_path, out, *, env, n, seed, history_fraction=0.0):
    """SFT data for the base model (RISE's 'boost' step): the question, the reference answer.

    A `history_fraction` of the examples show the question after one earlier wrong attempt (a
    near miss, environments' wrong_answer) and the feedback: a model trained from scratch has
    otherwise never seen a second turn, so its own turn-2 samples are malformed and collection
    by self-distillation finds nothing (an instruction-tuned LLM knows the dialogue format).
    """
    e = make_environment(env)
    problems = e.problems("base", n, seed, exclude=set(read_table(eval_path, PROBLEM_COLUMNS)["question"]))
    rng = rng_for("introspection-history", e.name, seed)
    histories = [[e.wrong_answer(q, rng)] if rng.random() < history_fraction else [] for q in problems["question"]]
    prompts = [rollout.prompt(e, q, h) for q, h in zip(problems["question"], histories)]
    write_table(_examples(prompts, problems["answer"], problems, source="base", iteration=0, turn=[len(h) + 1 for h in histories]), out)
    log.info("%d examples, %d of them after a wrong first attempt", len(problems), sum(map(len, histories)))


def train(dataset_paths, model_out, log_out, setup: Setup, settings: TrainSettings, *, init=None, pretrained=None, tracker=None):
    """The base model (from scratch, or a pretrained Hugging Face start) or one fine-tuning (from `init`).
    Several datasets (finetune_from: base) are trained on together."""
    df = pd.concat([read_table(p) for p in dataset_paths], ignore_index=True)
    df["round"] = 0  # every example of the mixture alike: a weighted union, not the self-improvement schedule
    if df.empty:
        if not init:
            raise ValueError(f"no training examples in {', '.join(map(str, dataset_paths))}")
        log.warning("no examples to fine-tune on (nothing was kept): the model is %s unchanged", init)
        model_, tok, state = load_checkpoint(init)
        save_checkpoint(model_out, model_, tok, None, {**state["meta"], "untrained": "no examples"})
        write_table(pd.DataFrame({"step": pd.Series(dtype="int64"), "loss": pd.Series(dtype="float64")}), log_out)
        return
    start = model_start(settings.model, setup.environment().alphabet, TrainInputs(list(dataset_paths), init=init), pretrained)
    log.info("training on %d examples%s", len(df), f" (weights {df['weight'].describe().to_dict()})" if "weight" in df else "")
    config = TrainConfig(seed=settings.seed, **settings.train)
    train_round_to_files(df, config, model_out, log_out, device=setup.torch_device(), tracker=tracker, **start)


def load_teacher(path, alphabet, dev):
    """A teacher model: a model.pt checkpoint, or a local Hugging Face causal LM directory."""
    if Path(path).is_dir():
        from selfimprove.interop.pretrained import load_pretrained

        model, tok, _ = load_pretrained(path, alphabet)
        return model.to(dev).eval(), tok
    model, tok, _ = load_checkpoint(path, dev)
    return model.eval(), tok


def collect(model_path, eval_path, out, setup: Setup, collection: Collection, *, iteration, n, seed, data_seed):
    """Episodes on `n` fresh problems with the previous iteration's model (on-policy)."""
    e = setup.environment()
    problems = e.problems(f"collect{iteration}", n, data_seed, exclude=set(read_table(eval_path, PROBLEM_COLUMNS)["question"]))
    dev = setup.torch_device()
    model, tok, _ = load_checkpoint(model_path, dev)
    model.eval()
    source, turns = collection.source, collection.turns
    teacher_pair = load_teacher(collection.teacher, e.alphabet, dev) if source == "teacher" else None
    episodes = rollout.collect(
        model,
        tok,
        e,
        list(problems["question"]),
        turns=turns,
        source=source,
        samples=collection.samples,
        temperature=setup.temperature,
        seed=seed * 1000 + iteration,
        teacher=teacher_pair,
        context_window=setup.context_window,
        batch_size=setup.batch_size,
    )
    episodes = episodes.merge(problems[["question", "difficulty", "difficulty2"]], on="question", how="left")
    first = episodes[episodes["turn"] == 1]
    log.info(
        "iteration %d: %d episodes, turn-1 accuracy %.3f, solved within %d turns %.3f (later turns by %s)",
        iteration,
        len(first),
        (first["reward"] == 1).mean(),
        turns,
        episodes.groupby("problem")["reward"].max().eq(1).mean(),
        source,
    )
    write_table(episodes.assign(iteration=iteration), out)


def _episodes(episodes: pd.DataFrame):
    for _, g in episodes.sort_values(["problem", "turn"]).groupby("problem", sort=True):
        yield g


def convert(episodes_path, out, conversion: Conversion, *, env, iteration, context_window=2):
    """Every kept attempt is an example supervised alone, weighted exp(reward / tau)."""
    markers = make_environment(env).markers
    rows, problems = [], []
    for g in _episodes(read_table(episodes_path, EPISODES)):
        for c in convert_episode(
            g["question"].iloc[0],
            list(g["attempt"]),
            list(g["reward"]),
            criterion=conversion.criterion,
            tau=conversion.tau,
            remove_duplicates=conversion.remove_duplicates,
            only_success=conversion.only_success,
            context_window=context_window,
            markers=markers,
        ):
            rows.append(c)
            problems.append(g.iloc[0])
    if not rows:
        log.warning(
            "criterion %r kept no attempt of %s: this iteration's fine-tuning keeps its start model unchanged",
            conversion.criterion,
            episodes_path,
        )
    problems = pd.DataFrame(problems, columns=["problem", "difficulty", "difficulty2"])
    df = _examples(
        [c.prompt for c in rows],
        [c.target for c in rows],
        problems,
        source="self",
        iteration=iteration,
        weights=[c.weight for c in rows],
        turn=[c.turn for c in rows],
        reward=[c.reward for c in rows],
    )
    log.info(
        "criterion %s, tau %g: %d examples from %d episodes; by (turn, reward): %s",
        conversion.criterion,
        conversion.tau,
        len(df),
        problems["problem"].nunique(),
        df.groupby(["turn", "reward"]).size().to_dict(),
    )
    write_table(df, out)


def single_turn(episodes_path, out, *, env, iteration, tau=0.4):
    """The control: each correct answer of the episodes as a first-turn example, weighted as RISE weights it."""
    e = make_environment(env)
    episodes = read_table(episodes_path, EPISODES)
    correct = episodes[episodes["reward"] == 1].drop_duplicates(["question", "attempt"])
    if correct.empty:
        log.warning("%s has no correct attempt: the single-turn control keeps its start model unchanged this iteration", episodes_path)
    prompts = [rollout.prompt(e, q, []) for q in correct["question"]]
    weights = [math.exp(1 / tau)] * len(correct)
    write_table(
        _examples(
            prompts,
            correct["attempt"],
            correct,
            source="self",
            iteration=iteration,
            weights=weights,
            turn=[1] * len(correct),
            reward=[1] * len(correct),
        ),
        out,
    )
    log.info("%d correct answers as single-turn examples", len(correct))


def evaluate(model_path, problems_path, out, setup: Setup, protocols: Protocols, *, seed=0):
    """Every protocol's episodes on the held-out problems, one table with a `protocol` column."""
    e = setup.environment()
    questions = list(read_table(problems_path, PROBLEM_COLUMNS)["question"])
    model, tok, _ = load_checkpoint(model_path, setup.torch_device())
    model.eval()
    turns, context_window = protocols.turns, setup.context_window
    common = {"temperature": setup.temperature, "seed": seed, "batch_size": setup.batch_size}
    tables = {
        "sequential": rollout.sequential(model, tok, e, questions, turns=turns, context_window=context_window, **common),
        "parallel": rollout.parallel(model, tok, e, questions, samples=protocols.samples, **common),
    }
    if protocols.history_ablation:  # each question is shown the previous attempts of the next question instead of its own
        shift = [(i + 1) % len(questions) for i in range(len(questions))]
        tables["shuffled_history"] = rollout.sequential(
            model, tok, e, questions, turns=turns, context_window=context_window, history_from=shift, **common
        )
    if protocols.full_history:
        tables["full_history"] = rollout.sequential(model, tok, e, questions, turns=turns, context_window=None, **common)
    for name, t in tables.items():
        log.info(
            "%s: %s",
            name,
            {k: round(v, 4) for k, v in metrics.summary(t).items()}
            if name != "parallel"
            else f"accuracy per sample {(t['reward'] == 1).mean():.4f}",
        )
    write_table(pd.concat([t.assign(protocol=name) for name, t in tables.items()], ignore_index=True), out)
