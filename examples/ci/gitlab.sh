#!/bin/sh
# The GitLab side of the recipe, with curl and python3 (both in the python:3 image) and the REST API.
# GITLAB_TOKEN: a project access token with the `api` scope, as a masked CI/CD variable (the job
# token may not write merge request notes).
#   gitlab.sh comment FILE   post FILE as the merge request's plan note, or update it in place:
#                            one note per merge request, found by its hidden marker
#   gitlab.sh fetch-plan     after a merge, download the plan job's artifacts of the merged
#                            merge request's pipeline (ref refs/merge-requests/IID/head)
set -eu
marker='<!-- provisioner-plan -->'
api="${CI_API_V4_URL:?}/projects/${CI_PROJECT_ID:?}"
auth="PRIVATE-TOKEN: ${GITLAB_TOKEN:?set GITLAB_TOKEN (project access token, api scope)}"
out=${PROVISIONER_OUT:-provisioner-out}

comment() {
    notes="$api/merge_requests/${CI_MERGE_REQUEST_IID:?}/notes"
    body=$(mktemp)
    python3 -c 'import json, sys; print(json.dumps({"body": sys.argv[1] + "\n" + open(sys.argv[2]).read()}))' \
        "$marker" "$1" > "$body"
    existing=$(curl -fsS -H "$auth" "$notes?per_page=100&sort=asc" | python3 -c \
        'import json, sys; print(next((str(n["id"]) for n in json.load(sys.stdin) if n["body"].startswith(sys.argv[1])), ""))' \
        "$marker")
    if [ -n "$existing" ]; then
        curl -fsS -X PUT -H "$auth" -H "Content-Type: application/json" --data "@$body" "$notes/$existing" > /dev/null
        echo "updated the plan note $existing on merge request $CI_MERGE_REQUEST_IID"
    else
        curl -fsS -X POST -H "$auth" -H "Content-Type: application/json" --data "@$body" "$notes" > /dev/null
        echo "posted the plan note on merge request $CI_MERGE_REQUEST_IID"
    fi
    rm -f "$body"
}

fetch_plan() {
    iid=$(curl -fsS -H "$auth" "$api/repository/commits/${CI_COMMIT_SHA:?}/merge_requests" | python3 -c \
        'import json, sys; print(next((str(m["iid"]) for m in json.load(sys.stdin) if m["state"] == "merged"), ""))')
    if [ -z "$iid" ]; then
        echo "provisioner: $CI_COMMIT_SHA is not the merge of a merge request: no reviewed plan to apply" >&2
        exit 1
    fi
    curl -fsS -L -H "$auth" -o plan-artifacts.zip \
        "$api/jobs/artifacts/refs%2Fmerge-requests%2F$iid%2Fhead/download?job=plan"
    python3 -m zipfile -e plan-artifacts.zip .   # holds $out/plan.json, as the plan job saved it
    rm -f plan-artifacts.zip
    echo "fetched the plan of merge request !$iid into $out"
}

case ${1:-} in
    comment) comment "${2:?usage: gitlab.sh comment FILE}" ;;
    fetch-plan) fetch_plan ;;
    *) echo "usage: gitlab.sh comment FILE | gitlab.sh fetch-plan" >&2; exit 1 ;;
esac
