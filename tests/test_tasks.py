import random

import pytest

from selfimprove.tasks import TASKS, get_task


def test_reverse_addition_paper_examples():
    task = get_task("reverse_addition")
    assert task.answer("54321+876=") == "320310"  # 12345 + 678 = 13023
    assert task.answer("999+1=") == "0001"  # 999 + 1 = 1000
    assert task.target_length("54321+876=") == 6


def test_copy_format():
    task = get_task("copy")
    assert task.answer("5028=") == "5028"
    assert task.target_length("5028=") == 4


@pytest.mark.parametrize("name", sorted(TASKS))
@pytest.mark.parametrize("difficulty", [1, 2, 7, 25])
def test_samples_are_consistent(name, difficulty):
    task = get_task(name)
    rng = random.Random(0)
    for _ in range(200):
        ex = task.sample(rng, difficulty)
        assert ex.difficulty == difficulty
        assert ex.target == task.answer(ex.prompt)
        assert len(ex.target) == task.target_length(ex.prompt)
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
    draw = lambda seed: [task.sample(random.Random(seed), 5) for _ in range(3)]  # noqa: E731
    assert draw(3) == draw(3)
    assert draw(3) != draw(4)


def test_unknown_task_lists_the_available_ones():
    with pytest.raises(ValueError, match="available: copy, reverse_addition"):
        get_task("multiplication_typo")
