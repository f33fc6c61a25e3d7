"""The claim checker (selfimprove/claims/) on hand-made summary tables: each claim passes on tables that
show the paper's effect and fails when any one part of its criterion is not met, so no check passes vacuously."""

import json

import pandas as pd
import pytest
import yaml

from selfimprove.claims import CLAIMS
from selfimprove.claims.__main__ import main
from selfimprove.claims.base import ClaimError, proportion, solved_length
from selfimprove.claims.check import check
from selfimprove.engine.data import write_table

SEEDS = (0, 1, 2)


class Tables(dict):
    def read(self, name):
        if name not in self:
            raise ClaimError(f"no table {name}")
        return self[name]


def curve(rounds: dict, *, arm=None, seeds=SEEDS, two_axes=False) -> pd.DataFrame:
    """rounds: {round: (trained_up_to, {difficulty: accuracy})} -> an accuracy summary table."""
    rows = []
    for r, (trained, points) in rounds.items():
        for seed in seeds:
            for d, a in points.items():
                d1, d2 = d if two_axes else (d, 0)
                rows.append(
                    {"round": r, "seed": seed, "difficulty": d1, "difficulty2": d2, "n": 100, "accuracy": a, "trained_up_to": trained}
                )
    df = pd.DataFrame(rows)
    return df.assign(arm=arm) if arm else df


def labels(per_round: dict, *, arm=None) -> pd.DataFrame:
    """per_round: {round: (raw accuracy, kept accuracy)} -> a selflabels summary table."""
    rows = [
        {"round": r, "seed": s, "labelled": 100, "kept": 80, "label_accuracy_before": raw, "label_accuracy_after": kept}
        for r, (raw, kept) in per_round.items()
        for s in SEEDS
    ]
    df = pd.DataFrame(rows)
    return df.assign(arm=arm) if arm else df


def rounds_config(base_max=5, filters=(), **self_improve):
    return {"data": {"base_difficulty": [1, base_max]}, "filters": list(filters), "self_improve": {"difficulty_step": 1, **self_improve}}


def solved_to(n, top=12):
    return {d: 1.0 if d <= n else 0.3 for d in range(1, top + 1)}


# ---------------------------------------------------------------------------------------------------- copy_length
def copy_tables(solved0=6, solved_last=12, trained_last=8):
    return Tables(accuracy=curve({0: (5, solved_to(solved0, 14)), 3: (trained_last, solved_to(solved_last, 14))}))


def test_copy_length_passes_when_the_solved_length_and_its_margin_grow():
    verdict = CLAIMS["copy_length"](copy_tables(), rounds_config(), {})
    assert verdict.passed, verdict.lines()


@pytest.mark.parametrize(
    "tables",
    [copy_tables(solved_last=7), copy_tables(solved0=7, solved_last=10, trained_last=8)],
    ids=["solved length short of base max + R", "margin not larger than round 0's"],
)
def test_copy_length_fails(tables):
    assert not CLAIMS["copy_length"](tables, rounds_config(), {}).passed


def test_solved_length_is_the_longest_prefix_at_99_percent():
    acc = curve({0: (5, {1: 1.0, 2: 0.995, 3: 0.98, 4: 1.0})})
    assert solved_length(acc) == 2
    assert solved_length(curve({0: (5, {1: 0.5, 2: 1.0})})) is None


# ---------------------------------------------------------------------------------------- addition_without_filter
def addition(before=0.1, after=0.95):
    return Tables(accuracy=curve({0: (5, {8: before, 9: 0.0}), 4: (9, {8: after, 9: 0.9})}))


def test_addition_without_filter_passes():
    assert CLAIMS["addition_without_filter"](addition(), rounds_config(), {}).passed


@pytest.mark.parametrize("before, after", [(0.3, 0.95), (0.1, 0.85)], ids=["round 0 already above 20 %", "last round below 90 %"])
def test_addition_without_filter_fails(before, after):
    assert not CLAIMS["addition_without_filter"](addition(before, after), rounds_config(), {}).passed


def test_addition_without_filter_refuses_a_filtered_run():
    with pytest.raises(ClaimError, match="without filters"):
        CLAIMS["addition_without_filter"](addition(), rounds_config(filters=["length"]), {})


# -------------------------------------------------------------------------------------------------- filter_needed
def filter_tables(on=0.9, off=0.5, off_labels=((0.9, 0.9), (0.6, 0.6))):
    acc = pd.concat(
        [curve({0: (5, {5: 1.0}), 3: (8, {8: on})}, arm="filters=length"), curve({0: (5, {5: 1.0}), 3: (8, {8: off})}, arm="filters=none")]
    )
    lab = pd.concat(
        [labels({0: (0.9, 0.99), 2: (0.8, 0.99)}, arm="filters=length"), labels(dict(zip((0, 2), off_labels)), arm="filters=none")]
    )
    return Tables(arms_accuracy=acc, arms_selflabels=lab)


FILTER = {"with": "filters=length", "without": "filters=none"}


def test_filter_needed_passes():
    assert CLAIMS["filter_needed"](filter_tables(), {}, FILTER).passed


@pytest.mark.parametrize(
    "tables",
    [filter_tables(on=0.8, off=0.65), filter_tables(off_labels=((0.6, 0.6), (0.7, 0.7)))],
    ids=["gap under 20 points", "unfiltered label accuracy does not fall"],
)
def test_filter_needed_fails(tables):
    assert not CLAIMS["filter_needed"](tables, {}, FILTER).passed


def test_a_missing_arm_cannot_pass():
    verdict = check("unused", {"name": "filter_needed", "with": "filters=lenght", "without": "filters=none"}, {})
    assert not verdict.passed and "cannot be decided" in verdict.criterion


# --------------------------------------------------------------------------------------------- vote_cleans_labels
def vote_tables(raw=0.3, kept=0.93, before=0.3, after=0.8):
    cells = {(1, 1): 1.0, (1, 4): before, (4, 1): before}
    later = {(1, 1): 1.0, (1, 4): after, (4, 1): after}
    return Tables(accuracy=curve({0: (3, cells), 1: (4, later)}, two_axes=True), selflabels=labels({0: (raw, kept)}))


VOTE_CONFIG = {**rounds_config(3, ["majority_vote", "length"], schedule=[[[1, 4], [4, 1]]])}


def test_vote_cleans_labels_passes_at_the_scheduled_first_cell():
    verdict = CLAIMS["vote_cleans_labels"](vote_tables(), VOTE_CONFIG, {})
    assert verdict.passed, verdict.lines()
    assert "[(1, 4), (4, 1)]" in verdict.criterion


@pytest.mark.parametrize(
    "tables", [vote_tables(kept=0.55), vote_tables(after=0.3)], ids=["vote gains under 30 points", "accuracy does not rise after training"]
)
def test_vote_cleans_labels_fails(tables):
    assert not CLAIMS["vote_cleans_labels"](tables, VOTE_CONFIG, {}).passed


# ---------------------------------------------------------------------------------------- collapse_without_filter
def maze_tables(off=(0.7, 0.4), on=(0.95, 0.9, 0.85)):
    unfiltered = curve({0: (9, {9: 1.0}), 1: (10, {10: off[0]}), 2: (11, {11: off[1]})}, arm="filters=none")
    voted = curve({r: (9 + r, {9 + r: a}) for r, a in enumerate(on)}, arm="filters=vote")
    return Tables(arms_accuracy=pd.concat([unfiltered, voted]))


MAZE = {"with": "filters=vote", "without": "filters=none"}


def test_collapse_without_filter_passes():
    assert CLAIMS["collapse_without_filter"](maze_tables(), {}, MAZE).passed


@pytest.mark.parametrize(
    "tables", [maze_tables(off=(0.5, 0.6)), maze_tables(on=(0.95, 0.75, 0.9))], ids=["no collapse", "voted arm dips under 80 %"]
)
def test_collapse_without_filter_fails(tables):
    assert not CLAIMS["collapse_without_filter"](tables, {}, MAZE).passed


# ------------------------------------------------------------------------------------------------ structured_noise
def noise_tables(random=0.8, drop=0.5, perturb=0.6, trials=3):
    rows = []
    for kind, a in {"random": random, "drop": drop, "perturb": perturb}.items():
        for trial in range(trials):
            for seed in SEEDS:
                for r in (6, 7):
                    rows.append({"kind": kind, "fraction": 0.3, "start": 5, "trial": trial, "round": r, "seed": seed, "difficulty": r + 5,
                                 "difficulty2": 0, "accuracy": a, "trained_up_to": r + 5})  # fmt: skip
    return Tables(noise=pd.DataFrame(rows))


def test_structured_noise_passes():
    assert CLAIMS["structured_noise"](noise_tables(), {}, {}).passed


@pytest.mark.parametrize(
    "tables", [noise_tables(perturb=0.85), noise_tables(trials=2)], ids=["perturb no worse than random", "fewer than 3 trials"]
)
def test_structured_noise_fails(tables):
    assert not CLAIMS["structured_noise"](tables, {}, {}).passed


# ---------------------------------------------------------------------------------------- accelerated_fewer_rounds
def schedule_tables(first_round=2):
    standard = curve({r: (5 + r, solved_to(5 + r)) for r in range(7)}, arm="standard")  # solves 11 after 6 rounds
    accelerated = curve({r: (5 + r, solved_to(11 if r >= first_round else 5 + r)) for r in range(5)}, arm="accelerated")
    return Tables(arms_accuracy=pd.concat([standard, accelerated]))


ACCEL = {"standard": "standard", "accelerated": "accelerated"}


def test_accelerated_fewer_rounds_passes_at_half_the_rounds():
    assert CLAIMS["accelerated_fewer_rounds"](schedule_tables(3), {}, ACCEL).passed


def test_accelerated_fewer_rounds_fails_past_half_the_rounds():
    assert not CLAIMS["accelerated_fewer_rounds"](schedule_tables(4), {}, ACCEL).passed


# ------------------------------------------------------------------------------------------------- counting_length
def counting_tables(at_24=0.95):
    acc = curve({0: (16, {16: 1.0, 24: at_24, 32: 0.2})}).assign(variant="pos_encoding=none")
    return Tables(accuracy=acc)


def test_counting_length_reads_1_5_times_the_longest_trained_count():
    verdict = CLAIMS["counting_length"](counting_tables(), {"data": {"base_difficulty": [1, 16]}}, {})
    assert verdict.passed and "count 24" in str(verdict.measures[0])
    assert not CLAIMS["counting_length"](counting_tables(0.85), {"data": {"base_difficulty": [1, 16]}}, {}).passed


# ------------------------------------------------------------------------------------------------------ parity_cot
def parity_tables(cot=0.9, plain=0.52, n=1000):
    rows = [
        {"variant": v, "seed": s, "round": 0, "difficulty": 16, "difficulty2": 0, "group": g, "n": n, "accuracy": 0.0, "final_accuracy": a}
        for v, unseen in (("cot=on", cot), ("cot=off", plain))
        for s in SEEDS
        for g, a in (("unseen", unseen), ("seen", 1.0))
    ]
    return Tables(accuracy=pd.DataFrame(rows))


PARITY = {"with": "cot=on", "without": "cot=off"}


def test_parity_cot_passes_on_unseen_tasks():
    assert CLAIMS["parity_cot"](parity_tables(), {}, PARITY).passed


@pytest.mark.parametrize(
    "tables",
    [parity_tables(cot=0.7), parity_tables(plain=0.65), parity_tables(cot=0.76, plain=0.6, n=10)],
    ids=["CoT under 75 %", "no CoT far from chance", "intervals overlap"],
)
def test_parity_cot_fails(tables):
    assert not CLAIMS["parity_cot"](tables, {}, PARITY).passed


def test_a_proportion_carries_its_wilson_interval():
    m = proportion("p", 50, 100)
    assert m.mean == 0.5 and 0.09 < m.half_width < 0.1


# --------------------------------------------------------------------------------------------- introspection_turns
def rise_tables(t1=0.5, t5=0.6, m5=0.55):
    rows = [
        {"seed": s, "arm": "rise", "iteration": 2, "protocol": "sequential", "metric": m, "value": v}
        for s in SEEDS
        for m, v in (("acc@t1", t1), ("acc@t5", t5), ("m5@t1", m5))
    ]
    rows += [{**r, "iteration": 1, "value": 0.0} for r in rows]  # an earlier iteration is not the one judged
    return Tables(metrics=pd.DataFrame(rows))


RISE_CONFIG = {"introspection": {"evaluate": {"turns": 5, "samples": 5}}}


def test_introspection_turns_passes():
    assert CLAIMS["introspection_turns"](rise_tables(), RISE_CONFIG, {}).passed


@pytest.mark.parametrize(
    "tables", [rise_tables(t5=0.54), rise_tables(m5=0.62)], ids=["under 5 points over turn 1", "not above parallel majority"]
)
def test_introspection_turns_fails(tables):
    assert not CLAIMS["introspection_turns"](tables, RISE_CONFIG, {}).passed


# ----------------------------------------------------------------------------------------------------- the command
def results_folder(tmp_path, tables: Tables, config: dict):
    res = tmp_path / "results" / "x"
    (res / "summary").mkdir(parents=True)
    for name, table in tables.items():
        write_table(table, res / "summary" / f"{name}.parquet")
    (res / "provenance.yaml").write_text(yaml.safe_dump({"config": config}))
    return res


def test_the_command_exits_0_on_pass_and_1_on_fail(tmp_path, capsys):
    config = {**rounds_config(), "claim": {"name": "addition_without_filter"}}
    good = results_folder(tmp_path / "good", addition(), config)
    bad = results_folder(tmp_path / "bad", addition(after=0.5), config)
    assert main([str(good)]) == 0
    assert main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "PASS  reverse addition" in out and "FAIL  reverse addition" in out and "measured:" in out


def test_the_command_fails_a_run_without_a_claim_or_its_tables(tmp_path, capsys):
    unfinished = results_folder(tmp_path, Tables(), {**rounds_config(), "claim": {"name": "copy_length"}})
    assert main([str(unfinished)]) == 1
    assert "cannot be decided" in capsys.readouterr().out
    assert main([str(tmp_path / "nowhere")]) == 1


def test_every_claim_in_the_schema_has_a_check():
    schema = yaml.safe_load(open("config/schema.yaml"))
    assert schema["properties"]["claim"]["properties"]["name"]["enum"] == list(CLAIMS)


def test_a_verdict_is_written_as_json(tmp_path):
    from selfimprove.claims.check import write_verdict

    verdict = CLAIMS["addition_without_filter"](addition(), rounds_config(), {})
    write_verdict(verdict, "results/x", tmp_path / "claim.json")
    record = json.loads((tmp_path / "claim.json").read_text())
    assert record["passed"] is True and record["measures"][1]["mean"] == pytest.approx(0.95)


def test_a_verdict_of_numpy_figures_is_written_as_json(tmp_path):
    from selfimprove.claims.check import write_verdict

    verdict = CLAIMS["parity_cot"](parity_tables(), {}, PARITY)  # its interval test yields a numpy boolean
    write_verdict(verdict, "results/x", tmp_path / "claim.json")
    assert json.loads((tmp_path / "claim.json").read_text())["passed"] is True
