# The rules of a self-improvement sweep beyond its arms' own (rules/rounds/arms_plan.smk): one table per summary
# with every arm, the figure that compares them.


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
