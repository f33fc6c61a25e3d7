# Label noise (config label_noise, paper Sec. 8.2): for every setting, the clean chain's
# accepted labels of the start round are copied with some targets corrupted, and the rounds
# after it run again under results/<experiment>/noise/<setting>/. The clean chain's files are
# only read. The rules are the clean ones (`use rule`) with the noisy chain's paths.


rule corrupt_labels:
    input:
        lambda wc: round_file(wc.round, wc.seed, "accepted.parquet"),
    output:
        f"{NOISY}/corrupted.parquet",
    log:
        noisy_log("corrupt_labels"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **task_params(),
        noise=lambda wc: parse_setting(wc.setting),
        seed=lambda wc: int(wc.seed),
    script:
        "../../workflow_scripts/rounds/corrupt_labels.py"


use rule build_dataset as noisy_build_dataset with:
    input:
        accepted=noisy_accepted,
    output:
        f"{NOISY}/dataset.parquet",
    log:
        noisy_log("build_dataset"),


use rule train as noisy_train with:
    input:
        dataset=lambda wc: training_parts(wc.round, wc.seed, wc.setting),
        init=lambda wc: chain_file(wc.setting, int(wc.round) - 1, wc.seed, "model.pt") if continues(wc) else [],
        init_optimizer=lambda wc: previous_optimizer(wc, wc.setting),
        valid=validation_split,
    output:
        **optimizer_output(f"{NOISY}/optimizer.pt"),
        model=f"{NOISY}/model.pt",
        train_log=f"{NOISY}/train_log.parquet",
    log:
        noisy_log("train"),
    benchmark:
        NOISY_TRAIN_BENCHMARK
    group:
        cluster_group(noisy_group(MODEL_GROUP))


use rule generate as noisy_generate with:
    input:
        model=f"{NOISY}/model.pt",
        prompts=rules.selflabel_prompts.output[0],
    output:
        f"{NOISY}/generations.parquet",
    log:
        noisy_log("generate"),
    group:
        cluster_group(noisy_group(LABEL_GROUP))


use rule generate as noisy_vote with:
    input:
        model=lambda wc: round_file(wc.round, wc.voter, "model.pt", wc.setting),
        prompts=rules.selflabel_prompts.output[0],
    output:
        f"{NOISY}/votes/seed{{voter}}.parquet",
    log:
        noisy_log("vote").replace(".log", "_by{voter}.log"),
    group:
        cluster_group(noisy_group(VOTER_GROUP))


use rule filter_labels as noisy_filter_labels with:
    input:
        own=f"{NOISY}/generations.parquet",
        voters=lambda wc: votes_of(wc.round, wc.seed, wc.setting),
    output:
        f"{NOISY}/accepted.parquet",
    log:
        noisy_log("filter_labels"),


use rule evaluate as noisy_evaluate with:
    input:
        model=f"{NOISY}/model.pt",
        prompts=EVAL_PROMPTS,
    output:
        f"{NOISY}/eval.parquet",
    log:
        noisy_log("evaluate"),
    group:
        cluster_group(noisy_group(MODEL_GROUP))


rule summarize_noise:
    input:
        evals=every_noisy_round("eval.parquet"),
        datasets=sorted({part for parts in every_noisy_training_set() for part in parts}),
    output:
        summary_file("noise"),
    log:
        log_file("summarize_noise"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        experiment=EXP,
        task=config["task"],
        settings=[parse_setting(s) for s in NOISE_SETTINGS for r in noise_rounds(s) for seed in SEEDS],
        training_sets=every_noisy_training_set(),
    script:
        "../../workflow_scripts/rounds/summarize_noise.py"


rule plot_noise:
    input:
        noisy=rules.summarize_noise.output[0],
        clean=rules.summarize.output[0],
    output:
        report(plot_file("noise"), caption="../../report/noise.rst", category="Label noise"),
    log:
        log_file("plot_noise"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        title=f"{EXP}: label noise",
    script:
        "../../workflow_scripts/rounds/plot_noise.py"
