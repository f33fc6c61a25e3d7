# Accelerated self-improvement (self_improve.accelerated): after round r trains, its models
# are probed at the difficulties past the frontier; the probe decides which of them round r
# labels. A checkpoint, because with a `target` the number of rounds depends on its result.


rule probe_prompts:
    input:
        eval_prompts=EVAL_PROMPTS,
        previous=lambda wc: probe_table(int(wc.round) - 1) if int(wc.round) > 0 else [],
    output:
        PROBE_PROMPTS,
    log:
        log_file("probe_prompts/round{round}"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **task_params(),
        base_max=config["data"]["base_difficulty"][1],
        max_jump=ACCEL["max_jump"] if ACCEL else 0,
        size=ACCEL["probe_examples"] if ACCEL else 0,
        round=lambda wc: int(wc.round),
        seed=config["data"]["seed"],
    script:
        "../../workflow_scripts/rounds/probe_prompts.py"


checkpoint probe:
    input:
        models=lambda wc: [round_file(wc.round, s, "model.pt") for s in SEEDS],
        prompts=PROBE_PROMPTS,
    output:
        probe_table("{round}"),
    log:
        log_file("probe/round{round}"),
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **task_params(),
        **runtime_params(),
        seeds=SEEDS,
        threshold=ACCEL["threshold"] if ACCEL else 1.0,
        batch_size=config["generation"]["batch_size"],
    script:
        "../../workflow_scripts/rounds/probe.py"
