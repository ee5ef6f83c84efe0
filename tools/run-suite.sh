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
#   KAM_SCORING_PORT / KAM_SCORING_METRICS_PORT (50063 / 9463).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
data="${KAM_DATA:-$root/data}"
mkdir -p "$data/logs"

tools/install-deps.sh
echo "kam: building (Release)…"
tools/build.sh kam-registry kam-engagement kam-scoring kamctl

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
fi

cat <<EOT

kam is running on loopback (data in $data, logs in $data/logs):
  registry    gRPC 127.0.0.1:$registry_port    metrics http://127.0.0.1:$registry_metrics/metrics
  engagement  gRPC 127.0.0.1:$engagement_port    metrics http://127.0.0.1:$engagement_metrics/metrics
  scoring     gRPC 127.0.0.1:$scoring_port    metrics http://127.0.0.1:$scoring_metrics/metrics

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

Press Ctrl-C to stop.
EOT
wait "${pids[@]}"
