"""Recursive introspection (RISE, Qu et al. 2024) on verifiable tasks: multi-turn trajectories in
which the model, told only that its previous attempt was wrong, tries again.

    trajectory.py     the text a turn is generated from, and the context window
    rewards.py        1 correct / 0 wrong / -1 malformed, from the task's own verifier
    environments.py   where problems, answers and rewards come from: registry tasks, GSM8K-style JSONL
    rollout.py        collection (self / teacher / oracle) and the sequential and parallel evaluations
    convert.py        trajectories -> weighted training examples (criteria all, better, best, success)
    metrics.py        acc@t, majorities, oracle figures, transitions
    stages.py         one function per rule of rules/introspection/ (paths in, files out); summary.py the summary
    plots.py          accuracy against turn, transitions
"""
