#!/bin/sh
# Plan a pull request; GitHub Actions and GitLab CI run this same script (and so do the tests).
# Writes $PROVISIONER_OUT/plan.json (the plan applied after merge, exactly), plan.md (the comment
# reviewers read) and plan.exitcode. Exits 0 when `plan --detailed-exitcode` says 0 (no changes)
# or 2 (changes), 3 when a budget policy blocks the plan, 1 on an error. The comment is posted for
# 2 and 3 alike (plan.md exists); the CI job then fails on 3. PROVISIONER_PLAN_URL, where the CI
# keeps the saved plan (its artifact), is linked from the comment, which names it when it leaves
# campaigns out to stay under GitHub's comment limit.
set -u
workspace=${PROVISIONER_WORKSPACE:-campaigns}
out=${PROVISIONER_OUT:-provisioner-out}
mkdir -p "$out"
rm -f "$out/plan.json" "$out/plan.md" "$out/plan.exitcode"

code=0
provisioner plan "$workspace" --out "$out/plan.json" --format markdown --detailed-exitcode \
    ${PROVISIONER_PLAN_URL:+--full-plan-url "$PROVISIONER_PLAN_URL"} > "$out/plan.partial.md" || code=$?
echo "$code" > "$out/plan.exitcode"
case $code in
    0 | 2 | 3) mv "$out/plan.partial.md" "$out/plan.md" ;;
    *) rm -f "$out/plan.partial.md"; exit "$code" ;;   # no plan: nothing to post
esac
cat "$out/plan.md"
if [ "$code" = 3 ]; then
    echo "provisioner: a budget policy blocks this plan (exit 3); it cannot be applied as it is" >&2
    exit 3
fi
exit 0
