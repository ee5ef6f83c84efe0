#!/usr/bin/env bash
# Starts the kam suite on loopback with a demo portfolio:
#   installs missing dependencies, builds in Release, starts each service with
#   its RocksDB under ./data/<service>, loads the demo data (idempotently: a
#   second start updates nothing and duplicates nothing), prints the endpoints
#   and some kamctl commands, and runs until Ctrl-C, which drains and stops
#   every service cleanly.
# Environment: KAM_DATA (default ./data), KAM_NO_DEMO=1 to skip the demo,
#   KAM_REGISTRY_PORT / KAM_REGISTRY_METRICS_PORT (50061 / 9461),
#   KAM_ENGAGEMENT_PORT / KAM_ENGAGEMENT_METRICS_PORT (50062 / 9462),
#   KAM_SCORING_PORT / KAM_SCORING_METRICS_PORT (50063 / 9463),
#   KAM_PLANNING_PORT / KAM_PLANNING_METRICS_PORT (50064 / 9464).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
data="${KAM_DATA:-$root/data}"
mkdir -p "$data/logs"

tools/install-deps.sh
echo "kam: building (Release)…"
tools/build.sh kam-registry kam-engagement kam-scoring kam-planning kamctl

bin="$root/${KAM_BUILD_DIR:-build}"
kamctl="$bin/tools/kamctl/kamctl"
pids=()

stop_all() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "kam: stopping (draining in-flight calls)…"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    echo "kam: stopped; data kept in $data"
  fi
}
trap stop_all INT TERM EXIT

# start NAME BINARY GRPC_PORT METRICS_PORT [extra flags...]
start() {
  local name="$1" binary="$2" port="$3" metrics_port="$4"
  shift 4
  local port_file="$data/$name.ports"
  rm -f "$port_file"
  "$binary" --listen="127.0.0.1:$port" --metrics_listen="127.0.0.1:$metrics_port" \
    --data_dir="$data/$name" --port_file="$port_file" "$@" \
    >>"$data/logs/$name.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 100); do
    [ -s "$port_file" ] && return 0
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "kam: $name failed to start; its log ($data/logs/$name.log) ends with:" >&2
      tail -n 20 "$data/logs/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "kam: $name did not come up within 10 s; see $data/logs/$name.log" >&2
  exit 1
}

registry_port="${KAM_REGISTRY_PORT:-50061}"
registry_metrics="${KAM_REGISTRY_METRICS_PORT:-9461}"
start registry "$bin/services/registry/kam-registry" "$registry_port" "$registry_metrics"
export KAM_REGISTRY_ADDR="127.0.0.1:$registry_port"

# Engagement and scoring follow each other's feeds (scoring: engagement
# summaries; engagement: tiers); each retries until the other is up.
scoring_port="${KAM_SCORING_PORT:-50063}"
scoring_metrics="${KAM_SCORING_METRICS_PORT:-9463}"

engagement_port="${KAM_ENGAGEMENT_PORT:-50062}"
engagement_metrics="${KAM_ENGAGEMENT_METRICS_PORT:-9462}"
start engagement "$bin/services/engagement/kam-engagement" "$engagement_port" \
  "$engagement_metrics" --registry_addr="$KAM_REGISTRY_ADDR" \
  --scoring_addr="127.0.0.1:$scoring_port"
export KAM_ENGAGEMENT_ADDR="127.0.0.1:$engagement_port"

start scoring "$bin/services/scoring/kam-scoring" "$scoring_port" \
  "$scoring_metrics" --registry_addr="$KAM_REGISTRY_ADDR" \
  --engagement_addr="$KAM_ENGAGEMENT_ADDR"
export KAM_SCORING_ADDR="127.0.0.1:$scoring_port"

# Planning follows all three: accounts and contacts from the registry, tiers
# from scoring, NPS and relationship stage from engagement.
planning_port="${KAM_PLANNING_PORT:-50064}"
planning_metrics="${KAM_PLANNING_METRICS_PORT:-9464}"
start planning "$bin/services/planning/kam-planning" "$planning_port" \
  "$planning_metrics" --registry_addr="$KAM_REGISTRY_ADDR" \
  --scoring_addr="$KAM_SCORING_ADDR" --engagement_addr="$KAM_ENGAGEMENT_ADDR"
export KAM_PLANNING_ADDR="127.0.0.1:$planning_port"

# import_plan FILE creates the demo plan in FILE (a draft) and activates it.
# Planning checks the account and the participants against its copy of the
# registry, fed by the registry's change feed: until it has caught up it
# refuses with FAILED_PRECONDITION, so that is retried for up to 10 s. A
# second start finds the plan there, already active, and changes nothing.
import_plan() {
  local file="$1" name out plan_json attempt
  name="$(sed -n 's/^  "name": "\(accounts\/[^"]*\)",$/\1/p' "$file")"
  if [ -z "$name" ]; then
    echo "kam: $file has no plan name" >&2
    return 1
  fi
  if ! "$kamctl" plans get "$name" >/dev/null 2>&1; then
    for attempt in $(seq 1 50); do
      out="$("$kamctl" plans create "$file" --request_id="demo-${name//\//-}" 2>&1)" && break
      if [[ "$out" != *FAILED_PRECONDITION* ]] || [ "$attempt" = 50 ]; then
        echo "$out" >&2
        return 1
      fi
      sleep 0.2
    done
  fi
  plan_json="$("$kamctl" plans get "$name" -o json)" || return 1
  if [[ "$plan_json" == *'"status": "DRAFT"'* ]]; then
    "$kamctl" plans activate "$name" >/dev/null || return 1
  fi
}

if [ "${KAM_NO_DEMO:-0}" != "1" ]; then
  echo "kam: loading the demo portfolio (tools/demo)…"
  for kind in accounts contacts financials; do
    "$kamctl" import "$kind" "tools/demo/$kind.csv"
  done
  # Engagement validates against its copy of the registry, fed by the
  # registry's change feed: wait until it has seen the last demo contact.
  last_contact="$(tail -n 1 tools/demo/contacts.csv | cut -d, -f1,2)"
  for _ in $(seq 1 100); do
    "$kamctl" coverage "${last_contact%%,*}" 2>/dev/null |
      grep -q -- "${last_contact##*,}" && break
    sleep 0.1
  done
  "$kamctl" interactions import tools/demo/interactions.csv
  "$kamctl" surveys import tools/demo/surveys.csv
  # Scoring learns accounts from the registry's feed too: wait until it has
  # scored the last demo account before rating them.
  last_account="$(tail -n 1 tools/demo/accounts.csv | cut -d, -f1)"
  for _ in $(seq 1 100); do
    "$kamctl" score "$last_account" >/dev/null 2>&1 && break
    sleep 0.1
  done
  "$kamctl" import ratings tools/demo/ratings.csv
  # Scoring folds in engagement's summaries as engagement publishes them (and
  # engagement follows the tiers back): show the portfolio once it has stopped
  # changing, or after 10 s.
  previous=""
  for _ in $(seq 1 20); do
    current="$("$kamctl" portfolio summary -o json 2>/dev/null || true)"
    [ -n "$current" ] && [ "$current" = "$previous" ] && break
    previous="$current"
    sleep 0.5
  done
  echo
  "$kamctl" portfolio summary

  # A plan's situation snapshot (tier, score, NPS) is taken when it is
  # created, and coverage counts the key accounts as scoring's tier feed last
  # told planning: wait (up to 5 s) until planning has heard from it.
  for _ in $(seq 1 50); do
    coverage="$("$kamctl" plans coverage -o json 2>/dev/null || true)"
    [[ "$coverage" == *'"tiersKnown": true'* ]] && break
    sleep 0.1
  done
  echo
  echo "kam: loading the demo account plans (tools/demo/plans)…"
  for horizon in strategic tactical operational; do # parent plans first
    for file in tools/demo/plans/*-"$horizon".json; do
      [ -e "$file" ] || continue
      import_plan "$file" || echo "kam: could not load $file (see above)" >&2
    done
  done
  echo
  "$kamctl" plans list
  echo
  "$kamctl" plans coverage
fi

cat <<EOT

kam is running on loopback (data in $data, logs in $data/logs):
  registry    gRPC 127.0.0.1:$registry_port    metrics http://127.0.0.1:$registry_metrics/metrics
  engagement  gRPC 127.0.0.1:$engagement_port    metrics http://127.0.0.1:$engagement_metrics/metrics
  scoring     gRPC 127.0.0.1:$scoring_port    metrics http://127.0.0.1:$scoring_metrics/metrics
  planning    gRPC 127.0.0.1:$planning_port    metrics http://127.0.0.1:$planning_metrics/metrics

Try (kamctl is $kamctl):
  $kamctl health
  $kamctl accounts list
  $kamctl accounts hierarchy vestwind
  $kamctl contacts orgchart vestwind
  $kamctl financials list vestwind -o json
  $kamctl feed watch --limit 5
  $kamctl interactions list vestwind --page_size 5
  $kamctl overdue
  $kamctl coverage vestwind
  $kamctl satisfaction vestwind
  $kamctl summary vestwind
  $kamctl score goteborg-trucks
  $kamctl scores list --tier=key
  $kamctl models get -
  $kamctl abc
  $kamctl portfolio matrix
  $kamctl tier history wroclaw-bus
  $kamctl tiers watch --limit 5
  $kamctl plans list vestwind
  $kamctl plans get vestwind/operational-2026-2027
  $kamctl plans overdue-actions
  $kamctl plans due-for-review --within_days=120
  $kamctl plans export vestwind/operational-2026-2027 --out=-

Press Ctrl-C to stop.
EOT
wait "${pids[@]}"
