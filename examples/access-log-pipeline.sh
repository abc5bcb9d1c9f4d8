#!/usr/bin/env bash
# An access log through samsa: produce keyed by user, then a few consumer pipelines over it.
#   examples/access-log-pipeline.sh [DATA_DIR]      (default: a temp dir, removed at the end)
# SAMSA overrides the command (default: node bin/run.js, run from the repository root).
set -euo pipefail
cd "$(dirname "$0")/.."
SAMSA=${SAMSA:-node bin/run.js}
if [ $# -ge 1 ]; then DATA=$1; KEEP=1; else DATA=$(mktemp -d); KEEP=0; fi
s() { $SAMSA "$@" --data-dir "$DATA"; }
cleanup() { s daemon stop >/dev/null 2>&1 || true; [ "$KEEP" = 1 ] || rm -rf "$DATA"; }
trap cleanup EXIT

s topic create access --partitions 4 --if-not-exists

# 1. Produce: the user (3rd field) becomes the key, so one user's requests stay in order on one partition.
awk '{ print $3 "\t" $0 }' data/access.log | s produce access --key-delimiter '\t' --header source=access.log
echo "produced $(wc -l < data/access.log) lines"

# 2. Which users hit the most server errors? (status is field 9 of a combined log line)
echo "--- top users by 5xx responses"
s consume access | awk '$9 >= 500 { print $3 }' | sort | uniq -c | sort -k1,1rn -k2 | awk 'NR <= 5'

# 3. Where did each user's requests go? key, partition and offset per record, kcat-style. grep -m 3
#    closes the pipe early: samsa exits 0 quietly, as cat would.
echo "--- first records of user010, with partition and offset"
s consume access --format '%k p%p@%o %s\n' | grep -m 3 '^user010 '

# 4. The application log of the same requests, timestamped from its own "ts" field, merged back across
#    partitions into time order: the last 2 records of each partition.
s topic create app --partitions 4 --config retention.ms=-1 --if-not-exists # keep the sample's past timestamps
s produce app --file data/app.jsonl --key-field user --timestamp-field ts
echo "--- app log: the last 2 records of each partition, merged by time"
s consume app --from -2 --merge-by-time --format '%T{iso} p%p %k\n'

# 5. A consumer group: each run starts at the group's committed offsets and commits what it printed.
#    (Members running at the same time are not yet given separate partitions: see the README.)
echo "--- group 'reporting': each run continues where the last one stopped"
G1=$(s consume access --group reporting --count 1000 | md5sum)
N2=$(s consume access --group reporting --count 1000 | wc -l)
N3=$(s consume access --group reporting | wc -l)
echo "runs read 1000, $N2 and $N3 more records (3000 in all); a fourth run finds nothing new: $(s consume access --group reporting | wc -l)"
