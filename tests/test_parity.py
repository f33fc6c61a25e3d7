import itertools
import random
import time

import pytest

from selfimprove.tasks import get_task
from selfimprove.tasks.parity import SparseParity

OPTION_SETS = [
    {},
    {"cot": False},
    {"sorted_tuples": False, "d": 6, "k": 3},
    {"separator": "|"},
    {"separator": "|", "cot": False, "sorted_tuples": False},
    {"d": 8, "k": 3, "exclude": {"missing_pair": [0, 1]}, "n_train_tasks": 20, "n_test_tasks": 20},
]


def running_parity(x: str, task) -> list[int]:
    """Independent of the module: c_j = parity of x at the tuple's first j coordinates."""
    return [sum(int(x[s]) for s in task[: j + 1]) % 2 for j in range(len(task))]


def split_segments(task: SparseParity, prompt: str):
    """(x, separator, answer bits) of every in-context segment, and the query's x, by offsets."""
    L, d = task.segment_length, task.d
    n = (len(prompt) - d - 1) // L
    segments = [(prompt[i * L : i * L + d], prompt[i * L + d], prompt[i * L + d + 1 : (i + 1) * L]) for i in range(n)]
    return segments, prompt[n * L : n * L + d]


@pytest.mark.parametrize("options", OPTION_SETS)
def test_format(options):
    task = get_task("sparse_parity", options)
    d, k = task.d, task.k
    m = k if task.cot else 1
    assert task.answer_lengths("") == (m, m) and task.segment_length == d + 1 + m
    assert set(task.alphabet) == {"0", "1", task.separator}
    rng = random.Random(0)
    for n in [1, 2, 5, 17]:
        for _ in range(20):
            ex = task.sample(rng, n)
            assert ex.difficulty == n
            assert len(ex.prompt) == (n - 1) * (d + 1 + m) + d + 1 and len(ex.target) == m
            assert set(ex.prompt + ex.target) <= set(task.alphabet)
            assert all(ex.prompt[i * (d + 1 + m) + d] == task.separator for i in range(n))
            if task.separator not in "01":
                assert ex.prompt.count(task.separator) == n and task.separator not in ex.target
        ex = task.sample_base(rng, 3, 6)
        assert 3 <= ex.difficulty <= 6 and ex.group == ""


@pytest.mark.parametrize("options", OPTION_SETS)
def test_ground_truth_against_an_independent_parity(options):
    task = get_task("sparse_parity", options)
    rng = random.Random(1)
    for tup in task.train_tasks[:3] + task.test_tasks[:3]:
        for _ in range(10):
            ex = task.sample_for(rng, tup, rng.randint(1, 12))
            segments, query = split_segments(task, ex.prompt)
            assert len(segments) == ex.difficulty - 1
            for x, sep, bits in segments:
                expected = running_parity(x, tup) if task.cot else running_parity(x, tup)[-1:]
                assert sep == task.separator and [int(b) for b in bits] == expected
            expected = running_parity(query, tup) if task.cot else running_parity(query, tup)[-1:]
            assert [int(b) for b in ex.target] == expected


def test_paper_sized_segment_example():
    task = SparseParity(d=5, k=2, n_train_tasks=2)
    assert task.segment("10110", (1, 3)) == "10110001"  # x, separator 0, c1 = 0, c2 = 0 xor 1
    assert SparseParity(d=5, k=2, n_train_tasks=2, cot=False).segment("10110", (1, 3)) == "101100" + "1"
    assert SparseParity(d=5, k=2, n_train_tasks=2, separator="|").segment("10110", (1, 3)) == "10110|01"


@pytest.mark.parametrize("options", OPTION_SETS)
def test_answer_recovers_the_hidden_tuple_from_the_prompt(options):
    task = get_task("sparse_parity", options)
    rng = random.Random(2)
    for _ in range(30):
        ex = task.sample(rng, 30)  # enough segments to pin down the answer
        assert task.answer(ex.prompt) == ex.target
        ex = task.sample_base(rng, 30, 40)
        assert task.answer(ex.prompt) == ex.target


def test_answer_is_fast_enough_for_the_paper_size():
    task = SparseParity(d=15, k=3, n_train_tasks=121)
    rng = random.Random(3)
    examples = [task.sample(rng, 40) for _ in range(20)]
    start = time.perf_counter()
    assert all(task.answer(ex.prompt) == ex.target for ex in examples)
    assert (time.perf_counter() - start) / len(examples) < 0.05
    assert len(examples[0].prompt) + len(examples[0].target) == 760  # the reference's sequence length


def test_ambiguous_and_malformed_prompts_raise():
    task = get_task("sparse_parity")
    with pytest.raises(ValueError, match="ambiguous"):
        task.answer("1010101010" + "0")  # a query without context: every tuple fits
    assert task.answer("0000000000" + "0") == "00"  # ... yet all of them agree on x = 0
    with pytest.raises(ValueError, match="not a sparse parity prompt"):
        task.answer("1010101010")
    with pytest.raises(ValueError, match="not a sparse parity prompt"):
        get_task("sparse_parity", {"separator": "|"}).answer("1010101010" + "1")
    with pytest.raises(ValueError, match="inconsistent"):  # c1 = x[s1] = 1 needs a set bit
        task.answer("0000000000" + "0" + "11" + "1111111111" + "0")


def test_split_counts_and_disjointness():
    task = SparseParity(d=10, k=2, n_train_tasks=10, n_test_tasks=35)
    assert task.n_tasks == 45 and len(task.test_tasks) == 35 and len(task.train_tasks) == 10
    assert not set(task.train_tasks) & set(task.test_tasks)
    assert len(set(task.train_tasks)) == 10 and len(set(task.test_tasks)) == 35
    assert set(task.train_tasks) | set(task.test_tasks) == set(itertools.combinations(range(10), 2))
    big = SparseParity(d=15, k=3, n_train_tasks=121, n_test_tasks=200)
    assert len(big.test_tasks) == 200 and len(big.train_tasks) == 121 and not set(big.train_tasks) & set(big.test_tasks)


def test_every_training_task_count_is_scored_on_the_same_test_tasks():
    # parity_cot's sweep: 8..69 training tasks of d=10, k=5 (252 tuples), 183 test tasks for all of them
    splits = {n: SparseParity(d=10, k=5, n_train_tasks=n, n_test_tasks=183) for n in (8, 16, 32, 69)}
    assert len({tuple(t.test_tasks) for t in splits.values()}) == 1 and len(splits[8].test_tasks) == 183
    assert set(splits[8].train_tasks) <= set(splits[16].train_tasks) <= set(splits[32].train_tasks) <= set(splits[69].train_tasks)
    with pytest.raises(ValueError, match="lower n_test_tasks"):
        SparseParity(d=10, k=5, n_train_tasks=70, n_test_tasks=183)


@pytest.mark.parametrize(
    "options, option",
    [
        ({"d": 3, "k": 4}, "k"),
        ({"k": 0}, "k"),
        ({"n_train_tasks": 45}, "n_train_tasks"),
        ({"n_train_tasks": 0}, "n_train_tasks"),
        ({"n_test_tasks": 0}, "n_test_tasks"),
        ({"d": 10, "k": 3, "n_train_tasks": 100, "exclude": {"missing_coordinate": [1, 0]}}, "n_train_tasks"),
        ({"exclude": {"missing_coordinate": [3, 0]}}, "missing_coordinate"),
        ({"exclude": {"missing_coordinate": [1, 10]}}, "missing_coordinate"),
        ({"exclude": {"missing_pair": [2, 2]}}, "missing_pair"),
        ({"exclude": {"missing_pair": [1]}}, "missing_pair"),
        ({"exclude": {"missing_triple": [1, 2, 3]}}, "exclude"),
        ({"separator": "||"}, "separator"),
    ],
)
def test_bad_options_name_the_option(options, option):
    with pytest.raises(ValueError, match=option):
        get_task("sparse_parity", options)


def test_registered_with_options():
    task = get_task("sparse_parity", {"d": 6, "k": 2, "n_train_tasks": 5, "cot": False})
    assert isinstance(task, SparseParity) and task.name == "sparse_parity" and task.alphabet == "01"
    assert task.difficulty_unit == "segments in context" and task.num_distinct(5) == float("inf")
    with pytest.raises(ValueError, match="does not accept"):
        get_task("sparse_parity", {"width": 3})
