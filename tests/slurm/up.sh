#!/usr/bin/env bash
# Start a one-node Slurm on this machine for tests/test_slurm.py (run as root; no systemd needed):
# munged, MariaDB + slurmdbd (accounting, so sacct works as on a real cluster), slurmctld, slurmd.
# The node has two fake GPUs (gres backed by /dev/null and /dev/zero) and is in two partitions,
# cpu (the default) and gpu, as profiles/slurm/partitions.yaml expects. Installs the Debian packages when missing.
# Every daemon leaves a pid file; tests/slurm/down.sh stops them by those pids.
# Safe to run again: daemons of an earlier run are stopped first and the controller state is wiped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLUSTER=${SLURM_TEST_CLUSTER:-selfimprove}
NODE=$(hostname -s)
LOGS=/var/log/slurm
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" = 0 ] || { echo "up.sh: must run as root" >&2; exit 1; }

pkgs="munge slurmctld slurmd slurm-client slurmdbd mariadb-server"
if ! dpkg -s $pkgs >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi

bash "$here/down.sh"   # leftovers of an earlier bring-up

# Wait until a command succeeds (up to $1 tenths of a second).
wait_for() {
  local n=$1; shift
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
fail() { echo "up.sh: $1" >&2; shift; for f in "$@"; do [ -f "$f" ] && tail -20 "$f" >&2; done; exit 1; }

install -d -o slurm -g slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd "$LOGS"
rm -rf /var/lib/slurm/slurmctld/* /var/lib/slurm/slurmd/*   # no stale node states (drains) from earlier runs

# munge: authentication between all Slurm daemons and commands.
[ -s /etc/munge/munge.key ] || mungekey --create
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
install -d -o munge -g munge -m 755 /run/munge
runuser -u munge -- /usr/sbin/munged </dev/null >/dev/null 2>&1   # forks; /run/munge/munged.pid
wait_for 50 munge -n || fail "munged does not answer" /var/log/munge/munged.log

# Configuration: all CPUs, 90% of the memory, two fake GPUs, two partitions, accounting through slurmdbd.
# A configuration this script did not write is kept aside and put back by down.sh.
MARK="# written by selfimprove tests/slurm/up.sh; removed by tests/slurm/down.sh"
for conf in /etc/slurm/slurm.conf /etc/slurm/gres.conf /etc/slurm/slurmdbd.conf; do
  if [ -e "$conf" ] && ! grep -qF "$MARK" "$conf"; then mv "$conf" "$conf.before-selfimprove"; fi
done
CPUS=$(nproc)
MEM=$(( $(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p') * 90 / 100 ))
printf '%s\nNodeName=%s Name=gpu File=/dev/null\nNodeName=%s Name=gpu File=/dev/zero\n' "$MARK" "$NODE" "$NODE" > /etc/slurm/gres.conf
cat > /etc/slurm/slurm.conf <<CONF
$MARK
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=1000
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStorageTRES=gres/gpu
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
JobCompType=jobcomp/none
MinJobAge=600
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM Gres=gpu:2 State=UNKNOWN
PartitionName=cpu Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$NODE MaxTime=INFINITE State=UP
CONF

# MariaDB (local socket and 127.0.0.1 only), then slurmdbd on top of it.
install -d -o mysql -g mysql /run/mysqld
setsid /usr/sbin/mariadbd --user=mysql --datadir=/var/lib/mysql \
  --socket=/run/mysqld/mysqld.sock --pid-file=/run/mysqld/mysqld.pid \
  --bind-address=127.0.0.1 </dev/null >"$LOGS/mariadb.log" 2>&1 &
wait_for 200 mariadb -e 'select 1' || fail "MariaDB does not answer" "$LOGS/mariadb.log"
wait_for 50 test -s /run/mysqld/mysqld.pid || fail "MariaDB wrote no pid file" "$LOGS/mariadb.log"
# A fresh accounting database: job ids restart at 1 with the wiped controller state.
mariadb -e "DROP DATABASE IF EXISTS slurm_acct_db;
            CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmtest';
            GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
cat > /etc/slurm/slurmdbd.conf <<CONF
$MARK
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=6819
SlurmUser=slurm
PidFile=/run/slurmdbd.pid
LogFile=$LOGS/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurmtest
StorageLoc=slurm_acct_db
CONF
chown slurm:slurm /etc/slurm/slurmdbd.conf
chmod 600 /etc/slurm/slurmdbd.conf
/usr/sbin/slurmdbd </dev/null >/dev/null 2>&1   # forks; /run/slurmdbd.pid
wait_for 200 sacctmgr -n list cluster || fail "slurmdbd does not answer" "$LOGS/slurmdbd.log"
sacctmgr -i add cluster "$CLUSTER" >/dev/null 2>&1 || true   # fails harmlessly when it exists

# Controller and node daemon.
/usr/sbin/slurmctld </dev/null >/dev/null 2>&1   # forks; /run/slurmctld.pid
/usr/sbin/slurmd -N "$NODE" </dev/null >/dev/null 2>&1   # forks; /run/slurmd.pid
node_idle() { [ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ]; }
wait_for 300 node_idle || fail "node $NODE is not idle: '$(sinfo -h -n "$NODE" -o %T 2>&1 || true)'" \
  "$LOGS/slurmctld.log" "$LOGS/slurmd.log"
wait_for 100 sacct -n -X || fail "sacct does not answer" "$LOGS/slurmdbd.log"
sinfo -o '%P %a %D %T %c %m %G'
