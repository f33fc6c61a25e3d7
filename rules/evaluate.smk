# Exact-match accuracy of greedy generation per difficulty, on fresh evaluation prompts.


rule evaluate:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_prompts.output[0],
    output:
        f"{RESULTS}/round{{round}}/seed{{seed}}/eval.parquet",
    log:
        f"{RESULTS}/logs/evaluate/round{{round}}_seed{{seed}}.log",
    params:
        **task_params(),
        **runtime_params(),
        batch_size=config["generation"]["batch_size"],
        round=lambda wc: int(wc.round),
        seed=lambda wc: int(wc.seed),
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/evaluate.py"
