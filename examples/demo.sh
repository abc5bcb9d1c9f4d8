#!/usr/bin/env bash
# `npm run demo`: samsa's main job, end to end, on the default data directory ($SAMSA_DATA_DIR, else
# $XDG_DATA_HOME/samsa). The first command starts the daemon (it says so on stderr) and leaves it running.
#   1. JSON app-log lines in, keyed by user (each user's lines stay in order on one partition)
#   2. a consumer group "demo-alerts" picks out the errors, committing what it read
#   3. more lines arrive; the group's second run reads only those
#   4. the topic, and an offline check of every segment
set -euo pipefail
cd "$(dirname "$0")/.."
samsa() { node bin/run.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
TOPIC=demo-logs

step "samsa topic create $TOPIC --partitions 3 --config retention.ms=-1"
# retention.ms=-1: the sample lines carry their own (past) timestamps; keep them however old they get
samsa topic create "$TOPIC" --partitions 3 --config retention.ms=-1 --if-not-exists >/dev/null
samsa topic describe "$TOPIC" | head -8

half=$(( $(wc -l < data/app.jsonl) / 2 ))
step "head -$half data/app.jsonl | samsa produce $TOPIC --key-field user --timestamp-field ts"
head -"$half" data/app.jsonl | samsa produce "$TOPIC" --key-field user --timestamp-field ts
echo "produced $half lines"

step "samsa consume $TOPIC --group demo-alerts | grep '\"level\":\"ERROR\"' | head -3"
samsa consume "$TOPIC" --group demo-alerts > /tmp/samsa-demo.$$
grep -m 3 '"level":"ERROR"' /tmp/samsa-demo.$$
echo "the group read $(wc -l < /tmp/samsa-demo.$$) records, $(grep -c '"level":"ERROR"' /tmp/samsa-demo.$$) of them errors"

step "tail -n +$((half + 1)) data/app.jsonl | samsa produce $TOPIC --key-field user --timestamp-field ts"
tail -n +"$((half + 1))" data/app.jsonl | samsa produce "$TOPIC" --key-field user --timestamp-field ts
echo "produced $(( $(wc -l < data/app.jsonl) - half )) more lines"

step "samsa consume $TOPIC --group demo-alerts   (continues where the group left off)"
samsa consume "$TOPIC" --group demo-alerts > /tmp/samsa-demo.$$
echo "the group's second run read $(wc -l < /tmp/samsa-demo.$$) new records"
rm -f /tmp/samsa-demo.$$

step "samsa consume $TOPIC --from -1 --format '%p %o %k %T{iso}\n'   (the last record of each partition)"
samsa consume "$TOPIC" --from -1 --format '%p %o %k %T{iso}\n'

step "samsa topic list"
samsa topic list

step "samsa log verify   (offline: every batch, CRC and index entry)"
samsa log verify

printf '\nThe daemon keeps running (samsa daemon status); stop it with: node bin/run.js daemon stop\n'
