#!/usr/bin/env bash
# Copy a topic exactly — keys, binary values, null tombstones, headers, timestamps and partitions — with
# the lossless JSON Lines envelope: samsa consume a --jsonl | samsa produce b --jsonl
#   examples/topic-copy.sh [DATA_DIR]      (default: a temp dir, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
SAMSA=${SAMSA:-node bin/run.js}
if [ $# -ge 1 ]; then DATA=$1; KEEP=1; else DATA=$(mktemp -d); KEEP=0; fi
s() { $SAMSA "$@" --data-dir "$DATA"; }
cleanup() { s daemon stop >/dev/null 2>&1 || true; [ "$KEEP" = 1 ] || rm -rf "$DATA"; }
trap cleanup EXIT

# retention.ms=-1: the sample lines carry their own (past) timestamps; keep them however old they get
s topic create events --partitions 3 --config retention.ms=-1 --if-not-exists
s topic create events-copy --partitions 3 --config retention.ms=-1 --if-not-exists

# Source data: app log lines keyed by user, with their own timestamps, plus a tombstone and a binary value.
s produce events --file data/app.jsonl --key-field user --timestamp-field ts
printf '%s\n' \
  '{"key":"user010","value":null}' \
  '{"key":{"base64":"AAEC/w=="},"value":{"base64":"3q2+7w=="},"headers":[{"key":"trace","value":{"base64":"/w=="}}]}' |
  s produce events --jsonl

# The copy.
s consume events --jsonl | s produce events-copy --jsonl

# Same records at the same partitions and offsets? Compare the envelopes without the topic name.
strip() { sed 's/^{"topic":"[^"]*",//'; }
if diff <(s consume events --jsonl | strip) <(s consume events-copy --jsonl | strip) >/dev/null; then
  echo "events-copy is identical to events ($(s consume events --jsonl | wc -l) records)"
else
  echo "the copy differs" >&2
  exit 1
fi
s consume events-copy --jsonl --from -1 --partition 0 --partition 1 --partition 2 | tail -2
