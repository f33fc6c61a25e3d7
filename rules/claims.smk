# The paper's claim an experiment tests (config `claim:`, selfimprove/claims/): its verdict from the summary
# tables, as JSON. The rule never fails on a FAIL: `python -m selfimprove.claims results/<experiment>` does.


rule check_claim:
    input:
        tables=CLAIM_TABLES,
        provenance=rules.provenance.output[0],
    output:
        summary_file("claim", "json"),
    log:
        log_file("check_claim"),
    localrule: True
    conda:
        f"../envs/{ENV_FILE}"
    threads: 1
    resources:
        **DATA_JOB,
    params:
        claim=config.get("claim"),
        results=lambda wc, input: str(Path(input.provenance).parent),  # results/<experiment>
    script:
        "../workflow_scripts/common/check_claim.py"
