# A sweep: per variant (a combination of axis values, selfimprove/workflow/variants.py) and seed,
#   eval_prompts, dataset -> train (once) -> evaluate,
# (variants that differ only in model or training share one data set), then one summary table of
# every variant and one target per figure. The jobs run the same stages (workflow_scripts/common/)
# as a self-improvement round 0.


rule sweep_eval_prompts:
    output:
        f"{VARIANT}/eval_prompts.parquet",
    log:
        f"{VARIANT_LOG}/eval_prompts.log",
    group:
        cluster_group(DATA_GROUP)
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **variant_task_params(),
        difficulties=per_variant(lambda c: c["data"]["eval_difficulties"]),
        per_difficulty=per_variant(lambda c: c["data"]["eval_examples"]),
        seed=per_variant(lambda c: c["data"]["seed"]),
        max_share=per_variant(lambda c: eval_share_params(c)["max_share"]),
        trained=per_variant(lambda c: eval_share_params(c)["trained"]),
    script:
        "../../workflow_scripts/common/eval_prompts.py"


rule sweep_valid_prompts:
    input:
        eval_prompts=rules.sweep_eval_prompts.output[0],
    output:
        f"{VARIANT}/valid_prompts.parquet",
    log:
        f"{VARIANT_LOG}/valid_prompts.log",
    group:
        cluster_group(DATA_GROUP)
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **variant_task_params(),
        **{key: per_variant(lambda c, key=key: valid_params(c)[key]) for key in ("difficulty", "size", "seed", "max_share")},
    script:
        "../../workflow_scripts/common/valid_prompts.py"


rule sweep_dataset:
    input:
        eval_prompts=rules.sweep_eval_prompts.output[0],
        valid_prompts=variant_validation,
    output:
        f"{VARIANT}/dataset.parquet",
    log:
        f"{VARIANT_LOG}/dataset.log",
    group:
        cluster_group(DATA_GROUP)
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **variant_task_params(),
        difficulty=per_variant(lambda c: c["data"]["base_difficulty"]),
        size=per_variant(lambda c: c["data"]["base_size"]),
        seed=per_variant(lambda c: c["data"]["seed"]),
    script:
        "../../workflow_scripts/common/base_dataset.py"


rule sweep_train:
    input:
        dataset=variant_data("dataset.parquet"),
        valid=variant_validation,
    output:
        model=f"{VARIANT}/seed{{seed}}/model.pt",
        train_log=f"{VARIANT}/seed{{seed}}/train_log.parquet",
    log:
        f"{VARIANT_LOG}/seed{{seed}}/train.log",
    benchmark:
        f"{VARIANT_LOG}/seed{{seed}}/train_benchmark.tsv"
    group:
        cluster_group(variant_group)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **variant_task_params(),
        **runtime_params(),
        model=per_variant(lambda c: c["model"]),
        train=per_variant(lambda c: schedule_params(c, 0)),
        select_best=per_variant(lambda c: c["train"].get("select_best")),
        batch_size=per_variant(lambda c: c["generation"]["batch_size"]),
        seed=lambda wc: int(wc.seed) * 1000,
    script:
        "../../workflow_scripts/common/train.py"


rule sweep_evaluate:
    input:
        model=rules.sweep_train.output.model,
        prompts=variant_data("eval_prompts.parquet"),
    output:
        f"{VARIANT}/seed{{seed}}/eval.parquet",
    log:
        f"{VARIANT_LOG}/seed{{seed}}/evaluate.log",
    group:
        cluster_group(variant_group)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **variant_task_params(),
        **runtime_params(),
        batch_size=per_variant(lambda c: c["generation"]["batch_size"]),
        round=0,
        seed=lambda wc: int(wc.seed),
    script:
        "../../workflow_scripts/common/evaluate.py"


rule summarize_sweep:
    input:
        evals=every_variant("eval.parquet"),
        datasets=every_variant_dataset(),
    output:
        summary_file("accuracy"),
    log:
        log_file("summarize_sweep"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        experiment=EXP,
        task=config["task"],
        axes=[VARIANTS[v]["axes"] for v in VARIANTS for s in SEEDS],
    script:
        "../../workflow_scripts/sweep/summarize.py"


rule plot_sweep:
    input:
        rules.summarize_sweep.output[0],
    output:
        report(plot_file("{figure}"), caption="../../report/sweep.rst", category="Generalization"),
    log:
        log_file("plot_{figure}"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        figure=lambda wc: FIGURES[wc.figure],
        difficulty_label=AXIS_LABELS[0],
        title=lambda wc: FIGURES[wc.figure].get("title", f"{EXP}: {wc.figure.replace('_', ' ')}"),
    script:
        "../../workflow_scripts/sweep/plot.py"
