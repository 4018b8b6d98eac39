#!/bin/bash
# bench/rush_series.sh DATABASE_URL NAME RUNS [registration_rush.py flags...]
# Starts the server of `make run` on :8100 against DATABASE_URL (no demo content), then
# RUNS rushes on a fresh 500-seat ceremony each, printing the load average and each
# run's final JSON line; stops the server. Benchmark databases only (bench_ceremony
# resets its ceremony; --staff-edits creates a superuser). Docs: docs/benchmarks.md.
set -u
cd "$(dirname "$0")/.."
URL=$1; NAME=$2; RUNS=$3; shift 3
pkill -f "liberation.run" ; sleep 1  # a server left by an earlier series
PORT=8100 DATABASE_URL=$URL REGISTRATION_RATE_LIMIT=0 DEMO_CONTENT=false setsid .venv/bin/python -m liberation.run > /tmp/rush-server-$NAME.log 2>&1 &
for i in $(seq 60); do curl -s -o /dev/null http://127.0.0.1:8100/fr/ && break; sleep 2; done
export DJANGO_SETTINGS_MODULE=liberation.settings.production DATABASE_URL=$URL
for r in $(seq $RUNS); do
  ID=$(.venv/bin/python manage.py bench_ceremony --capacity 500)
  echo "== $NAME run $r load $(cut -d' ' -f1-3 /proc/loadavg) $*"
  .venv/bin/python bench/registration_rush.py --base http://127.0.0.1:8100 --ceremony $ID "$@" 2>&1 | tail -1
done
pkill -f "liberation.run"; sleep 2
