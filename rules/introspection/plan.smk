# Recursive introspection: its checks (selfimprove/introspection/checks.py) and its rules' params.

from selfimprove.introspection.checks import check_introspection

PLAN = check_introspection(config)
INTROSPECTION = config["introspection"]
ENVIRONMENT = PLAN.environment
ITERATIONS = PLAN.iterations
ARMS = PLAN.arms
STAGES = PLAN.stages
CONTEXT_WINDOW = INTROSPECTION.get("context_window", 2)
FIGURES = ["accuracy_by_turn", "transitions"]


def environment_params():
    """Exactly what an environment is built from (environments.make_environment), as one param: a
    change to anything else (iterations, evaluation turns, ...) must not re-run what it does not touch."""
    params = {
        "task": config["task"],
        "task_options": config.get("task_options", {}),
        "introspection": {},
        "data": {k: config["data"][k] for k in ("base_difficulty", "eval_difficulties")},
    }
    if "environment" in INTROSPECTION:
        params["introspection"]["environment"] = INTROSPECTION["environment"]
    return params


def eval_problem_count():
    """data.eval_examples per evaluated difficulty of a task; the first eval_examples test problems of a file."""
    if ENVIRONMENT.kind == "jsonl":
        return config["data"]["eval_examples"]
    return config["data"]["eval_examples"] * len(ENVIRONMENT.cells)


def finetune_schedule():
    return {**optimizer_params(config["train"]), **lr_schedule(INTROSPECTION["finetune"])}


def stage_keys():
    """{seed, arm, iteration} of every evaluation, in the order of the summary's inputs."""
    return [{"seed": s, "arm": arm, "iteration": i} for s in SEEDS for arm in ARMS for i in [0, *ITERATIONS]]  # 0: the base model
