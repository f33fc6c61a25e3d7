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

    rule all:
        default_target: True
        input:
            rules.summarize.output,
            rules.plot_accuracy.output,
            rules.plot_heatmap.output,
            rules.plot_selflabels.output,
            rules.plot_noise.output if NOISE else [],
            rules.provenance.output,
            lambda wc: kept_optimizer_states(),  # keep_files: lean keeps these (targets are never removed)

elif FAMILY == "sweep":

    include: "rules/sweep/plan.smk"
    include: "rules/sweep/paths.smk"
    include: "rules/sweep/sweep.smk"

    rule all:
        default_target: True
        input:
            rules.summarize_sweep.output,
            [plot_file(name) for name in FIGURES],
            rules.provenance.output,

else:

    include: "rules/introspection/plan.smk"
    include: "rules/introspection/paths.smk"
    include: "rules/introspection/introspection.smk"

    rule all:
        default_target: True
        input:
            rules.rise_summarize.output,
            [plot_file(name) for name in FIGURES],
            rules.provenance.output,


# A changed script re-runs the rules that run it, a fresh checkout re-runs nothing (selfimprove/workflow/rerun.py).
add_script_digests(workflow.rules)
