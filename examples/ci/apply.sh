#!/bin/sh
# Apply exactly the plan reviewed on the pull request ($PROVISIONER_OUT/plan.json, fetched from
# the plan job). `apply PLANFILE` refuses a plan that is stale (the configuration, the state or
# a live campaign changed since it was made): that pull request is then planned and reviewed again.
# The commit and CI run are taken from the CI's own variables (GITHUB_SHA/GITHUB_RUN_ID,
# CI_COMMIT_SHA/CI_PIPELINE_ID); nothing needs exporting here.
set -eu
out=${PROVISIONER_OUT:-provisioner-out}
if [ ! -f "$out/plan.json" ]; then
    echo "provisioner: no reviewed plan at $out/plan.json; nothing is applied" >&2
    exit 1
fi
exec provisioner apply "$out/plan.json" --lock-timeout "${PROVISIONER_LOCK_TIMEOUT:-900}"
