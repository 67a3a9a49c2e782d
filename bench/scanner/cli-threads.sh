#!/bin/sh
# `keyhaven scan --threads 1` against `--threads 2` through the built binary, interleaved, with
# /usr/bin/time (wall, user, sys, max RSS). Usage: sh bench/scanner/cli-threads.sh <tree> [rounds]
tree=${1:?tree}; rounds=${2:-5}
main=$(dirname "$0")/../../packages/cli/dist/main.js
i=0
while [ "$i" -lt "$rounds" ]; do
  for t in 1 2; do
    /usr/bin/time -f "round=$i threads=$t wall=%e user=%U sys=%S maxrss_kb=%M load=$(cut -d' ' -f1 /proc/loadavg)" \
      node "$main" scan "$tree" --no-gitignore --no-vault --no-progress --format json --threads "$t" >/dev/null 2>>/tmp/cli-threads.err
    tail -n 1 /tmp/cli-threads.err
  done
  i=$((i + 1))
done
