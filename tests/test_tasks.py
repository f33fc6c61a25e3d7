import random

import numpy as np
import pytest
from conftest import small_difficulties

from selfimprove.tasks import TASKS, get_task
from selfimprove.tasks.base import symbol


def test_reverse_addition_paper_examples():
    task = get_task("reverse_addition")
    assert task.answer("54321+876=") == "320310"  # 12345 + 678 = 13023
    assert task.answer("999+1=") == "0001"  # 999 + 1 = 1000
    assert task.target_length("54321+876=") == 6


def test_forward_addition_paper_examples():
    task = get_task("forward_addition")
    assert task.answer("12+345=") == "357"
    assert task.answer("999+1=") == "1000"
    assert task.answer_lengths("999+1=") == (3, 4) and task.target_length("12+345=") == 4


def test_forward_addition_ground_truth_against_integers():
    task = get_task("forward_addition")
    rng = random.Random(2)
    carries = 0
    for _ in range(500):
        ex = task.sample_base(rng, 1, 9)
        a, b = ex.prompt[:-1].split("+")
        assert int(ex.target) == int(a) + int(b) and ex.target == str(int(ex.target))  # MSB first, no padding
        assert a[0] != "0" and b[0] != "0"
        carries += len(ex.target) > max(len(a), len(b))
    assert 0 < carries < 500  # both admissible lengths occur


def test_reverse_format_and_ground_truth():
    task = get_task("reverse")
    assert task.answer("5028=") == "8205"
    rng = random.Random(3)
    for _ in range(200):
        ex = task.sample(rng, 9)
        assert ex.target == "".join(reversed(ex.prompt[:-1])) and len(ex.target) == 9


def test_copy_format():
    task = get_task("copy")
    assert task.answer("5028=") == "5028"
    assert task.target_length("5028=") == 4


SPREAD = {
    "multiplication": [(1, 1), (2, 7), (7, 2), (12, 12)],
    "maze": [(2, 1), (12, 3), (30, 9), (99, 60)],
    "sparse_parity": [20, 25, 30, 40],
}  # fewer in-context segments can leave the hidden tuple ambiguous
CASES = [(name, d) for name in sorted(TASKS) for d in SPREAD.get(name, [1, 2, 7, 25])]


@pytest.mark.parametrize("name, difficulty", CASES)
def test_samples_are_consistent(name, difficulty):
    task = get_task(name)
    rng = random.Random(0)
    for _ in range(200):
        ex = task.sample(rng, difficulty)
        assert ex.difficulty == difficulty
        assert ex.target == task.answer(ex.prompt)
        lo, hi = task.answer_lengths(ex.prompt)
        assert lo <= len(ex.target) <= hi == task.target_length(ex.prompt)
        assert set(ex.prompt + ex.target) <= set(task.alphabet)


def test_reverse_addition_ground_truth_against_integers():
    task = get_task("reverse_addition")
    rng = random.Random(1)
    for _ in range(500):
        ex = task.sample_base(rng, 1, 9)
        a, b = (int(x[::-1]) for x in ex.prompt[:-1].split("+"))
        assert int(ex.target[::-1]) == a + b
        assert ex.difficulty == max(len(str(a)), len(str(b)))
        assert not ex.prompt.split("+")[0].endswith("0")  # no leading zero once reversed back


@pytest.mark.parametrize("name", sorted(TASKS))
def test_sampling_is_seeded(name):
    task = get_task(name)
    difficulty = SPREAD.get(name, [5])[1 if name in SPREAD else 0]

    def draw(seed):
        rng = random.Random(seed)
        return [task.sample(rng, difficulty) for _ in range(3)]

    assert draw(3) == draw(3)
    assert draw(3) != draw(4)


def test_unknown_task_lists_the_available_ones():
    with pytest.raises(
        ValueError, match="available: copy, counting, counting_both, forward_addition, maze, multiplication, reverse, reverse_addition"
    ):
        get_task("multiplication_typo")


def test_multiplication_paper_examples():
    task = get_task("multiplication")
    cases = {
        "54*321=": "531+0090(5301)+00540=53550",  # 45 * 123
        "21*3=": "630=630",  # 12 * 3: one partial product
        "503*04=": "0000+00221=00221",  # 305 * 40: zero digits kept
        "4321*8765=": "27890+083680(252690)+0040470(2566380)+00007160=25660070",
    }
    for prompt, target in cases.items():
        assert task.answer(prompt) == target
        assert task.answer_lengths(prompt) == (len(target), len(target))


def test_multiplication_ground_truth_against_integers():
    """Parse the chain of thought back: every partial product, running sum and the product."""
    task = get_task("multiplication")
    rng = random.Random(4)
    for _ in range(300):
        la, lb = rng.randint(1, 7), rng.randint(1, 7)
        ex = task.sample(rng, (la, lb))
        ra, rb = ex.prompt[:-1].split("*")
        a, b = int(ra[::-1]), int(rb[::-1])
        assert (len(str(a)), len(str(b))) == (la, lb) == ex.difficulty
        steps, product = ex.target.split("=")
        assert int(product[::-1]) == a * b and len(product) == la + lb
        running = 0
        for i, piece in enumerate(steps.split("+")):
            partial, _, paren = piece.partition("(")
            assert int(partial[::-1]) == int(rb[i]) * a * 10**i and len(partial) == la + i + 1
            running += int(partial[::-1])
            assert bool(paren) == (1 <= i <= lb - 2)
            if paren:
                assert int(paren.rstrip(")")[::-1]) == running


def test_maze_paper_example():
    task = get_task("maze")
    prompt = task.from_text("62>94#55:62-94:27,34-80:62-9:27-13:8-62:80,55,27-34:94-70:3,27-3:70-87:8,27-27:70,62,87,94,9-8:13,87=")
    assert task.to_text(task.answer(prompt)) == "62>27>94"
    assert len(task.answer(prompt)) == 5  # every label one token, as the paper's maze tokenizer
    assert task.to_text(prompt) == "62>94#55:62-94:27,34-80:62-9:27-13:8-62:80,55,27-34:94-70:3,27-3:70-87:8,27-27:70,62,87,94,9-8:13,87="


def test_maze_is_a_tree_whose_path_has_the_asked_hops():
    """An independent check: rebuild the graph from the prompt text and search it."""
    from selfimprove.tasks.base import number

    task = get_task("maze")
    rng = random.Random(5)
    for _ in range(200):
        nodes, hops = rng.randint(2, 40), 0
        hops = rng.randint(1, nodes - 1)
        ex = task.sample(rng, (nodes, hops))
        head, body = ex.prompt[:-1].split("#")
        start, end = head.split(">")
        graph = {}
        for entry in body.split("-"):
            node, nbrs = entry.split(":")
            graph[node] = set(nbrs.split(",")) if nbrs else set()
        assert len(graph) == nodes and all(len(n) == 1 and 1 <= number(n) <= 99 for n in graph)
        assert all(u in graph[v] for u in graph for v in graph[u])  # undirected
        assert sum(map(len, graph.values())) == 2 * (nodes - 1)  # a tree has n-1 edges
        seen, stack, parent = {start}, [start], {start: None}  # depth-first search
        while stack:
            u = stack.pop()
            for v in graph[u]:
                if v not in seen:
                    seen.add(v)
                    parent[v] = u
                    stack.append(v)
        assert len(seen) == nodes  # connected
        path = [end]
        while parent[path[-1]] is not None:
            path.append(parent[path[-1]])
        assert ">".join(reversed(path)) == ex.target and len(path) == hops + 1


def test_maze_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="hops < nodes"):
        get_task("maze").sample(random.Random(0), (5, 5))


def test_counting_format_and_ground_truth_from_the_endpoints():
    from selfimprove.tasks.counting import MAX_NUMBER, Counting, number, symbol

    up, both = get_task("counting"), get_task("counting_both")
    assert Counting.render(symbol(5) + symbol(9) + ">", up.answer(symbol(5) + symbol(9) + ">")) == "SoS 5 9 > 5 6 7 8 9 EoS"
    assert Counting.render(symbol(12) + symbol(9) + ">", both.answer(symbol(12) + symbol(9) + ">")) == "SoS 12 9 > 12 11 10 9 EoS"
    assert Counting.render(symbol(7) + symbol(7) + ">", up.answer(symbol(7) + symbol(7) + ">")) == "SoS 7 7 > 7 EoS"
    rng = random.Random(0)
    downs = 0
    for _ in range(500):
        n = rng.randint(1, 150)
        for task in (up, both):
            ex = task.sample(rng, n)
            a, b = number(ex.prompt[0]), number(ex.prompt[1])  # the count, computed independently
            expected = list(range(a, b + 1)) if a <= b else list(range(a, b - 1, -1))
            assert [number(c) for c in ex.target] == expected and len(expected) == n
            assert 0 <= min(a, b) and max(a, b) <= MAX_NUMBER
            assert task is both or a <= b
            downs += task is both and a > b
    assert 150 < downs < 350  # both directions, about equally often


def test_counting_training_lines_cover_every_number_of_long_test_lines():
    """The reference re-implementation tested on numbers its training never showed; here the short
    training lines use every integer a long test line can."""
    from selfimprove.tasks.counting import number

    task = get_task("counting_both")
    rng = random.Random(1)
    seen = {number(c) for _ in range(5000) for ex in [task.sample_base(rng, 1, 55)] for c in ex.prompt[:2] + ex.target}
    tested = {number(c) for _ in range(200) for ex in [task.sample(rng, 145)] for c in ex.prompt[:2] + ex.target}
    assert tested <= seen


def test_packed_counting_fills_the_context_trains_every_line_and_holds_out_each_line():
    from selfimprove.engine.data import make_base_dataset, make_eval_prompts
    from selfimprove.engine.packing import PackedExamples
    from selfimprove.engine.tokenizer import EOS, CharTokenizer
    from selfimprove.tasks.counting import NEXT_LINE

    task = get_task("counting", {"context": 48})
    rng = random.Random(0)
    for _ in range(50):
        ex = task.sample_base(rng, 1, 16)
        lines = ex.prompt.split(NEXT_LINE)
        assert 3 + len(ex.prompt) + len(ex.target) <= 48 and len(lines) >= 2  # [BOS] ... [EOS], fed back by generation, fits
        assert task.answer(ex.prompt) == ex.target == task.answer(lines[-1])  # the last line is the question
        for line in lines[:-1]:  # every earlier line is a whole, correct count
            assert line[3:] == task.answer(line[:3])
        mask = task.supervised_in_prompt(ex.prompt)
        assert len(mask) == len(ex.prompt) and sum(mask) == sum(len(line) - 3 + 1 for line in lines[:-1])  # answer + [EOS]
    tok = CharTokenizer(task.alphabet)
    packed = PackedExamples(tok, [ex.prompt], [ex.target], [task.supervised_in_prompt(ex.prompt)])
    assert packed.answer_lengths[0] == len(ex.target) + 1 + sum(mask)
    _, labels, _ = packed.pack(np.arange(1))
    assert int((labels == EOS).sum()) == len(lines)  # every line ends with a trained [EOS], as evaluation lines do
    evals = make_eval_prompts(task, range(1, 17), 20, seed=0)
    assert NEXT_LINE not in "".join(evals["prompt"])  # evaluation lines stand alone
    train = make_base_dataset(task, 1, 16, 2000, seed=0, exclude=set(evals["prompt"]))
    held = set(evals["prompt"])
    assert not any(key in held for p in train["prompt"] for key in task.prompt_keys(p))
    assert get_task("counting").supervised_in_prompt("ĀĂ>") is None  # the one-line protocol trains the answer only


def test_a_line_end_inside_a_prompt_is_the_eos_token():
    from selfimprove.engine.tokenizer import EOS, EOS_CHAR, CharTokenizer

    tok = CharTokenizer("ab")
    assert tok.encode("a" + EOS_CHAR + "b") == [*tok.encode("a"), EOS, *tok.encode("b")]
    with pytest.raises(ValueError, match="EOS_CHAR"):
        CharTokenizer("a" + EOS_CHAR)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_tables_hold_text_that_reads_back_to_the_same_tokens(name):
    """Parquet tables hold each task's text as a person writes it (Task.to_text); from_text restores the tokens."""
    task = get_task(name)
    rng = random.Random(0)
    for d in small_difficulties(task):
        example = task.sample(rng, d)
        for tokens in (example.prompt, example.target, example.target[:-1]):
            assert task.from_text(task.to_text(tokens)) == tokens


def test_counting_and_maze_tables_are_readable():
    counting = get_task("counting")
    assert counting.to_text(symbol(60) + symbol(63) + ">") == "60 63 >"
    assert counting.to_text(counting.answer(symbol(60) + symbol(63) + ">")) == "60 61 62 63"
    packed = get_task("counting", {"context": 32}).sample_base(random.Random(1), 2, 3).prompt
    assert "EoS" in counting.to_text(packed) and all(w.isdigit() or w in (">", "EoS") for w in counting.to_text(packed).split())
    maze = get_task("maze")
    assert maze.to_text(symbol(62) + ">" + symbol(9)) == "62>9"


def test_a_counting_stage_writes_text_and_reads_its_tokens_back(tmp_path):
    import pandas as pd

    from selfimprove.engine.data_stages import base_dataset, eval_prompts, held_out
    from selfimprove.workflow.job import Job

    job = Job("counting")
    eval_prompts(tmp_path / "eval.parquet", job, difficulties=[2, 4], per_difficulty=5, seed=0, max_share=0.5, trained=[1, 3])
    written = pd.read_parquet(tmp_path / "eval.parquet")
    assert written["prompt"].str.fullmatch(r"\d+ \d+ >").all() and written["target"].str.fullmatch(r"\d+( \d+)*").all()
    base_dataset(tmp_path / "eval.parquet", tmp_path / "base.parquet", job, difficulty=[1, 3], size=50, seed=0)
    counting = get_task("counting")
    train_prompts = {counting.from_text(p) for p in pd.read_parquet(tmp_path / "base.parquet")["prompt"]}
    held = held_out(counting, tmp_path / "eval.parquet")
    assert held and all(len(p) == 3 for p in held) and not held & train_prompts  # tokens again, and still held out
