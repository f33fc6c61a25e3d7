#!/usr/bin/env bash
# Stop the daemons tests/slurm/up.sh started, newest first, each by the pid in its pid file:
# SIGTERM, then SIGKILL after a grace period. Nothing to do when none runs.
GRACE=${SLURM_DOWN_GRACE:-10}   # seconds

# Alive and not a zombie (PID 1 here reaps orphans only every few seconds).
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# stop PIDFILE NAME: the process must still be NAME (a stale pid file never kills another process).
stop() {
  local file=$1 name=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 $((GRACE * 10))); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      kill -9 "$pid" 2>/dev/null
      echo "killed $name ($pid) after ${GRACE}s"
    else
      echo "stopped $name ($pid)"
    fi
  fi
  rm -f "$file"
}

stop /run/slurmd.pid slurmd
stop /run/slurmctld.pid slurmctld
stop /run/slurmdbd.pid slurmdbd
stop /run/mysqld/mysqld.pid mariadbd
stop /run/munge/munged.pid munged

# Remove the configuration up.sh wrote (and put back what it set aside): with a slurm.conf but
# no controller, every Slurm command waits ~10 s for one, and so does every `snakemake` start,
# whose Slurm plugin asks `scontrol show config` when it loads.
MARK="# written by selfimprove tests/slurm/up.sh; removed by tests/slurm/down.sh"
for conf in /etc/slurm/slurm.conf /etc/slurm/gres.conf /etc/slurm/slurmdbd.conf; do
  if [ -e "$conf" ] && grep -qF "$MARK" "$conf"; then rm -f "$conf"; fi
  if [ -e "$conf.before-selfimprove" ] && [ ! -e "$conf" ]; then mv "$conf.before-selfimprove" "$conf"; fi
done
exit 0
