# selfimprove: easy-to-hard self-improvement of small transformers, one round at a time.
#
#   snakemake --cores all                        the quickstart (config/config.yaml)
#   snakemake --cores all --configfile FILE      another experiment
#   snakemake --report report.html               every figure, browsable
#
# A config is one of three families of experiment, each in its own rules/<family>/:
#   rounds         self-improvement: train -> generate -> filter_labels -> build_dataset -> train (next round), per seed
#   sweep          length and task generalization (counting, sparse parity): train once per variant and seed, evaluate
#   introspection  RISE: iterations of collect -> convert -> finetune -> evaluate on multi-turn episodes
# Each family's plan.smk runs its checks (selfimprove/<family>/checks.py), paths.smk names its files.

from snakemake.utils import min_version

from selfimprove.workflow.rerun import add_script_digests

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/provenance.smk"


if FAMILY == "rounds":

    include: "rules/rounds/plan.smk"
    include: "rules/rounds/paths.smk"
    include: "rules/rounds/data.smk"
    include: "rules/rounds/rounds.smk"
    include: "rules/rounds/probe.smk"
    include: "rules/rounds/summary.smk"
    include: "rules/rounds/noise.smk"

    CLAIM_TABLES = [*rules.summarize.output, *rules.summarize_selflabels.output, *(rules.summarize_noise.output if NOISE else [])]
    TARGETS = [
        rules.plot_accuracy.output,
        rules.plot_heatmap.output,
        rules.plot_selflabels.output,
        rules.plot_noise.output if NOISE else [],
        lambda wc: kept_optimizer_states(),  # keep_files: lean keeps these (targets are never removed)
    ]

elif FAMILY == "sweep":

    include: "rules/sweep/plan.smk"
    include: "rules/sweep/paths.smk"
    include: "rules/sweep/sweep.smk"

    CLAIM_TABLES = list(rules.summarize_sweep.output)
    TARGETS = [plot_file(name) for name in FIGURES]

elif FAMILY == "arms":

    include: "rules/rounds/arms_plan.smk"
    include: "rules/rounds/arms.smk"

    CLAIM_TABLES = [summary_file(f"arms_{name}") for name in ARM_SUMMARIES]
    TARGETS = [rules.plot_arms.output, *(getattr(rules, f"{arm_module(i)}_all").input for i in range(len(ARMS)))]

else:

    include: "rules/introspection/plan.smk"
    include: "rules/introspection/paths.smk"
    include: "rules/introspection/introspection.smk"

    CLAIM_TABLES = list(rules.rise_summarize.output)
    TARGETS = [plot_file(name) for name in FIGURES]


include: "rules/claims.smk"


rule all:
    default_target: True
    input:
        CLAIM_TABLES,
        TARGETS,
        rules.provenance.output,
        rules.check_claim.output if config.get("claim") else [],


# A changed script re-runs the rules that run it, a fresh checkout re-runs nothing (selfimprove/workflow/rerun.py).
add_script_digests(workflow.rules)
