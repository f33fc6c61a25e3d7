"""Where introspection's problems, answers and rewards come from.

An environment gives the questions (a base SFT set, each iteration's collection problems and
the held-out evaluation problems), the reference answer of a question, the generation budget of
an attempt, and the verifier's reward 1 / 0 / -1 (correct / wrong / malformed). Two kinds:

    task    a task of the registry (reverse_addition, multiplication, ...) at a difficulty range
            where the single-turn model is moderately accurate; markers Q A ; X
    jsonl   GSM8K-style word problems read from local JSONL files, one {"question", "answer"}
            object per line, the answer's final number after '####'. Attempts are free text
            judged by the number after their last '####' (a missing or unparsable number is
            malformed, like RISE's missing \\boxed{}). Nothing is downloaded.

Word problems contain every letter and ';', so that environment marks its episodes with four
characters prose does not use (trajectory.TEXT_MARKERS).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from selfimprove.engine.data import rng_for
from selfimprove.introspection import rewards
from selfimprove.introspection.trajectory import MARKERS, TEXT_MARKERS
from selfimprove.introspection.trajectory import alphabet as episode_alphabet
from selfimprove.tasks import Task, get_task
from selfimprove.tasks import difficulty as difficulty_

PROBLEM_COLUMNS = ["question", "answer", "difficulty", "difficulty2"]


class TaskEnvironment:
    kind = "task"
    markers = MARKERS

    def __init__(self, task: Task, base_difficulty, difficulty):
        self.task = task
        self.name = task.name
        self.base_cells = difficulty_.between(task, *(difficulty_.parse(task, d) for d in base_difficulty))
        self.cells = difficulty_.between(task, *(difficulty_.parse(task, d) for d in difficulty))
        self.alphabet = episode_alphabet(task.alphabet, self.markers)

    def answer(self, question: str) -> str:
        return self.task.answer(question)

    def budget(self, question: str) -> int:
        return self.task.target_length(question) + 1  # + [EOS]

    def reward(self, question: str, attempt: str, ended: bool = True) -> int:
        return rewards.reward(self.task, question, attempt, ended)

    def wrong_answer(self, question: str, rng) -> str:
        """A near miss: the answer with one character changed to another answer character."""
        truth = self.answer(question)
        chars = sorted(rewards.answer_characters(self.task, question))
        i = rng.randrange(len(truth))
        return truth[:i] + rng.choice([c for c in chars if c != truth[i]]) + truth[i + 1 :]

    def problems(self, split: str, n: int, seed: int, exclude=frozenset()) -> pd.DataFrame:
        """`n` distinct questions of a split ('base' at the base difficulties; 'eval' or
        'collect<i>' at the introspection difficulties), none of them in `exclude`."""
        rng = rng_for(f"introspection-{split}", self.name, seed)
        cells = self.base_cells if split == "base" else self.cells
        seen, rows = set(exclude), []
        for _ in range(100 * n):
            if len(rows) == n:
                break
            ex = self.task.sample(rng, rng.choice(cells))
            if ex.prompt not in seen:
                seen.add(ex.prompt)
                rows.append((ex.prompt, ex.target, *difficulty_.columns(ex.difficulty)))
        if len(rows) < n:
            raise ValueError(f"{split}: only {len(rows)} distinct {self.name} problems of the {n} asked for exist at these difficulties")
        return pd.DataFrame(rows, columns=PROBLEM_COLUMNS)


FINAL = "####"
_NUMBER = re.compile(r"-?\d+")


def final_number(text: str) -> int | None:
    """The integer after the last '####' (commas removed), or None."""
    if FINAL not in text:
        return None
    found = _NUMBER.search(text.rsplit(FINAL, 1)[1].replace(",", ""))
    return int(found.group()) if found else None


class JsonlEnvironment:
    kind = "jsonl"
    markers = TEXT_MARKERS

    def __init__(self, train: str | Path, test: str | Path, max_new_tokens: int = 256):
        self.name = f"jsonl:{Path(train).stem}"
        self.files = {"train": self._read(train), "test": self._read(test)}
        self.max_new_tokens = max_new_tokens
        self._answers = {}
        for table in self.files.values():
            self._answers.update(zip(table["question"], table["answer"]))
        chars = set().union(*(set(q) | set(a) for t in self.files.values() for q, a in zip(t["question"], t["answer"])))
        self.alphabet = episode_alphabet("".join(sorted(chars | set("0123456789-#, "))), self.markers)

    @staticmethod
    def _read(path) -> pd.DataFrame:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no problem file {path}")
        rows = []
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                question, answer = obj["question"], obj["answer"]
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise ValueError(f"{path}:{n}: each line must be a JSON object with 'question' and 'answer' ({err})") from None
            if final_number(answer) is None:
                raise ValueError(f"{path}:{n}: the answer does not end in '#### <integer>'")
            clash = set(TEXT_MARKERS) & set(question + answer)
            if clash:
                raise ValueError(f"{path}:{n}: uses the episode markers {sorted(clash)}")
            rows.append((question, answer))
        if not rows:
            raise ValueError(f"{path}: no problems")
        return pd.DataFrame(rows, columns=["question", "answer"])

    def answer(self, question: str) -> str:
        return self._answers[question]

    def budget(self, question: str) -> int:
        return self.max_new_tokens

    def wrong_answer(self, question: str, rng) -> str:
        """The reference solution with a wrong final number."""
        truth = self._answers[question]
        head = truth.rsplit(FINAL, 1)[0]
        return f"{head}{FINAL} {final_number(truth) + rng.choice([-10, -2, -1, 1, 2, 10])}"

    def reward(self, question: str, attempt: str, ended: bool = True) -> int:
        got = final_number(attempt) if ended else None
        if got is None:
            return rewards.MALFORMED
        return rewards.CORRECT if got == final_number(self._answers[question]) else rewards.WRONG

    def problems(self, split: str, n: int, seed: int, exclude=frozenset()) -> pd.DataFrame:
        """'eval': the first `n` problems of the test file; 'base' and 'collect<i>': `n` drawn
        from the train file (all of them if it has fewer)."""
        if split == "eval":
            table = self.files["test"].head(n)
        else:
            pool = self.files["train"][~self.files["train"]["question"].isin(exclude)]
            table = pool.sample(n=min(n, len(pool)), random_state=rng_for(f"introspection-{split}", self.name, seed).randrange(2**32))
        return table.assign(difficulty=0, difficulty2=0).reset_index(drop=True)[PROBLEM_COLUMNS]


def make_environment(cfg: dict):
    """The environment of a config (its `task`, `task_options`, `data` and `introspection` keys): collection
    and evaluation problems at data.eval_difficulties, base data at data.base_difficulty."""
    env = cfg["introspection"].get("environment", {"kind": "task"})
    if env["kind"] == "jsonl":
        missing = [k for k in ("train", "test") if k not in env]
        if missing:
            raise ValueError(f"kind jsonl needs problem files: {' and '.join(missing)} missing")
        return JsonlEnvironment(env["train"], env["test"], env.get("max_new_tokens", 256))
    task = get_task(cfg["task"], cfg.get("task_options"))
    return TaskEnvironment(task, cfg["data"]["base_difficulty"], cfg["data"]["eval_difficulties"])
