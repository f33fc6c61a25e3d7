# Recursive introspection (RISE): per seed,
#   base:        eval problems, single-turn dataset -> train the base model -> evaluate
#   iteration i: collect (episodes of the rise arm's model i-1 on fresh problems) -> convert -> finetune -> evaluate
#                and the single-turn control: the same correct answers -> finetune -> evaluate
# then one summary of every seed, arm and iteration, and its figures.
#   results/<experiment>/problems/{eval,base_dataset}.parquet
#   results/<experiment>/seed<s>/base/{model.pt,eval.parquet}
#   results/<experiment>/seed<s>/rise/iter<i>/{episodes,dataset,eval}.parquet, model.pt
#   results/<experiment>/seed<s>/single_turn/iter<i>/{dataset,eval}.parquet, model.pt
#   results/<experiment>/summary/{turns,metrics,transitions}.parquet, plots/{accuracy_by_turn,transitions}.png

SEED_DIR = f"{RESULTS}/seed{{seed}}"
RISE_LOG = f"{RESULTS}/logs/seed{{seed}}"
INTROSPECTION_FIGURES = ["accuracy_by_turn", "transitions"]


wildcard_constraints:
    arm="|".join(ARMS),
    iteration=r"\d+",
    stage="|".join(re.escape(s) for s in STAGES),
    rise_figure="|".join(INTROSPECTION_FIGURES),


rule rise_eval_problems:
    output:
        f"{RESULTS}/problems/eval.parquet",
    log:
        f"{RESULTS}/logs/eval_problems.log",
    params:
        env=environment_params(),
        n=eval_problem_count(),
        seed=config["data"]["seed"],
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_base_dataset:
    input:
        eval=rules.rise_eval_problems.output[0],
    output:
        f"{RESULTS}/problems/base_dataset.parquet",
    log:
        f"{RESULTS}/logs/base_dataset.log",
    params:
        env=environment_params(),
        n=config["data"]["base_size"],
        seed=config["data"]["seed"],
        history_fraction=INTROSPECTION.get("base_history", 0.0),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_train_base:
    input:
        datasets=rules.rise_base_dataset.output,
        pretrained=[config["model"]["init_from"]] if config["model"].get("init_from") else [],
    output:
        model=f"{SEED_DIR}/base/model.pt",
        train_log=f"{SEED_DIR}/base/train_log.parquet",
    log:
        f"{RISE_LOG}/base/train.log",
    benchmark:
        f"{RISE_LOG}/base/train_benchmark.tsv"
    params:
        **runtime_params(),
        env=environment_params(),
        model=config["model"],
        train=schedule_params(config, 0),
        seed=lambda wc: int(wc.seed) * 1000,
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_collect:
    input:
        model=collection_model,
        eval=rules.rise_eval_problems.output[0],
        teacher=[INTROSPECTION["collect"]["teacher"]] if INTROSPECTION["collect"]["source"] == "teacher" else [],
    output:
        f"{SEED_DIR}/rise/iter{{iteration}}/episodes.parquet",
    log:
        f"{RISE_LOG}/rise/iter{{iteration}}/collect.log",
    params:
        **runtime_params(),
        **INTROSPECTION["collect"],
        env=environment_params(),
        iteration=lambda wc: int(wc.iteration),
        n=INTROSPECTION["problems"],
        seed=lambda wc: int(wc.seed),
        data_seed=config["data"]["seed"],
        context_window=INTROSPECTION.get("context_window", 2),
        batch_size=config["generation"]["batch_size"],
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_convert:
    input:
        rules.rise_collect.output[0],
    output:
        f"{SEED_DIR}/rise/iter{{iteration}}/dataset.parquet",
    log:
        f"{RISE_LOG}/rise/iter{{iteration}}/convert.log",
    params:
        **INTROSPECTION["convert"],
        env=environment_params(),
        iteration=lambda wc: int(wc.iteration),
        context_window=INTROSPECTION.get("context_window", 2),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_single_turn:
    input:
        rules.rise_collect.output[0],
    output:
        f"{SEED_DIR}/single_turn/iter{{iteration}}/dataset.parquet",
    log:
        f"{RISE_LOG}/single_turn/iter{{iteration}}/dataset.log",
    params:
        env=environment_params(),
        iteration=lambda wc: int(wc.iteration),
        tau=INTROSPECTION["convert"].get("tau", 0.4),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_finetune:
    input:
        unpack(finetune_inputs),
    output:
        model=f"{SEED_DIR}/{{arm}}/iter{{iteration}}/model.pt",
        train_log=f"{SEED_DIR}/{{arm}}/iter{{iteration}}/train_log.parquet",
    log:
        f"{RISE_LOG}/{{arm}}/iter{{iteration}}/finetune.log",
    benchmark:
        f"{RISE_LOG}/{{arm}}/iter{{iteration}}/finetune_benchmark.tsv"
    params:
        **runtime_params(),
        env=environment_params(),
        model=config["model"],
        train=finetune_schedule(),
        seed=lambda wc: int(wc.seed) * 1000 + int(wc.iteration),
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_evaluate:
    input:
        model=lambda wc: stage_model(wc.stage, wc.seed),
        problems=rules.rise_eval_problems.output[0],
    output:
        f"{SEED_DIR}/{{stage}}/eval.parquet",
    log:
        f"{RISE_LOG}/{{stage}}/evaluate.log",
    params:
        **runtime_params(),
        **INTROSPECTION["evaluate"],
        env=environment_params(),
        context_window=INTROSPECTION.get("context_window", 2),
        seed=lambda wc: int(wc.seed),
        batch_size=config["generation"]["batch_size"],
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_summarize:
    input:
        stage_evals(),
    output:
        turns=f"{RESULTS}/summary/turns.parquet",
        metrics=f"{RESULTS}/summary/metrics.parquet",
        transitions=f"{RESULTS}/summary/transitions.parquet",
        table=f"{RESULTS}/summary/metrics.md",
    log:
        f"{RESULTS}/logs/summarize.log",
    params:
        evaluations=stage_keys(),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"


rule rise_plot:
    input:
        rules.rise_summarize.output.turns,
        rules.rise_summarize.output.transitions,
        rules.rise_summarize.output.metrics,
    output:
        report(f"{RESULTS}/plots/{{rise_figure}}.png", caption="../report/introspection.rst", category="Introspection"),
    log:
        f"{RESULTS}/logs/plot_{{rise_figure}}.log",
    params:
        title=lambda wc: f"{EXP}: {wc.rise_figure.replace('_', ' ')}",
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/introspection.py"
