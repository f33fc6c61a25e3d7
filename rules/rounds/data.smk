# Tables of examples drawn from the task: evaluation prompts, the validation split (with
# train.select_best), each seed's round-0 training data, and each seed's prompts to self-label
# per round. Each draws from its own seed stream (every model seed its own inputs, as in the
# paper); training data never contains an evaluation or validation prompt.


rule eval_prompts:
    output:
        f"{RESULTS}/eval_prompts.parquet",
    log:
        log_file("eval_prompts"),
    group:
        cluster_group(DATA_GROUP)
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **task_params(),
        **eval_share_params(config),
        difficulties=config["data"]["eval_difficulties"],
        per_difficulty=config["data"]["eval_examples"],
        seed=config["data"]["seed"],
    script:
        "../../workflow_scripts/common/eval_prompts.py"


rule valid_prompts:
    input:
        eval_prompts=EVAL_PROMPTS,
    output:
        f"{RESULTS}/valid_prompts.parquet",
    log:
        log_file("valid_prompts"),
    group:
        cluster_group(DATA_GROUP)
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **task_params(),
        **valid_params(config),
    script:
        "../../workflow_scripts/common/valid_prompts.py"


rule base_dataset:
    input:
        eval_prompts=EVAL_PROMPTS,
        valid_prompts=VALID_PROMPTS if SELECT_BEST else [],
    output:
        shared_by_noise(f"{RESULTS}/round0/seed{{seed}}/dataset.parquet"),
    log:
        log_file("base_dataset/seed{seed}"),
    group:
        cluster_group(DATA_GROUP)
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **task_params(),
        difficulty=config["data"]["base_difficulty"],
        size=config["data"]["base_size"],
        seed=config["data"]["seed"],
        model_seed=lambda wc: int(wc.seed),
    script:
        "../../workflow_scripts/common/base_dataset.py"


rule tiny_random_llama:
    """A small random LLaMA checkpoint with a one-character tokenizer, for pretrained-start smoke runs."""
    output:
        directory("resources/tiny-random-llama"),
    log:
        "resources/tiny-random-llama.log",
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        chars="0123456789+=*>#:,-()",
    script:
        "../../workflow_scripts/rounds/tiny_random_llama.py"


rule selflabel_prompts:
    input:
        eval_prompts=EVAL_PROMPTS,
        probe=lambda wc: probe_table(wc.round) if ACCEL else [],
    output:
        prompts_output(f"{ROUND}/prompts.parquet"),
    log:
        round_log("selflabel_prompts"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **task_params(),
        difficulties=label_difficulties,
        size=config["self_improve"]["examples_per_round"],
        round=lambda wc: int(wc.round),
        seed=config["data"]["seed"],
        model_seed=lambda wc: int(wc.seed),
    script:
        "../../workflow_scripts/rounds/selflabel_prompts.py"
