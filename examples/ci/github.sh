#!/bin/sh
# The GitHub side of the recipe, with the `gh` CLI that GitHub's runners have (GH_TOKEN set):
#   github.sh comment FILE   post FILE as the pull request's plan comment, or update it in place:
#                            one comment per pull request, found by its hidden marker
#   github.sh fetch-plan     after a merge, download the plan artifact of the pull request's last
#                            successful plan run into $PROVISIONER_OUT
set -eu
marker='<!-- provisioner-plan -->'
repo=${GITHUB_REPOSITORY:?}
out=${PROVISIONER_OUT:-provisioner-out}

comment() {
    pr=${PR_NUMBER:?set PR_NUMBER to the pull request number}
    body=$(mktemp)
    { echo "$marker"; cat "$1"; } > "$body"
    existing=$(gh api --paginate "repos/$repo/issues/$pr/comments" \
        --jq ".[] | select(.user.type == \"Bot\" and (.body | startswith(\"$marker\"))) | .id" | head -n 1)
    if [ -n "$existing" ]; then
        gh api --method PATCH "repos/$repo/issues/comments/$existing" -F "body=@$body" > /dev/null
        echo "updated the plan comment $existing on pull request $pr"
    else
        gh api --method POST "repos/$repo/issues/$pr/comments" -F "body=@$body" > /dev/null
        echo "posted the plan comment on pull request $pr"
    fi
    rm -f "$body"
}

fetch_plan() {
    sha=${GITHUB_SHA:?}
    head=$(gh api "repos/$repo/commits/$sha/pulls" --jq '[.[] | select(.merged_at != null)][0].head.sha // ""')
    if [ -z "$head" ]; then
        echo "provisioner: $sha is not the merge of a pull request: no reviewed plan to apply" >&2
        exit 1
    fi
    run=$(gh run list --repo "$repo" --workflow "${GITHUB_WORKFLOW:?}" --event pull_request --commit "$head" \
        --status success --limit 1 --json databaseId --jq '.[0].databaseId // ""')
    if [ -z "$run" ]; then
        echo "provisioner: no successful plan run for $head (the pull request's last commit)" >&2
        exit 1
    fi
    gh run download "$run" --repo "$repo" --name provisioner-plan --dir "$out"
    echo "fetched the plan of run $run (pull request head $head)"
}

case ${1:-} in
    comment) comment "${2:?usage: github.sh comment FILE}" ;;
    fetch-plan) fetch_plan ;;
    *) echo "usage: github.sh comment FILE | github.sh fetch-plan" >&2; exit 1 ;;
esac
