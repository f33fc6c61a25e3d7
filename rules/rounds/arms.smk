# A self-improvement sweep (`family: rounds` with a `sweep`, selfimprove/rounds/arms.py): every arm is the
# whole self-improvement workflow (this Snakefile as a Snakemake module, with the arm's config), its files
# under results/<experiment>/<arm>/ and its rules named arm<i>_<rule>; then one table per summary with every
# arm, and the figures that compare them.

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


rule join_arm_summaries:
    input:
        lambda wc: [arm_file(arm, f"summary/{wc.summary}.parquet") for arm in ARM_NAMES],
    output:
        summary_file("arms_{summary}"),
    log:
        log_file("join_arms_{summary}"),
    wildcard_constraints:
        summary="|".join(ARM_SUMMARIES),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        axes=[arm["axes"] for arm in ARMS.values()],
    script:
        "../../workflow_scripts/rounds/join_arms.py"


rule plot_arms:
    input:
        accuracy=summary_file("arms_accuracy"),
        selflabels=summary_file("arms_selflabels"),
    output:
        report(plot_file("arms"), caption="../../report/arms.rst", category="Arms"),
    log:
        log_file("plot_arms"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        title=f"{EXP}: {', '.join(config['sweep'])} compared",
    script:
        "../../workflow_scripts/rounds/plot_arms.py"
