# What produced results/<experiment>/: the config, the code's commit, the library versions.


rule provenance:
    output:
        f"{RESULTS}/provenance.yaml",
    log:
        log_file("provenance"),
    localrule: True
    conda:
        f"../envs/{ENV_FILE}"
    threads: 1
    resources:
        **DATA_JOB,
    params:
        config=without_scheduling(config),  # threads and resources re-run nothing
        # Functions, so that only a plan with this job in it asks git and the installed libraries:
        # a cluster job's own parse (one job's plan) runs no subprocess.
        versions=lambda wc: library_versions(),
        commit=lambda wc: git_commit(workflow.basedir),
    script:
        "../workflow_scripts/common/provenance.py"
