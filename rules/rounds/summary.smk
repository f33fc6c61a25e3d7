# Summary tables and the figures of the report.


rule summarize:
    input:
        evals=lambda wc: every_round("eval.parquet"),
        datasets=lambda wc: every_round("dataset.parquet"),
    output:
        summary_file("accuracy"),
    log:
        log_file("summarize"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        experiment=EXP,
        task=config["task"],
        training_sets=lambda wc: every_training_set(),  # the parts each evaluated model trained on
    script:
        "../../workflow_scripts/rounds/summarize.py"


rule summarize_selflabels:
    input:
        accepted=lambda wc: every_round("accepted.parquet", rounds_to_run()[:-1]),
    output:
        summary_file("selflabels"),
    log:
        log_file("summarize_selflabels"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    script:
        "../../workflow_scripts/rounds/summarize_selflabels.py"


rule plot_accuracy:
    input:
        rules.summarize.output[0],
    output:
        report(plot_file("accuracy_by_round"), caption="../../report/accuracy_by_round.rst", category="Accuracy"),
    log:
        log_file("plot_accuracy"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        figure="accuracy",
        axes=AXIS_LABELS,
        title=f"{EXP}: {config['task']}",
    script:
        "../../workflow_scripts/rounds/plot.py"


rule plot_heatmap:
    input:
        rules.summarize.output[0],
    output:
        report(plot_file("accuracy_heatmap"), caption="../../report/accuracy_heatmap.rst", category="Accuracy"),
    log:
        log_file("plot_heatmap"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        figure="heatmap",
        axes=AXIS_LABELS,
        title=f"{EXP}: accuracy (%) by round and difficulty",
    script:
        "../../workflow_scripts/rounds/plot.py"


rule plot_selflabels:
    input:
        rules.summarize_selflabels.output[0],
    output:
        report(plot_file("selflabels"), caption="../../report/selflabels.rst", category="Self-labels"),
    log:
        log_file("plot_selflabels"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        figure="selflabels",
        title=f"{EXP}: quality of self-generated labels",
    script:
        "../../workflow_scripts/rounds/plot.py"
