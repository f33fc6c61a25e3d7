# Label noise (config label_noise, paper Sec. 8.2): for every setting, the clean chain's
# accepted labels of the start round are copied with some targets corrupted, and the rounds
# after it run again under results/<experiment>/noise/<setting>/. The clean chain's files are
# only read. The rules are the clean ones (`use rule`) with the noisy chain's paths.

NOISY = f"{RESULTS}/noise/{{setting}}/round{{round}}/seed{{seed}}"
NOISY_LOG = f"{RESULTS}/logs/noise/{{setting}}/{{rule}}_round{{round}}_seed{{seed}}.log"


wildcard_constraints:
    setting=r"[a-z]+_p[0-9.]+_r\d+_t\d+",


rule corrupt_labels:
    input:
        lambda wc: f"{RESULTS}/round{wc.round}/seed{wc.seed}/accepted.parquet",
    output:
        f"{NOISY}/corrupted.parquet",
    log:
        NOISY_LOG.replace("{rule}", "corrupt_labels"),
    params:
        noise=lambda wc: noise_setting(wc.setting),
        seed=lambda wc: int(wc.seed),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/corrupt_labels.py"


use rule build_dataset as noisy_build_dataset with:
    input:
        previous=lambda wc: chain_file(wc.setting, int(wc.round) - 1, wc.seed, "dataset.parquet"),
        accepted=noisy_accepted,
    output:
        f"{NOISY}/dataset.parquet",
    log:
        NOISY_LOG.replace("{rule}", "build_dataset"),


use rule train as noisy_train with:
    input:
        dataset=f"{NOISY}/dataset.parquet",
        init=lambda wc: chain_file(wc.setting, int(wc.round) - 1, wc.seed, "model.pt") if continues(wc) else [],
        valid=validation_split,
    output:
        model=f"{NOISY}/model.pt",
        train_log=f"{NOISY}/train_log.parquet",
    log:
        NOISY_LOG.replace("{rule}", "train"),
    benchmark:
        f"{RESULTS}/benchmarks/noise/{{setting}}/train_round{{round}}_seed{{seed}}.tsv"


use rule generate as noisy_generate with:
    input:
        model=f"{NOISY}/model.pt",
        prompts=rules.selflabel_prompts.output[0],
    output:
        f"{NOISY}/generations.parquet",
    log:
        NOISY_LOG.replace("{rule}", "generate"),


use rule generate as noisy_vote with:
    input:
        model=lambda wc: f"{RESULTS}/noise/{wc.setting}/round{wc.round}/seed{wc.voter}/model.pt",
        prompts=rules.selflabel_prompts.output[0],
    output:
        f"{NOISY}/votes/seed{{voter}}.parquet",
    log:
        NOISY_LOG.replace("{rule}", "vote").replace(".log", "_by{voter}.log"),


use rule filter_labels as noisy_filter_labels with:
    input:
        own=f"{NOISY}/generations.parquet",
        voters=lambda wc: votes_of(f"{RESULTS}/noise/{wc.setting}/round{wc.round}", wc.seed),
    output:
        f"{NOISY}/accepted.parquet",
    log:
        NOISY_LOG.replace("{rule}", "filter_labels"),


use rule evaluate as noisy_evaluate with:
    input:
        model=f"{NOISY}/model.pt",
        prompts=rules.eval_prompts.output[0],
    output:
        f"{NOISY}/eval.parquet",
    log:
        NOISY_LOG.replace("{rule}", "evaluate"),


rule summarize_noise:
    input:
        evals=[f"{RESULTS}/noise/{s}/round{r}/seed{seed}/eval.parquet" for s in NOISE_SETTINGS for r in noise_rounds(s) for seed in SEEDS],
        datasets=[f"{RESULTS}/noise/{s}/round{r}/seed{seed}/dataset.parquet" for s in NOISE_SETTINGS for r in noise_rounds(s) for seed in SEEDS],
    output:
        f"{RESULTS}/summary/noise.parquet",
    log:
        f"{RESULTS}/logs/summarize_noise.log",
    params:
        experiment=EXP,
        task=config["task"],
        settings=[noise_setting(s) for s in NOISE_SETTINGS for r in noise_rounds(s) for seed in SEEDS],
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/summarize_noise.py"


rule plot_noise:
    input:
        noisy=rules.summarize_noise.output[0],
        clean=rules.summarize.output[0],
    output:
        report(
            f"{RESULTS}/plots/noise.png",
            caption="../report/noise.rst",
            category="Label noise",
        ),
    log:
        f"{RESULTS}/logs/plot_noise.log",
    params:
        title=f"{EXP}: label noise",
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/plot_noise.py"
