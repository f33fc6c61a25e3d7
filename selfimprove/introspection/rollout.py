"""Episodes: collecting training trajectories, and the sequential and parallel evaluations.

Collection (RISE's data gathering): attempt 1 is the policy's own sample. While an attempt is
wrong and turns remain, the feedback and the question are appended and the next attempt is
- `self`: the best of `samples` samples of the policy itself, scored by the verifier
  (self-distillation; the first best on ties), or
- `teacher`: one sample of a teacher model, or
- `oracle`: the task's exact answer, a programmatic teacher that must be labelled as such.
An episode stops at its first success.

Evaluation: `sequential` runs `turns` turns with constant feedback after every attempt (never
revealing correctness), no early stop, within a context window; `parallel` draws `samples`
independent first attempts.
"""

from __future__ import annotations

import logging

import pandas as pd

from selfimprove.engine.generate import generate
from selfimprove.introspection.trajectory import turn_prompt

log = logging.getLogger(__name__)
SOURCES = ("self", "teacher", "oracle")
EPISODE_COLUMNS = ["problem", "question", "turn", "attempt", "ended", "reward", "source"]


def attempts(model, tok, env, prompts: list[str], questions: list[str], *, temperature: float, seed: int, batch_size: int = 256):
    """One sampled attempt per prompt (its budget from the environment): (texts, ended)."""
    budgets = [env.budget(q) for q in questions]
    return generate(model, tok, prompts, budgets, batch_size, temperature=temperature, seed=seed, progress=False)


def prompt(env, question: str, previous: list[str], context_window: int | None = None) -> str:
    return turn_prompt(question, previous, context_window, env.markers)


def collect(
    model,
    tok,
    env,
    questions: list[str],
    *,
    turns: int = 2,
    source: str = "self",
    samples: int = 8,
    temperature: float = 1.0,
    seed: int = 0,
    teacher=None,
    context_window: int | None = None,
    batch_size: int = 256,
) -> pd.DataFrame:
    """One episode per question: rows (problem, question, turn, attempt, ended, reward, source)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; available: {', '.join(SOURCES)}")
    if source == "teacher" and teacher is None:
        raise ValueError("source 'teacher' needs a teacher (model, tokenizer)")
    rows, history = [], {i: [] for i in range(len(questions))}
    texts, ended = attempts(
        model, tok, env, [prompt(env, q, []) for q in questions], questions, temperature=temperature, seed=seed, batch_size=batch_size
    )
    open_ = []
    for i, (q, a, e) in enumerate(zip(questions, texts, ended)):
        r = env.reward(q, a, e)
        rows.append((i, q, 1, a, e, r, "policy"))
        history[i].append(a)
        if r != 1:
            open_.append(i)
    for turn in range(2, turns + 1):
        log.info("turn %d: %d of %d episodes still open", turn, len(open_), len(questions))
        if not open_:
            break
        prompts = [prompt(env, questions[i], history[i], context_window) for i in open_]
        qs = [questions[i] for i in open_]
        best = corrections(
            model,
            tok,
            env,
            prompts,
            qs,
            source=source,
            samples=samples,
            teacher=teacher,
            temperature=temperature,
            seed=seed + turn,
            batch_size=batch_size,
        )
        still_open = []
        for i, (a, e) in zip(open_, best):
            r = env.reward(questions[i], a, e)
            rows.append((i, questions[i], turn, a, e, r, source))
            history[i].append(a)
            if r != 1:
                still_open.append(i)
        open_ = still_open
    return pd.DataFrame(rows, columns=EPISODE_COLUMNS).sort_values(["problem", "turn"], ignore_index=True)


def corrections(model, tok, env, prompts, questions, *, source, samples, teacher, temperature, seed, batch_size) -> list[tuple]:
    """The (attempt, ended) of a later turn per open episode: the right answer (oracle), the teacher's
    sample, or the best of `samples` own samples (the first best on ties)."""
    if source == "oracle":
        return [(env.answer(q), True) for q in questions]
    sampling = {"temperature": temperature, "seed": seed, "batch_size": batch_size}
    if source == "teacher":
        t_model, t_tok = teacher
        return list(zip(*attempts(t_model, t_tok, env, prompts, questions, **sampling)))
    repeated = [p for p in prompts for _ in range(samples)], [q for q in questions for _ in range(samples)]
    texts, ended = attempts(model, tok, env, *repeated, **sampling)
    best = []
    for j, q in enumerate(questions):
        options = list(zip(texts[j * samples : (j + 1) * samples], ended[j * samples : (j + 1) * samples]))
        best.append(max(options, key=lambda o: env.reward(q, *o)))
    return best


def sequential(
    model,
    tok,
    env,
    questions: list[str],
    *,
    turns: int = 5,
    context_window: int | None = 2,
    temperature: float = 0.0,
    seed: int = 0,
    batch_size: int = 256,
    history_from=None,
) -> pd.DataFrame:
    """`turns` attempts per question, each after constant feedback on all earlier ones (no early stop).

    `history_from`, for the history ablation: a permutation of the questions whose previous
    attempts each question is shown instead of its own (another problem's attempt).
    """
    rows, history = [], [[] for _ in questions]
    for turn in range(1, turns + 1):
        log.info("sequential turn %d of %d (%d questions)", turn, turns, len(questions))
        shown = history if history_from is None else [history[j] for j in history_from]
        prompts = [prompt(env, q, h, context_window) for q, h in zip(questions, shown)]
        texts, ended = attempts(model, tok, env, prompts, questions, temperature=temperature, seed=seed + turn, batch_size=batch_size)
        for i, (q, a, e) in enumerate(zip(questions, texts, ended)):
            rows.append((i, q, turn, a, e, env.reward(q, a, e), "sequential"))
            history[i].append(a)
    return pd.DataFrame(rows, columns=EPISODE_COLUMNS)


def parallel(
    model, tok, env, questions: list[str], *, samples: int = 5, temperature: float = 1.0, seed: int = 0, batch_size: int = 256
) -> pd.DataFrame:
    """`samples` independent first attempts per question (their `turn` column is the sample index)."""
    prompts = [prompt(env, q, []) for q in questions for _ in range(samples)]
    texts, ended = attempts(
        model, tok, env, prompts, [q for q in questions for _ in range(samples)], temperature=temperature, seed=seed, batch_size=batch_size
    )
    rows = [
        (i // samples, questions[i // samples], i % samples + 1, a, e, env.reward(questions[i // samples], a, e), "parallel")
        for i, (a, e) in enumerate(zip(texts, ended))
    ]
    return pd.DataFrame(rows, columns=EPISODE_COLUMNS)
