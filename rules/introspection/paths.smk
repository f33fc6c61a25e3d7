# Every file of a recursive-introspection experiment, named once:
#   results/<experiment>/problems/{eval,base_dataset}.parquet
#   results/<experiment>/seed<s>/base/{model.pt,train_log.parquet,eval.parquet}
#   results/<experiment>/seed<s>/rise/iter<i>/{episodes,dataset,eval}.parquet, model.pt
#   results/<experiment>/seed<s>/single_turn/iter<i>/{dataset,eval}.parquet, model.pt
#   results/<experiment>/summary/{turns,metrics,transitions}.parquet, metrics.md; plots/{accuracy_by_turn,transitions}.png


wildcard_constraints:
    arm="|".join(ARMS),
    iteration=r"\d+",
    stage="|".join(re.escape(s) for s in STAGES),
    rise_figure="|".join(FIGURES),


EVAL_PROBLEMS = f"{RESULTS}/problems/eval.parquet"
BASE_DATASET = f"{RESULTS}/problems/base_dataset.parquet"
SEED_DIR = f"{RESULTS}/seed{{seed}}"
ITERATION = f"{SEED_DIR}/{{arm}}/iter{{iteration}}"  # one iteration of one arm (output patterns)
RISE_LOG = f"{RESULTS}/logs/seed{{seed}}"


def stage_file(stage, seed, name):
    """File `name` of an evaluated stage ('base' or '<arm>/iter<i>')."""
    return f"{RESULTS}/seed{seed}/{stage}/{name}"


def start_model(arm, i, seed):
    """What iteration i of an arm starts from: the previous iteration's model, or the base model."""
    if i == 1 or INTROSPECTION.get("finetune_from", "previous") == "base":
        return stage_file("base", seed, "model.pt")
    return stage_file(f"{arm}/iter{i - 1}", seed, "model.pt")


def collection_model(wildcards):
    """Iteration i collects on-policy: with the rise arm's model of iteration i - 1 (the base model for i = 1)."""
    i = int(wildcards.iteration)
    return stage_file("base" if i == 1 else f"rise/iter{i - 1}", wildcards.seed, "model.pt")


def finetune_inputs(wildcards):
    """Iteration i's examples (with finetune_from: base, those of iterations 1..i) and its start."""
    i, seed = int(wildcards.iteration), wildcards.seed
    first = i if INTROSPECTION.get("finetune_from", "previous") == "previous" else 1
    return {
        "datasets": [stage_file(f"{wildcards.arm}/iter{j}", seed, "dataset.parquet") for j in range(first, i + 1)],
        "init": start_model(wildcards.arm, i, seed),
    }


def stage_evals():
    stage = lambda k: "base" if k["iteration"] == 0 else f"{k['arm']}/iter{k['iteration']}"
    return [stage_file(stage(k), k["seed"], "eval.parquet") for k in stage_keys()]


def iteration_group(wildcards):
    """Cluster job group (rules/common.smk): the model jobs that run once iteration i's data exists are
    one Slurm job: both arms' finetuning and evaluation of iteration i (the base model: 0), and the
    collection of iteration i + 1's episodes."""
    if "stage" in wildcards.keys():  # rise_evaluate: base or <arm>/iter<i>
        i = 0 if wildcards.stage == "base" else int(wildcards.stage.rsplit("iter", 1)[1])
    elif "iteration" in wildcards.keys():
        i = int(wildcards.iteration) - (1 if "arm" not in wildcards.keys() else 0)  # rise_collect: the previous model's
    else:
        i = 0  # rise_train_base
    return f"models_iter{i}_seed{wildcards.seed}"
