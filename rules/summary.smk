# Summary tables and the figures of the report.


rule summarize:
    input:
        evals=expand(f"{RESULTS}/round{{round}}/seed{{seed}}/eval.parquet", round=ROUNDS, seed=SEEDS),
    output:
        f"{RESULTS}/summary/accuracy.parquet",
    log:
        f"{RESULTS}/logs/summarize.log",
    params:
        experiment=EXP,
        task=config["task"],
        frontier={r: frontier(r) for r in ROUNDS},
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/summarize.py"


rule summarize_selflabels:
    input:
        accepted=expand(f"{RESULTS}/round{{round}}/seed{{seed}}/accepted.parquet", round=ROUNDS[:-1], seed=SEEDS),
    output:
        f"{RESULTS}/summary/selflabels.parquet",
    log:
        f"{RESULTS}/logs/summarize_selflabels.log",
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
        xlabel=f"difficulty ({TASK.difficulty_unit})",
        title=f"{EXP}: {config['task']}",
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
        xlabel=f"difficulty ({TASK.difficulty_unit})",
        title=f"{EXP}: accuracy (%) by round and difficulty",
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
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/plot.py"
