# What produced results/<experiment>/: the config, the code's commit, the library versions.


rule provenance:
    output:
        f"{RESULTS}/provenance.yaml",
    log:
        log_file("provenance"),
    conda:
        f"../envs/{ENV_FILE}"
    threads: 1
    resources:
        **DATA_JOB,
    params:
        config=config,
        versions=library_versions(),
        commit=git_commit(workflow.basedir),
    script:
        "../workflow_scripts/common/provenance.py"
