# selfimprove: easy-to-hard self-improvement of small transformers, one round at a time.
#
#   snakemake --cores all                        the quickstart (config/config.yaml)
#   snakemake --cores all --configfile FILE      another experiment
#   snakemake --report report.html               every figure, browsable
#
# Each round is  train -> generate -> filter_labels -> build_dataset -> train (next round),
# for every seed, plus evaluate after every train. See README.md.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
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
