# Accelerated self-improvement (self_improve.accelerated): after round r trains, its models
# are probed at the difficulties past the frontier; the probe decides which of them round r
# labels. A checkpoint, because with a `target` the number of rounds depends on its result.


rule probe_prompts:
    input:
        eval_prompts=rules.eval_prompts.output[0],
        previous=lambda wc: probe_table(int(wc.round) - 1) if int(wc.round) > 0 else [],
    output:
        f"{RESULTS}/round{{round}}/probe_prompts.parquet",
    log:
        f"{RESULTS}/logs/probe_prompts/round{{round}}.log",
    params:
        **task_params(),
        base_max=config["data"]["base_difficulty"][1],
        max_jump=ACCEL["max_jump"] if ACCEL else 0,
        size=ACCEL["probe_examples"] if ACCEL else 0,
        round=lambda wc: int(wc.round),
        seed=config["data"]["seed"],
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/probe_prompts.py"


checkpoint probe:
    input:
        models=lambda wc: [f"{RESULTS}/round{wc.round}/seed{s}/model.pt" for s in SEEDS],
        prompts=rules.probe_prompts.output[0],
    output:
        f"{RESULTS}/round{{round}}/probe.parquet",
    log:
        f"{RESULTS}/logs/probe/round{{round}}.log",
    params:
        **task_params(),
        **runtime_params(),
        seeds=SEEDS,
        threshold=ACCEL["threshold"] if ACCEL else 1.0,
        batch_size=config["generation"]["batch_size"],
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/probe.py"
