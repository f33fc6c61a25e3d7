# Summary tables and the figures of the report.


rule summarize:
    input:
        evals=lambda wc: [f"{RESULTS}/round{r}/seed{s}/eval.parquet" for r in rounds_to_run() for s in SEEDS],
        datasets=lambda wc: [dataset_path(r, s) for r in rounds_to_run() for s in SEEDS],
    output:
        f"{RESULTS}/summary/accuracy.parquet",
    log:
        f"{RESULTS}/logs/summarize.log",
    params:
        experiment=EXP,
        task=config["task"],
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/summarize.py"


rule summarize_selflabels:
    input:
        accepted=lambda wc: [f"{RESULTS}/round{r}/seed{s}/accepted.parquet" for r in rounds_to_run()[:-1] for s in SEEDS],
    output:
        f"{RESULTS}/summary/selflabels.parquet",
    log:
        f"{RESULTS}/logs/summarize_selflabels.log",
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/summarize_selflabels.py"


rule plot_accuracy:
    input:
        rules.summarize.output[0],
    output:
        report(
            f"{RESULTS}/plots/accuracy_by_round.png",
            caption="../report/accuracy_by_round.rst",
            category="Accuracy",
        ),
    log:
        f"{RESULTS}/logs/plot_accuracy.log",
    params:
        figure="accuracy",
        axes=AXIS_LABELS,
        title=f"{EXP}: {config['task']}",
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/plot.py"


rule plot_heatmap:
    input:
        rules.summarize.output[0],
    output:
        report(
            f"{RESULTS}/plots/accuracy_heatmap.png",
            caption="../report/accuracy_heatmap.rst",
            category="Accuracy",
        ),
    log:
        f"{RESULTS}/logs/plot_heatmap.log",
    params:
        figure="heatmap",
        axes=AXIS_LABELS,
        title=f"{EXP}: accuracy (%) by round and difficulty",
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/plot.py"


rule plot_selflabels:
    input:
        rules.summarize_selflabels.output[0],
    output:
        report(
            f"{RESULTS}/plots/selflabels.png",
            caption="../report/selflabels.rst",
            category="Self-labels",
        ),
    log:
        f"{RESULTS}/logs/plot_selflabels.log",
    params:
        figure="selflabels",
        title=f"{EXP}: quality of self-generated labels",
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/plot.py"
