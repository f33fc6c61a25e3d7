# Every file of a self-improvement experiment, named once:
#   results/<experiment>/{eval,valid}_prompts.parquet
#   results/<experiment>/round<r>/seed<s>/{dataset,prompts,generations,accepted,eval,train_log}.parquet, model.pt, votes/seed<v>.parquet
#   results/<experiment>/round<r>/{probe_prompts,probe}.parquet                  (accelerated mode)
#   results/<experiment>/noise/<setting>/round<r>/seed<s>/...                    (label noise)
#   results/<experiment>/summary/, plots/, logs/, benchmarks/


wildcard_constraints:
    round=r"\d+",
    voter=r"\d+",
    setting=r"[a-z]+_p[0-9.]+_r\d+_t\d+",


# An arm of a self-improvement sweep (rules/rounds/arms.smk) continues the round 0 of the first arm with
# the same round-0 settings: its evaluation prompts and round-0 data, models and evaluations are read there.
ROUND0_RESULTS = f"results/{EXP}/{config['arm']['round0']}" if config.get("arm") else RESULTS
ROUND0_FILES = ("dataset.parquet", "model.pt", "optimizer.pt", "train_log.parquet", "eval.parquet")
EVAL_PROMPTS = f"{ROUND0_RESULTS}/eval_prompts.parquet"
VALID_PROMPTS = f"{ROUND0_RESULTS}/valid_prompts.parquet"
ROUND = f"{RESULTS}/round{{round}}/seed{{seed}}"  # one round of one seed (output patterns)
NOISY = f"{RESULTS}/noise/{{setting}}/round{{round}}/seed{{seed}}"  # the same in a noisy chain
PROBE_PROMPTS = f"{RESULTS}/round{{round}}/probe_prompts.parquet"
NOISY_LOG = f"{RESULTS}/logs/noise/{{setting}}/{{rule}}_round{{round}}_seed{{seed}}.log"
TRAIN_BENCHMARK = f"{RESULTS}/benchmarks/train/round{{round}}_seed{{seed}}.tsv"  # Snakemake's timing of each training job
NOISY_TRAIN_BENCHMARK = f"{RESULTS}/benchmarks/noise/{{setting}}/train_round{{round}}_seed{{seed}}.tsv"

# Cluster job groups (rules/common.smk): the model jobs of one round and seed (train, evaluate,
# generate, and the votes its model casts on other seeds' prompts) are one Slurm job. In
# accelerated mode the probe of every seed's model stands between training and labelling, so
# labelling is a second job. A noisy chain's rounds are groups of their own.
MODEL_GROUP = "models_round{round}_seed{seed}"
LABEL_GROUP = "labels_round{round}_seed{seed}" if ACCEL else MODEL_GROUP
VOTER_GROUP = LABEL_GROUP.replace("{seed}", "{voter}")  # a vote runs with the voter's model


def noisy_group(group):
    return f"noise_{{setting}}_{group}"


def round_file(r, seed, name, setting=None):
    """File `name` of round r of a seed: in the clean chain, or in the noisy chain of `setting`."""
    if str(r) == "0" and name in ROUND0_FILES:
        return f"{ROUND0_RESULTS}/round0/seed{seed}/{name}"
    chain = f"noise/{setting}/" if setting else ""
    return f"{RESULTS}/{chain}round{r}/seed{seed}/{name}"


def shared_by_noise(path):
    """A clean-chain file that label noise's chains start from: write-protected once written
    (Snakemake's protected()), so a stray change cannot rewrite what every noisy chain shares."""
    return protected(path) if NOISE else path


def optimizer_output(pattern):
    """The `optimizer` output of a training rule: the AdamW state the next round continues, in its own
    file beside the weights (none when nothing continues it); temporary with keep_files: lean."""
    if not CARRIES_OPTIMIZER:
        return {}
    return {"optimizer": temp(pattern) if config["keep_files"] == "lean" else pattern}


def previous_optimizer(wildcards, setting=None):
    """Round r continues round r-1's optimizer state (train.continue_training and carry_optimizer_state)."""
    if not (continues(wildcards) and CARRIES_OPTIMIZER):
        return []
    r = int(wildcards.round) - 1
    return chain_file(setting, r, wildcards.seed, "optimizer.pt") if setting else round_file(r, wildcards.seed, "optimizer.pt")


def kept_optimizer_states():
    """With keep_files: lean, the optimizer states that stay: round 0's (a changed later-round setting re-runs
    rounds >= 1 from it), the newest round's (more rounds continue it), each label-noise start round's."""
    if not CARRIES_OPTIMIZER or config["keep_files"] != "lean":
        return []
    kept = {0, rounds_to_run()[-1], *(parse_setting(s)["start"] for s in NOISE_SETTINGS)}
    return [round_file(r, s, "optimizer.pt") for r in sorted(kept) for s in SEEDS]


def prompts_output(pattern):
    """A round's prompts table: temporary with keep_files: lean (generations repeat its prompts), except
    with label noise, whose chains label the clean chain's prompts after it."""
    return temp(pattern) if config["keep_files"] == "lean" and not NOISE else pattern


def round_log(rule):
    return log_file(f"{rule}/round{{round}}_seed{{seed}}")


def noisy_log(rule):
    return NOISY_LOG.replace("{rule}", rule)


def probe_table(r):
    return f"{RESULTS}/round{r}/probe.parquet"


def training_parts(r, seed, setting=None):
    """What round r of a seed trains on, oldest first: round 0's base data, then every later round's
    new examples (its dataset.parquet holds only the labels the round before it accepted, so no round
    rewrites the ones before it). In a noisy chain, the clean chain's parts up to its start round."""
    name = "dataset.parquet"
    return [chain_file(setting, k, seed, name) if setting else round_file(k, seed, name) for k in range(int(r) + 1)]


def training_set(wildcards):
    return training_parts(wildcards.round, wildcards.seed)


def previous_model(wildcards):
    """Round r continues from round r-1's weights (unless train.continue_training is false)."""
    return round_file(int(wildcards.round) - 1, wildcards.seed, "model.pt") if continues(wildcards) else []


def pretrained_start(wildcards):
    """Round 0 starts from model.init_from (a local Hugging Face checkpoint directory) when set."""
    path = config["model"].get("init_from")
    return [path] if path and int(wildcards.round) == 0 else []


def validation_split(wildcards):
    """Round r's validation split with train.select_best, else nothing."""
    return VALID_PROMPTS if SELECT_BEST else []


def votes_of(r, seed, setting=None):
    """The answers of every voter to seed `seed`'s prompts of round r: its own generations,
    and each other voter's labels of its prompts."""
    own = lambda v: "generations.parquet" if v == int(seed) else f"votes/seed{v}.parquet"
    return [round_file(r, seed, own(v), setting) for v in VOTERS]


def voter_model(wildcards):
    """A voter's model of the round, for labelling another seed's prompts."""
    return round_file(wildcards.round, wildcards.voter, "model.pt")


def chain_file(setting, r, seed, name):
    """A file of round r in a noisy chain: the clean chain's up to the start round."""
    return round_file(r, seed, name, None if int(r) <= parse_setting(setting)["start"] else setting)


def noisy_accepted(wc):
    """Round r's accepted labels in a noisy chain: the corrupted copy at the start round."""
    r = int(wc.round) - 1
    if r == parse_setting(wc.setting)["start"]:
        return round_file(r, wc.seed, "corrupted.parquet", wc.setting)
    return chain_file(wc.setting, r, wc.seed, "accepted.parquet")


def every_training_set(rounds=None):
    """The training parts of every round to run and every seed, in every_round's order."""
    return [training_parts(r, s) for r in (rounds if rounds is not None else rounds_to_run()) for s in SEEDS]


def every_round(name, rounds=None):
    """File `name` of every round to run and every seed, in the summary's order."""
    return [round_file(r, s, name) for r in (rounds if rounds is not None else rounds_to_run()) for s in SEEDS]


def every_noisy_round(name):
    return [round_file(r, seed, name, s) for s in NOISE_SETTINGS for r in noise_rounds(s) for seed in SEEDS]


def every_noisy_training_set():
    return [training_parts(r, seed, s) for s in NOISE_SETTINGS for r in noise_rounds(s) for seed in SEEDS]
