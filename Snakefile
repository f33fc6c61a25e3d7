# selfimprove: easy-to-hard self-improvement of small transformers, one round at a time.
#
#   snakemake --cores all                        the quickstart (config/config.yaml)
#   snakemake --cores all --configfile FILE      another experiment
#   snakemake --report report.html               every figure, browsable
#
# Each round is  train -> generate -> filter_labels -> build_dataset -> train (next round),
# for every seed, plus evaluate after every train. See README.md.
#
# A config with a `sweep` (length and task generalization: counting, sparse parity) trains
# once per variant and seed and evaluates instead: rules/sweep.smk.
#
# A config with `introspection` (RISE) runs iterations of collect -> convert -> finetune -> evaluate
# on multi-turn episodes instead: rules/introspection.smk.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/provenance.smk"


if INTROSPECTION:

    include: "rules/introspection.smk"

    rule all:
        input:
            rules.rise_summarize.output,
            [f"{RESULTS}/plots/{name}.png" for name in INTROSPECTION_FIGURES],
            rules.provenance.output,
        default_target: True

elif SWEEP:

    include: "rules/sweep.smk"

    rule all:
        input:
            rules.summarize_sweep.output,
            [f"{RESULTS}/plots/{name}.png" for name in config.get("figures", {})],
            rules.provenance.output,
        default_target: True

else:

    include: "rules/data.smk"
    include: "rules/selfimprove.smk"
    include: "rules/evaluate.smk"
    include: "rules/probe.smk"
    include: "rules/summary.smk"
    include: "rules/noise.smk"

    rule all:
        input:
            rules.summarize.output,
            rules.plot_accuracy.output,
            rules.plot_heatmap.output,
            rules.plot_selflabels.output,
            rules.plot_noise.output if NOISE else [],
            rules.provenance.output,
        default_target: True
