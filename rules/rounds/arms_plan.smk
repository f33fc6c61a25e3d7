# A self-improvement sweep (`family: rounds` with a `sweep`, selfimprove/rounds/arms.py), its arms: each is the
# whole self-improvement workflow (this Snakefile as a Snakemake module, with the arm's config), its files
# under results/<experiment>/<arm>/ and its rules named arm<i>_<rule>; then one table per summary with every
# arm (rules/rounds/arms.smk).

from selfimprove.rounds.arms import check_arms

ARMS = check_arms(config, SCHEMA).arms
ARM_NAMES = list(ARMS)
ARM_SUMMARIES = ("accuracy", "selflabels")  # each arm's summary tables that are joined


def arm_module(i):
    return f"arm{i}"


for i, arm in enumerate(ARMS.values()):
    workflow.module(arm_module(i), snakefile=workflow.main_snakefile, config=arm["config"])
    workflow.userule(rules=["*"], from_module=arm_module(i), name_modifier=f"{arm_module(i)}_*")(None)


def arm_file(arm, path):
    """`path` (relative to an experiment's results) of one arm."""
    return f"{RESULTS}/{arm}/{path}"
