# One self-improvement round, per seed:
#   train -> generate (label the next difficulty) -> filter_labels -> build_dataset -> train
# With a majority vote, every voter also labels every seed's prompts (rule vote): each seed
# draws its own inputs and all voters vote on them, as in the paper.


rule train:
    input:
        dataset=training_set,
        init=previous_model,
        init_optimizer=previous_optimizer,
        pretrained=pretrained_start,
        valid=validation_split,
    output:
        **optimizer_output(f"{ROUND}/optimizer.pt"),
        model=shared_by_noise(f"{ROUND}/model.pt"),
        train_log=f"{ROUND}/train_log.parquet",
    log:
        round_log("train"),
    benchmark:
        TRAIN_BENCHMARK
    group:
        cluster_group(MODEL_GROUP)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **task_params(),
        **runtime_params(),
        **select_best_params(config),
        model=config["model"],
        train=train_params,
        seed=lambda wc: int(wc.seed) * 1000 + int(wc.round),
    script:
        "../../workflow_scripts/common/train.py"


rule generate:
    input:
        model=lambda wc: round_file(wc.round, wc.seed, "model.pt"),
        prompts=rules.selflabel_prompts.output[0],
    output:
        f"{ROUND}/generations.parquet",
    log:
        round_log("generate"),
    group:
        cluster_group(LABEL_GROUP)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **task_params(),
        **runtime_params(),
        batch_size=config["generation"]["batch_size"],
    script:
        "../../workflow_scripts/rounds/generate.py"


use rule generate as vote with:
    input:
        model=voter_model,
        prompts=rules.selflabel_prompts.output[0],
    output:
        f"{ROUND}/votes/seed{{voter}}.parquet",
    log:
        log_file("vote/round{round}_seed{seed}_by{voter}"),
    group:
        cluster_group(VOTER_GROUP)


rule filter_labels:
    input:
        own=rules.generate.output[0],
        voters=lambda wc: votes_of(wc.round, wc.seed),
    output:
        shared_by_noise(f"{ROUND}/accepted.parquet"),
    log:
        round_log("filter_labels"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **task_params(),
        filters=config["filters"],
        majority_vote=config["majority_vote"],
        seed=lambda wc: int(wc.seed),
    script:
        "../../workflow_scripts/rounds/filter_labels.py"


rule build_dataset:
    input:
        accepted=lambda wc: round_file(int(wc.round) - 1, wc.seed, "accepted.parquet"),
    output:
        shared_by_noise(f"{ROUND}/dataset.parquet"),
    log:
        round_log("build_dataset"),
    wildcard_constraints:
        round=r"[1-9]\d*",  # round 0's data is base_dataset's
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    script:
        "../../workflow_scripts/rounds/build_dataset.py"


# Exact-match accuracy of greedy generation per difficulty, on fresh evaluation prompts.
rule evaluate:
    input:
        model=lambda wc: round_file(wc.round, wc.seed, "model.pt"),
        prompts=EVAL_PROMPTS,
    output:
        f"{ROUND}/eval.parquet",
    log:
        round_log("evaluate"),
    group:
        cluster_group(MODEL_GROUP)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **task_params(),
        **runtime_params(),
        batch_size=config["generation"]["batch_size"],
        round=lambda wc: int(wc.round),
        seed=lambda wc: int(wc.seed),
    script:
        "../../workflow_scripts/common/evaluate.py"
