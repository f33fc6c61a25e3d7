# What produced results/<experiment>/: the config, the code's commit, the library versions.


rule provenance:
    output:
        f"{RESULTS}/provenance.yaml",
    log:
        f"{RESULTS}/logs/provenance.log",
    params:
        config=config,
        versions=library_versions(),
        commit=git_commit(workflow.basedir),
    threads: 1
    resources:
        **DATA_JOB,
    conda:
        CONDA_ENV
    script:
        "../workflow_scripts/provenance.py"
