#!/usr/bin/env bash
# omnitest's load generator beside a Python peer, on one mock server in one run (see
# docs/PERFORMANCE.md): `omnitest bench calibrate --server-url` and GuideLLM send the same
# requests (STREAMS at a time, STREAMS x WAVES in all, TOKENS tokens each, streamed chat) to the
# same zero-latency mock, one client after the other. The mock runs alone on the last CPU, each
# client alone on the first. scripts/measure_client.py measures both the same way.
#
#   scripts/bench-load-peers.sh [STREAMS [TOKENS [WAVES]]]
#
# Needs a release build (cargo build --release; OMNITEST_BIN names the binary when it is not
# target/release/omnitest) and GuideLLM (pip install guidellm; GUIDELLM names its executable
# when it is not on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

streams=${1:-1000}
tokens=${2:-128}
waves=${3:-4}
omnitest=${OMNITEST_BIN:-target/release/omnitest}
guidellm=${GUIDELLM:-guidellm}
requests=$((streams * waves))
first_cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')
last_cpu=$(taskset -pc $$ | sed 's/.*: //; s/.*[,-]//')
work=$(mktemp -d)
trap 'kill "$mock" 2>/dev/null || true; wait "$mock" 2>/dev/null || true; rm -rf "$work"' EXIT

taskset -c "$last_cpu" "$omnitest" mock-server omnitest/calibrate --profile text --zero-latency --workers 1 \
  --mock-max-num-seqs "$streams" --port 0 --port-file "$work/url" >"$work/mock.log" 2>&1 &
mock=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(cat "$work/url")

# GuideLLM reads prompts from a file; each asks for TOKENS tokens, as omnitest's do.
python3 -c "
import json, sys
with open(sys.argv[1], 'w') as f:
    for i in range($requests):
        f.write(json.dumps({'prompt': 'benchmark prompt number %d with a few more words' % i, 'output_tokens_count': $tokens}) + '\n')
" "$work/prompts.jsonl"

echo "mock: $url on CPU $last_cpu; clients on CPU $first_cpu; $streams streams, $requests requests of $tokens tokens"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| client | wall s | requests | SSE events | client CPU s | µs CPU per event | peak PSS MiB (all processes) | peak RSS MiB (largest process) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
python3 scripts/measure_client.py "$url" "omnitest bench calibrate" -- \
  taskset -c "$first_cpu" "$omnitest" bench calibrate --server-url "$url" --backend openai-chat \
  --concurrency "$streams" --waves "$waves" --tokens "$tokens" --output-dir "$work/omnitest"
python3 scripts/measure_client.py "$url" "GuideLLM $("$guidellm" --version 2>/dev/null | awk '{print $NF}')" -- \
  taskset -c "$first_cpu" "$guidellm" run \
  --backend "kind=openai_http,target=$url,model=omnitest/calibrate,request_format=/v1/chat/completions" \
  --profile "kind=concurrent,streams=$streams" --constraint "kind=max_requests,count=$requests" \
  --data "kind=json_file,path=$work/prompts.jsonl" --output "kind=json,path=$work/guidellm.json" \
  --disable-console-interactive
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
