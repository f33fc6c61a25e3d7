# One self-improvement round, per seed:
#   train -> generate (label the next difficulty) -> filter_labels -> build_dataset -> train
# With a majority vote, every voter also labels every seed's prompts (rule vote): each seed
# draws its own inputs and all voters vote on them, as in the paper.


rule train:
    input:
        dataset=training_set,
        init=previous_model,
        pretrained=pretrained_start,
        valid=validation_split,
    output:
        model=f"{RESULTS}/round{{round}}/seed{{seed}}/model.pt",
        train_log=f"{RESULTS}/round{{round}}/seed{{seed}}/train_log.parquet",
    log:
        f"{RESULTS}/logs/train/round{{round}}_seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/round{{round}}_seed{{seed}}.tsv"
    params:
        **task_params(),
        **runtime_params(),
        model=config["model"],
        train=train_params,
        **select_best_params(config),
        seed=lambda wc: int(wc.seed) * 1000 + int(wc.round),
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/train.py"


rule generate:
    input:
        model=rules.train.output.model,
        prompts=rules.selflabel_prompts.output[0],
    output:
        f"{RESULTS}/round{{round}}/seed{{seed}}/generations.parquet",
    log:
        f"{RESULTS}/logs/generate/round{{round}}_seed{{seed}}.log",
    params:
        **task_params(),
        **runtime_params(),
        batch_size=config["generation"]["batch_size"],
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/generate.py"


use rule generate as vote with:
    input:
        model=voter_model,
        prompts=rules.selflabel_prompts.output[0],
    output:
        f"{RESULTS}/round{{round}}/seed{{seed}}/votes/seed{{voter}}.parquet",
    log:
        f"{RESULTS}/logs/vote/round{{round}}_seed{{seed}}_by{{voter}}.log",


rule filter_labels:
    input:
        own=rules.generate.output[0],
        voters=voter_generations,
    output:
        f"{RESULTS}/round{{round}}/seed{{seed}}/accepted.parquet",
    log:
        f"{RESULTS}/logs/filter_labels/round{{round}}_seed{{seed}}.log",
    params:
        **task_params(),
        filters=config["filters"],
        majority_vote=config["majority_vote"],
        seed=lambda wc: int(wc.seed),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/filter_labels.py"


rule build_dataset:
    input:
        previous=lambda wc: dataset_path(int(wc.round) - 1, wc.seed),
        accepted=lambda wc: f"{RESULTS}/round{int(wc.round) - 1}/seed{wc.seed}/accepted.parquet",
    output:
        f"{RESULTS}/round{{round}}/seed{{seed}}/dataset.parquet",
    log:
        f"{RESULTS}/logs/build_dataset/round{{round}}_seed{{seed}}.log",
    wildcard_constraints:
        round=r"[1-9]\d*",  # round 0's data is base_dataset's
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/build_dataset.py"
