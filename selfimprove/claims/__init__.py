"""The papers' claims, checked by a program from a finished experiment's summary tables.

    python -m selfimprove.claims results/<experiment> [...]

reads the claim a run was made to test (the config's `claim:`, from its provenance.yaml), prints the
measured figures, the criterion and PASS or FAIL, and exits non-zero when any claim fails. The criteria are
fixed here, one function each, before any replication runs; a claim the results cannot decide (a table or an
arm missing) is a FAIL that says why.
"""

from selfimprove.claims.generalization import counting_length, introspection_turns, parity_cot
from selfimprove.claims.self_improvement import (
    accelerated_fewer_rounds,
    addition_without_filter,
    collapse_without_filter,
    copy_length,
    filter_needed,
    structured_noise,
    vote_cleans_labels,
)

CLAIMS = {
    "copy_length": copy_length,
    "addition_without_filter": addition_without_filter,
    "filter_needed": filter_needed,
    "vote_cleans_labels": vote_cleans_labels,
    "collapse_without_filter": collapse_without_filter,
    "structured_noise": structured_noise,
    "accelerated_fewer_rounds": accelerated_fewer_rounds,
    "counting_length": counting_length,
    "parity_cot": parity_cot,
    "introspection_turns": introspection_turns,
}
