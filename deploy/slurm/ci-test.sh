#!/usr/bin/env bash
# The Slurm recipe (deploy/slurm/) on a real single-node Slurm cluster.
#
# Installs Slurm and MUNGE from Debian's packages, starts munged, slurmctld and slurmd for
# this machine alone (2 CPUs), submits a shipped Chongqing sweep as a job array of 3
# shards with submit.sh / sweep.sbatch, cancels one shard task part-way (scancel) and
# re-queues it (scontrol requeue) so that it resumes, lets the dependent merge job run,
# and checks that the merged tables are byte for byte those of an unsharded
# `corridor batch`. Every wait is bounded; on failure the daemons' and jobs' logs are
# printed. Whatever happens, the jobs are cancelled and the daemons stopped on exit.
#
# Skips (exit 0, with a message saying so) only when the packages cannot be installed.
# Run as root from anywhere:  deploy/slurm/ci-test.sh
# Environment: CORRIDOR_BIN (default: target/release/corridor, built if absent),
# CORRIDOR_SLURM_STATE (default: /tmp/corridor-slurm-ci; emptied at the start).
set -euo pipefail

started=$SECONDS
repo=$(cd "$(dirname "$0")/../.." && pwd)
state=${CORRIDOR_SLURM_STATE:-/tmp/corridor-slurm-ci}
sweep=scenarios/chongqing/sweeps/china-europe-customs.toml
shards=3
victim=1 # the shard task that is cancelled part-way and re-queued
packages=(slurmctld slurmd slurm-client munge)

say() { echo "slurm-ci: $*" >&2; }
elapsed() { echo "$((SECONDS - started)) s"; }
skip() {
  say "SKIPPED: $* — the Slurm recipe was NOT tested ($(elapsed))"
  exit 0
}

# ---------------------------------------------------------------- packages
have_slurm() {
  command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged
} >/dev/null 2>&1

if ! have_slurm; then
  if [ "$(id -u)" != 0 ]; then
    skip "Slurm is not installed and installing it (${packages[*]}) needs root"
  fi
  # Install without letting the packages start their services: this script starts its
  # own, configured for this test, and must leave nothing running.
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  say "installing ${packages[*]} from Debian's packages"
  installed=1
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${packages[@]}"; } >"/tmp/slurm-ci-apt.log" 2>&1; then
    installed=
  fi
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  if [ -z "$installed" ] || ! have_slurm; then
    tail -n 20 /tmp/slurm-ci-apt.log >&2 || true
    skip "the packages ${packages[*]} could not be installed (log above)"
  fi
fi
if [ "$(id -u)" != 0 ]; then
  skip "slurmd must run as root to start jobs, and this is not root"
fi
say "$(slurmctld -V), munge $(dpkg-query -W -f='${Version}' munge 2>/dev/null || echo '?')"

corridor=${CORRIDOR_BIN:-$repo/target/release/corridor}
if [ ! -x "$corridor" ]; then
  say "building $corridor"
  (cd "$repo" && cargo build --locked --release --quiet)
fi

# ---------------------------------------------------------------- daemons
# A process recorded in a pid file of ours, if it still runs the program we started.
pid_of() { # FILE PROGRAM
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}

stop() { # FILE PROGRAM
  local pid i
  pid=$(pid_of "$1" "$2") || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 100); do
    [ -d "/proc/$pid" ] || return 0
    sleep 0.1
  done
  say "$2 ($pid) did not stop in 10 s; killing it"
  kill -9 "$pid" 2>/dev/null || true
}

stop_all() {
  if [ -f "$state/slurm.conf" ] && pid_of "$state/slurmctld.pid" slurmctld >/dev/null; then
    local jobs i
    jobs=$(SLURM_CONF=$state/slurm.conf squeue -h -o %i 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      SLURM_CONF=$state/slurm.conf scancel $jobs 2>/dev/null || true
      for i in $(seq 60); do
        [ -z "$(SLURM_CONF=$state/slurm.conf squeue -h -o %i 2>/dev/null)" ] && break
        sleep 0.5
      done
    fi
  fi
  stop "$state/slurmd.pid" slurmd
  stop "$state/slurmctld.pid" slurmctld
  stop "$state/munged.pid" munged
}

show_logs() {
  local f
  for f in "$state"/log/*.log "$state"/out/logs/*.out; do
    [ -f "$f" ] || continue
    echo "----- $f (last 40 lines)" >&2
    tail -n 40 "$f" >&2
  done
  if [ -f "$state/slurm.conf" ]; then
    echo "----- squeue / sinfo" >&2
    SLURM_CONF=$state/slurm.conf squeue -a 2>&1 | head -20 >&2 || true
    SLURM_CONF=$state/slurm.conf sinfo -N -l 2>&1 | head -10 >&2 || true
  fi
}

on_exit() {
  local rc=$?
  trap - EXIT
  if [ "$rc" != 0 ]; then
    say "FAILED (exit $rc) after $(elapsed); logs follow"
    show_logs
  fi
  stop_all
  say "wall time $(elapsed), daemons stopped"
  exit "$rc"
}

fail() {
  say "FAIL: $*"
  exit 1
}

# Polls COMMAND every 0.2 s until it succeeds; fails after SECONDS.
wait_for() { # SECONDS WHAT COMMAND...
  local limit=$1 what=$2 t0=$SECONDS
  shift 2
  until "$@"; do
    if ((SECONDS - t0 >= limit)); then
      fail "timed out after $limit s waiting for $what"
    fi
    sleep 0.2
  done
}

# A previous run's daemons (if it was killed before its cleanup) and state go first.
stop_all
rm -rf "$state"
trap on_exit EXIT
trap 'exit 130' INT TERM
mkdir -p "$state"/{munge,munge-key,ctld,spool,log,work}
chmod 755 "$state"
export SLURM_CONF=$state/slurm.conf

host=$(hostname -s 2>/dev/null || uname -n)
say "configuring a one-node cluster: node $host (127.0.0.1), 2 CPUs; state in $state"

# munged wants its key private and its socket's directory open to all.
chown munge:munge "$state/munge" "$state/munge-key"
chmod 755 "$state/munge"
chmod 700 "$state/munge-key"
dd if=/dev/urandom of="$state/munge-key/munge.key" bs=1024 count=1 status=none
chown munge:munge "$state/munge-key/munge.key"
chmod 400 "$state/munge-key/munge.key"
runuser -u munge -- munged \
  --key-file="$state/munge-key/munge.key" --socket="$state/munge/munge.socket" \
  --pid-file="$state/munge/munged.pid" --seed-file="$state/munge/munged.seed" \
  --log-file="$state/munge/munged.log"
ln -sf "$state/munge/munged.pid" "$state/munged.pid"
ln -sf "$state/munge/munged.log" "$state/log/munged.log"

cat >"$SLURM_CONF" <<CONF
# Generated by deploy/slurm/ci-test.sh: this machine alone, for one test run.
ClusterName=corridor-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
# A re-queued job waits cred_expire seconds before it starts again (default 120).
AuthInfo=socket=$state/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=3600
KillWait=5
InactiveLimit=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

node_idle() { sinfo -h -N -o %t 2>/dev/null | grep -qx idle; }
wait_for 60 "node $host to be idle" node_idle
say "cluster up: $(sinfo -h -N -o '%N %t %c CPUs') ($(elapsed))"

# ---------------------------------------------------------------- the test
cd "$repo"
work=$state/work
out=$state/out
export CORRIDOR_BIN=$corridor

job_field() { # JOB FIELD
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
job_is() { [ "$(job_field "$1" JobState)" = "$2" ]; }
committed() { find "$out/shard-$victim/variants" -name done.json 2>/dev/null | wc -l; }
some_committed() { [ "$(committed)" -ge 1 ]; }

say "reference: unsharded corridor batch of $sweep"
"$corridor" batch "$sweep" --threads 2 --quiet --out "$work/reference"
variants=$(($(wc -l <"$work/reference/variants.csv") - 1))
in_victim=$(((variants + shards - 1 - victim) / shards)) # positions i with i mod shards = victim

say "submitting $sweep as $shards shards with deploy/slurm/submit.sh"
read -r array merge < <(deploy/slurm/submit.sh "$sweep" "$out" "$shards" \
  --cpus-per-task=1 --time=00:10:00)
say "array job $array, merge job $merge"

wait_for 120 "shard $victim to commit its first variant" some_committed
scancel "${array}_$victim"
wait_for 60 "task ${array}_$victim to be cancelled" job_is "${array}_$victim" CANCELLED
at_cancel=$(committed)
say "scancel ${array}_$victim: cancelled with $at_cancel of its $in_victim variants committed"
[ ! -e "$out/shard-$victim/manifest.json" ] ||
  fail "shard $victim finished before scancel reached it; nothing was interrupted"
[ "$(committed)" -lt "$in_victim" ] || fail "shard $victim had committed all its variants"

for k in $(seq 0 $((shards - 1))); do
  [ "$k" = "$victim" ] && continue
  wait_for 240 "task ${array}_$k to complete" job_is "${array}_$k" COMPLETED
done
# The cancelled shard fails the merge job's afterok: it stays pending, and once Slurm has
# seen the failure (DependencyNeverSatisfied) it no longer looks at the array again.
never_satisfied() { [ "$(job_field "$merge" Reason)" = DependencyNeverSatisfied ]; }
wait_for 120 "merge job $merge to see the failed dependency" never_satisfied
job_is "$merge" PENDING || fail "the merge job ran although shard $victim was cancelled"
say "merge job $merge: $(job_field "$merge" JobState), $(job_field "$merge" Reason)"

scontrol requeue "${array}_$victim"
say "scontrol requeue ${array}_$victim"
wait_for 240 "re-queued task ${array}_$victim to complete" job_is "${array}_$victim" COMPLETED
grep -q "($at_cancel already committed" "$out/logs/shard-$victim.out" ||
  fail "the re-queued task did not resume from the $at_cancel committed variants"
say "merge job $merge: $(job_field "$merge" JobState), $(job_field "$merge" Reason)"

# Every shard has now finished well, but an afterok on the whole array stays failed after
# a re-queue: the merge job's dependency is set anew on the re-run task (the README's
# recovery step), and it runs.
scontrol update JobId="$merge" Dependency="afterok:${array}_$victim"
say "scontrol update JobId=$merge Dependency=afterok:${array}_$victim"
wait_for 120 "merge job $merge to complete" job_is "$merge" COMPLETED

echo "----- array tasks" >&2
for k in $(seq 0 $((shards - 1))); do
  echo "${array}_$k $(job_field "${array}_$k" JobState) restarts=$(job_field "${array}_$k" Restarts)" >&2
done
echo "$merge $(job_field "$merge" JobState) (merge)" >&2
echo "----- task logs" >&2
cat "$out"/logs/shard-*.out "$out/logs/merge.out" >&2

# Every table, the combined ones and each variant's, byte for byte.
(cd "$work/reference" && find . -name '*.csv' | sort) >"$work/reference.list"
(cd "$out/all" && find . -name '*.csv' | sort) >"$work/merged.list"
diff -u "$work/reference.list" "$work/merged.list" >&2 ||
  fail "the merged directory holds other tables than the unsharded run"
n=0
while read -r f; do
  cmp "$work/reference/$f" "$out/all/$f" >&2 || fail "$f differs from the unsharded run"
  n=$((n + 1))
done <"$work/reference.list"
[ "$n" -ge 60 ] || fail "only $n tables compared"
say "byte-identical: $n CSV files of the merged $shards-shard Slurm run (shard $victim" \
  "cancelled with $at_cancel of $in_victim variants committed, re-queued, resumed)" \
  "equal the unsharded run's"
(cd "$out/all" && sha256sum ./*.csv) >&2
say "PASSED in $(elapsed)"
