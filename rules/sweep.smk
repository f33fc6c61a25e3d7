# A sweep: per variant (a combination of axis values, selfimprove/sweep.py) and seed,
#   eval_prompts, dataset -> train (once) -> evaluate,
# (variants that differ only in model or training share one data set), then one summary table of every variant and one target per figure:
#   results/<experiment>/<axis>=<value>/.../seed<s>/{model.pt, eval.parquet}
#   results/<experiment>/summary/accuracy.parquet
#   results/<experiment>/plots/<figure>.png
# The jobs run the same stages (workflow_scripts/) as a self-improvement round 0.

VARIANT = f"{RESULTS}/{{variant}}"
VARIANT_LOG = f"{RESULTS}/logs/{{variant}}"


wildcard_constraints:
    variant="|".join(re.escape(v) for v in VARIANTS),
    figure="|".join(re.escape(f) for f in config.get("figures", {})) or "(?!)",


rule sweep_eval_prompts:
    output:
        f"{VARIANT}/eval_prompts.parquet",
    log:
        f"{VARIANT_LOG}/eval_prompts.log",
    params:
        **variant_task_params(),
        difficulties=per_variant(lambda c: c["data"]["eval_difficulties"]),
        per_difficulty=per_variant(lambda c: c["data"]["eval_examples"]),
        seed=per_variant(lambda c: c["data"]["seed"]),
        max_share=per_variant(lambda c: eval_share_params(c)["max_share"]),
        trained=per_variant(lambda c: eval_share_params(c)["trained"]),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/eval_prompts.py"


rule sweep_valid_prompts:
    input:
        eval_prompts=rules.sweep_eval_prompts.output[0],
    output:
        f"{VARIANT}/valid_prompts.parquet",
    log:
        f"{VARIANT_LOG}/valid_prompts.log",
    params:
        **variant_task_params(),
        **{key: per_variant(lambda c, key=key: valid_params(c)[key]) for key in ("difficulty", "size", "seed", "max_share")},
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/valid_prompts.py"


def variant_validation(wildcards):
    """The variant's validation split when it selects its best checkpoint, else nothing."""
    return variant_data("valid_prompts.parquet")(wildcards) if "select_best" in variant_config(wildcards)["train"] else []


rule sweep_dataset:
    input:
        eval_prompts=rules.sweep_eval_prompts.output[0],
        valid_prompts=variant_validation,
    output:
        f"{VARIANT}/dataset.parquet",
    log:
        f"{VARIANT_LOG}/dataset.log",
    params:
        **variant_task_params(),
        difficulty=per_variant(lambda c: c["data"]["base_difficulty"]),
        size=per_variant(lambda c: c["data"]["base_size"]),
        seed=per_variant(lambda c: c["data"]["seed"]),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/base_dataset.py"


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
    params:
        **variant_task_params(),
        **runtime_params(),
        model=per_variant(lambda c: c["model"]),
        train=per_variant(lambda c: schedule_params(c, 0)),
        select_best=per_variant(lambda c: c["train"].get("select_best")),
        batch_size=per_variant(lambda c: c["generation"]["batch_size"]),
        seed=lambda wc: int(wc.seed) * 1000,
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/train.py"


rule sweep_evaluate:
    input:
        model=rules.sweep_train.output.model,
        prompts=variant_data("eval_prompts.parquet"),
    output:
        f"{VARIANT}/seed{{seed}}/eval.parquet",
    log:
        f"{VARIANT_LOG}/seed{{seed}}/evaluate.log",
    params:
        **variant_task_params(),
        **runtime_params(),
        batch_size=per_variant(lambda c: c["generation"]["batch_size"]),
        round=0,
        seed=lambda wc: int(wc.seed),
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/evaluate.py"


rule summarize_sweep:
    input:
        evals=sweep_outputs("eval.parquet"),
        datasets=[f"{RESULTS}/{data_owner(v)}/dataset.parquet" for v in VARIANTS for s in SEEDS],
    output:
        f"{RESULTS}/summary/accuracy.parquet",
    log:
        f"{RESULTS}/logs/summarize_sweep.log",
    params:
        experiment=EXP,
        task=config["task"],
        axes=[VARIANTS[v]["axes"] for v in VARIANTS for s in SEEDS],
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/summarize_sweep.py"


rule plot_sweep:
    input:
        rules.summarize_sweep.output[0],
    output:
        report(f"{RESULTS}/plots/{{figure}}.png", caption="../report/sweep.rst", category="Generalization"),
    log:
        f"{RESULTS}/logs/plot_{{figure}}.log",
    params:
        figure=lambda wc: config["figures"][wc.figure],
        difficulty_label=AXIS_LABELS[0],
        title=lambda wc: config["figures"][wc.figure].get("title", f"{EXP}: {wc.figure.replace('_', ' ')}"),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/plot_sweep.py"
