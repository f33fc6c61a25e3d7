# Tables of examples drawn from the task: evaluation prompts, round-0 training data,
# and each round's prompts to self-label. Each draws from its own seed stream, and
# training data never contains an evaluation prompt.


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
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/eval_prompts.py"


rule base_dataset:
    input:
        eval_prompts=rules.eval_prompts.output[0],
    output:
        f"{RESULTS}/round0/dataset.parquet",
    log:
        f"{RESULTS}/logs/base_dataset.log",
    params:
        **task_params(),
        difficulty=config["data"]["base_difficulty"],
        size=config["data"]["base_size"],
        seed=config["data"]["seed"],
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
        f"{RESULTS}/round{{round}}/prompts.parquet",
    log:
        f"{RESULTS}/logs/selflabel_prompts/round{{round}}.log",
    params:
        **task_params(),
        difficulties=label_difficulties,
        size=config["self_improve"]["examples_per_round"],
        round=lambda wc: int(wc.round),
        seed=config["data"]["seed"],
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/selflabel_prompts.py"
