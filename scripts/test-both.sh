#!/usr/bin/env bash
# Run the whole suite on SQLite and on PostgreSQL at the same time, each pass split over
# XGM_TEST_WORKERS pytest-xdist workers (default 2: the tests wait on real processes, browsers
# and sockets much of the time), each worker on its own database and its own Redis database.
# Print both reports and a combined total.
# XGM_TEST_REDIS_DBS="15,13 14,12" picks the Redis databases of the SQLite and PostgreSQL
# workers (one per worker; several checkouts side by side need disjoint sets).
set -u
cd "$(dirname "$0")/.."
workers=${XGM_TEST_WORKERS:-2}
read -r redis_sqlite redis_pg <<<"${XGM_TEST_REDIS_DBS:-15,13 14,12}"
for dbs in "$redis_sqlite" "$redis_pg"; do
  if [ "$(tr ',' '\n' <<<"$dbs" | wc -l)" -lt "$workers" ]; then
    echo "XGM_TEST_REDIS_DBS: '$dbs' names fewer Redis databases than $workers workers" >&2
    exit 2
  fi
done
parallel=()
[ "$workers" -gt 1 ] && parallel=(-n "$workers" --dist loadfile)
logs=$(mktemp -d)
XGM_TEST_DB=sqlite XGM_TEST_REDIS_DB=$redis_sqlite .venv/bin/pytest -q -p no:cacheprovider "${parallel[@]}" "$@" >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
XGM_TEST_DB=postgresql XGM_TEST_REDIS_DB=$redis_pg .venv/bin/pytest -q -p no:cacheprovider "${parallel[@]}" "$@" >"$logs/postgresql.log" 2>&1 &
pg_pid=$!
wait $sqlite_pid; sqlite_rc=$?
wait $pg_pid; pg_rc=$?
passed=0; failed=0
for db in sqlite postgresql; do
  echo "===================== $db ====================="
  cat "$logs/$db.log"
  summary=$(grep -E '^=*\s*[0-9]+ (passed|failed)|^[0-9]+ (passed|failed)' "$logs/$db.log" | tail -1)
  p=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  f=$(grep -oE '[0-9]+ (failed|error|errors)' <<<"$summary" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
rm -rf "$logs"
echo "sqlite exit $sqlite_rc, postgresql exit $pg_rc"
echo "total: $passed passed, $failed failed"
[ "$sqlite_rc" = 0 ] && [ "$pg_rc" = 0 ]
