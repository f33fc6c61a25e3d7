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


rule rise_eval_problems:
    output:
        EVAL_PROBLEMS,
    log:
        log_file("eval_problems"),
    group:
        cluster_group(DATA_GROUP)
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        env=environment_params(),
        n=eval_problem_count(),
        seed=config["data"]["seed"],
    script:
        "../../workflow_scripts/introspection/eval_problems.py"


rule rise_base_dataset:
    input:
        eval=rules.rise_eval_problems.output[0],
    output:
        BASE_DATASET,
    log:
        log_file("base_dataset"),
    group:
        cluster_group(DATA_GROUP)
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        env=environment_params(),
        n=config["data"]["base_size"],
        seed=config["data"]["seed"],
        history_fraction=INTROSPECTION.get("base_history", 0.0),
    script:
        "../../workflow_scripts/introspection/base_dataset.py"


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
    group:
        cluster_group(iteration_group)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **runtime_params(),
        env=environment_params(),
        model=config["model"],
        train=schedule_params(config, 0),
        seed=lambda wc: int(wc.seed) * 1000,
    script:
        "../../workflow_scripts/introspection/train.py"


rule rise_collect:
    input:
        model=collection_model,
        eval=rules.rise_eval_problems.output[0],
        teacher=[INTROSPECTION["collect"]["teacher"]] if INTROSPECTION["collect"]["source"] == "teacher" else [],
    output:
        f"{SEED_DIR}/rise/iter{{iteration}}/episodes.parquet",
    log:
        f"{RISE_LOG}/rise/iter{{iteration}}/collect.log",
    group:
        cluster_group(iteration_group)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **runtime_params(),
        **INTROSPECTION["collect"],
        env=environment_params(),
        iteration=lambda wc: int(wc.iteration),
        n=INTROSPECTION["problems"],
        seed=lambda wc: int(wc.seed),
        data_seed=config["data"]["seed"],
        context_window=CONTEXT_WINDOW,
        batch_size=config["generation"]["batch_size"],
    script:
        "../../workflow_scripts/introspection/collect.py"


rule rise_convert:
    input:
        rules.rise_collect.output[0],
    output:
        f"{SEED_DIR}/rise/iter{{iteration}}/dataset.parquet",
    log:
        f"{RISE_LOG}/rise/iter{{iteration}}/convert.log",
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        **INTROSPECTION["convert"],
        env=environment_params(),
        iteration=lambda wc: int(wc.iteration),
        context_window=CONTEXT_WINDOW,
    script:
        "../../workflow_scripts/introspection/convert.py"


rule rise_single_turn:
    input:
        rules.rise_collect.output[0],
    output:
        f"{SEED_DIR}/single_turn/iter{{iteration}}/dataset.parquet",
    log:
        f"{RISE_LOG}/single_turn/iter{{iteration}}/dataset.log",
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        env=environment_params(),
        iteration=lambda wc: int(wc.iteration),
        tau=INTROSPECTION["convert"].get("tau", 0.4),
    script:
        "../../workflow_scripts/introspection/single_turn.py"


rule rise_finetune:
    input:
        unpack(finetune_inputs),
    output:
        model=f"{ITERATION}/model.pt",
        train_log=f"{ITERATION}/train_log.parquet",
    log:
        f"{RISE_LOG}/{{arm}}/iter{{iteration}}/finetune.log",
    benchmark:
        f"{RISE_LOG}/{{arm}}/iter{{iteration}}/finetune_benchmark.tsv"
    group:
        cluster_group(iteration_group)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **runtime_params(),
        env=environment_params(),
        model=config["model"],
        train=finetune_schedule(),
        seed=lambda wc: int(wc.seed) * 1000 + int(wc.iteration),
    script:
        "../../workflow_scripts/introspection/train.py"


rule rise_evaluate:
    input:
        model=lambda wc: stage_file(wc.stage, wc.seed, "model.pt"),
        problems=rules.rise_eval_problems.output[0],
    output:
        f"{SEED_DIR}/{{stage}}/eval.parquet",
    log:
        f"{RISE_LOG}/{{stage}}/evaluate.log",
    group:
        cluster_group(iteration_group)
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        **MODEL_JOB,
    params:
        **runtime_params(),
        **INTROSPECTION["evaluate"],
        env=environment_params(),
        context_window=CONTEXT_WINDOW,
        seed=lambda wc: int(wc.seed),
        batch_size=config["generation"]["batch_size"],
    script:
        "../../workflow_scripts/introspection/evaluate.py"


rule rise_summarize:
    input:
        stage_evals(),
    output:
        turns=summary_file("turns"),
        metrics=summary_file("metrics"),
        transitions=summary_file("transitions"),
        table=summary_file("metrics", "md"),
    log:
        log_file("summarize"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        evaluations=stage_keys(),
    script:
        "../../workflow_scripts/introspection/summarize.py"


rule rise_plot:
    input:
        rules.rise_summarize.output.turns,
        rules.rise_summarize.output.transitions,
        rules.rise_summarize.output.metrics,
    output:
        report(plot_file("{rise_figure}"), caption="../../report/introspection.rst", category="Introspection"),
    log:
        log_file("plot_{rise_figure}"),
    localrule: True
    conda:
        CONDA_ENV
    threads: 1
    resources:
        **DATA_JOB,
    params:
        title=lambda wc: f"{EXP}: {wc.rise_figure.replace('_', ' ')}",
    script:
        "../../workflow_scripts/introspection/plot.py"
