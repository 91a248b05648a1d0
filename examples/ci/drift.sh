#!/bin/sh
# Nightly drift: compares every campaign with what was last applied. Writes the report to
# $PROVISIONER_OUT/drift.md (published as an artifact and the job summary) and prints it.
# Exits 2 when someone changed a campaign outside provisioner, so the job fails visibly; 1 on an error.
# PROVISIONER_REPORT_URL, where the CI keeps the report (its artifact), is linked from it.
set -u
workspace=${PROVISIONER_WORKSPACE:-campaigns}
out=${PROVISIONER_OUT:-provisioner-out}
mkdir -p "$out"
code=0
provisioner drift "$workspace" --format markdown --lock-timeout "${PROVISIONER_LOCK_TIMEOUT:-900}" \
    ${PROVISIONER_REPORT_URL:+--full-report-url "$PROVISIONER_REPORT_URL"} > "$out/drift.md" || code=$?
cat "$out/drift.md"
[ "$code" = 2 ] && echo "provisioner: drift found; see the report above (exit 2)" >&2
exit "$code"
