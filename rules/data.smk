# Tables of examples drawn from the task: evaluation prompts, the validation split (with
# train.select_best), each seed's round-0 training data, and each seed's prompts to self-label
# per round. Each draws from its own seed stream (every model seed its own inputs, as in the
# paper); training data never contains an evaluation or validation prompt.


rule eval_prompts:
    output:
        f"{RESULTS}/eval_prompts.parquet",
    log:
        f"{RESULTS}/logs/eval_prompts.log",
    params:
        **task_params(),
        difficulties=config["data"]["eval_difficulties"],
        per_difficulty=config["data"]["eval_examples"],
        seed=config["data"]["seed"],
        **eval_share_params(config),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/eval_prompts.py"


rule valid_prompts:
    input:
        eval_prompts=rules.eval_prompts.output[0],
    output:
        f"{RESULTS}/valid_prompts.parquet",
    log:
        f"{RESULTS}/logs/valid_prompts.log",
    params:
        **task_params(),
        **valid_params(config),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/valid_prompts.py"


rule base_dataset:
    input:
        eval_prompts=rules.eval_prompts.output[0],
        valid_prompts=rules.valid_prompts.output[0] if SELECT_BEST else [],
    output:
        f"{RESULTS}/round0/seed{{seed}}/dataset.parquet",
    log:
        f"{RESULTS}/logs/base_dataset/seed{{seed}}.log",
    params:
        **task_params(),
        difficulty=config["data"]["base_difficulty"],
        size=config["data"]["base_size"],
        seed=config["data"]["seed"],
        model_seed=lambda wc: int(wc.seed),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/base_dataset.py"


rule tiny_random_llama:
    """A small random LLaMA checkpoint with a one-character tokenizer, for pretrained-start smoke runs."""
    output:
        directory("resources/tiny-random-llama"),
    log:
        "resources/tiny-random-llama.log",
    params:
        chars="0123456789+=*>#:,-()",
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/tiny_random_llama.py"


rule selflabel_prompts:
    input:
        eval_prompts=rules.eval_prompts.output[0],
        probe=lambda wc: probe_table(wc.round) if ACCEL else [],
    output:
        f"{RESULTS}/round{{round}}/seed{{seed}}/prompts.parquet",
    log:
        f"{RESULTS}/logs/selflabel_prompts/round{{round}}_seed{{seed}}.log",
    params:
        **task_params(),
        difficulties=label_difficulties,
        size=config["self_improve"]["examples_per_round"],
        round=lambda wc: int(wc.round),
        seed=config["data"]["seed"],
        model_seed=lambda wc: int(wc.seed),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/selflabel_prompts.py"
