# Every file of a sweep, named once: per variant (a combination of axis values) and seed,
#   results/<experiment>/<axis>=<value>/.../{eval_prompts,valid_prompts,dataset}.parquet   (shared by variants with the same data)
#   results/<experiment>/<axis>=<value>/.../seed<s>/{model.pt, train_log.parquet, eval.parquet}
#   results/<experiment>/summary/accuracy.parquet, plots/<figure>.png


wildcard_constraints:
    variant="|".join(re.escape(v) for v in VARIANTS),
    figure="|".join(re.escape(f) for f in FIGURES) or "(?!)",


VARIANT = f"{RESULTS}/{{variant}}"
VARIANT_LOG = f"{RESULTS}/logs/{{variant}}"


def variant_data(name):
    """Input function: the variant's (shared) data file `name`."""
    return lambda wildcards: f"{RESULTS}/{data_owner(wildcards.variant)}/{name}"


def variant_validation(wildcards):
    """The variant's validation split when it selects its best checkpoint, else nothing."""
    return variant_data("valid_prompts.parquet")(wildcards) if "select_best" in variant_config(wildcards)["train"] else []


def every_variant(name):
    """`name` (a file under each seed's directory) of every variant and seed."""
    return [f"{RESULTS}/{v}/seed{s}/{name}" for v in VARIANTS for s in SEEDS]


def every_variant_dataset():
    return [f"{RESULTS}/{data_owner(v)}/dataset.parquet" for v in VARIANTS for s in SEEDS]


def variant_group(wildcards):
    """Cluster job group (rules/common.smk): a variant's training and evaluation of one seed are one Slurm job."""
    return f"models_variant{list(VARIANTS).index(wildcards.variant)}_seed{wildcards.seed}"
