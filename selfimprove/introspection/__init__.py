"""Recursive introspection (RISE, Qu et al. 2024) on verifiable tasks: multi-turn trajectories in
which the model, told only that its previous attempt was wrong, tries again.

    trajectory.py   the text a turn is generated from, and the context window
    rewards.py      1 correct / 0 wrong / -1 malformed, from the task's own verifier
    convert.py      trajectories -> weighted training examples (criteria all, better, best, success)
"""
