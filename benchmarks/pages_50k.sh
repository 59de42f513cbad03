#!/bin/bash
# The 50k page build: this branch against a base commit checked out in $BASE (git archive <commit> | tar -x -C $BASE),
# on a synthetic vault of 50,000 normalised notes (python -m benchmarks.synth --notes 50000 --seed 1 --out /tmp/syn50k --normalised;
# vaulttool init /tmp/syn50k). Each page build runs after rm -rf _index, as a whole process under /usr/bin/time.
V=/tmp/syn50k
BASE=${BASE:-/tmp/base_code}
NEW=$(cd "$(dirname "$0")/.." && pwd)
PY=$NEW/.venv/bin/python
T() { label=$1; dir=$2; shift 2; (cd $dir && /usr/bin/time -f "$label: %e s wall, %U+%S s cpu, %M KB max RSS" nice -n 10 $PY -m vaulttool --vault $V reindex "$@" 2>&1 | grep -v "^failed:" | tail -2); }
T "base cold reindex (index + pages)" $BASE
rm -rf $V/_index; T "base page build (pages folder deleted)" $BASE
rm -rf $V/_index; T "new page build, obsidian (pages folder deleted)" $NEW
find $V/_index -type f | wc -l; du -sb $V/_index
rm -rf $V/_index; printf 'page_style = "portable"\n' > $V/.vaulttool/config.toml; T "new page build, portable (pages folder deleted)" $NEW
find $V/_index -type f | wc -l; du -sb $V/_index
rm -f $V/.vaulttool/config.toml
rm -rf $V/_index; T "base page build again (pages folder deleted)" $BASE
rm -rf $V/_index; T "new page build again, obsidian (pages folder deleted)" $NEW
