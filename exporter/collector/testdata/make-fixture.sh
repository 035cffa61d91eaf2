#!/usr/bin/env bash
# Builds the fake proc tree under proc/, and the cgroup tree under cgroup/ for the two
# processes that sit in groups ssebench made, used by the golden /metrics test. The tree is
# committed; rerun this only to change the fixture, then regenerate the golden file with
#   go test ./exporter/collector -run TestGolden -update
set -euo pipefail
cd "$(dirname "$0")"
rm -rf proc run cgroup && mkdir -p proc/net run

# stat_line PID COMM STATE UTIME STIME THREADS STARTTIME VSIZE RSS_PAGES
stat_line() {
  echo "$1 ($2) $3 1 $1 $1 0 -1 4194560 1200 0 3 0 $4 $5 0 0 20 0 $6 0 $7 $8 $9 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0"
}
# status_file NAME STATE THREADS VMSIZE_KB VMHWM_KB VMRSS_KB VOL NONVOL
status_file() {
  printf 'Name:\t%s\nState:\t%s\nTgid:\t1\nPid:\t1\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmPeak:\t%8d kB\nVmSize:\t%8d kB\nVmHWM:\t%8d kB\nVmRSS:\t%8d kB\nThreads:\t%d\nvoluntary_ctxt_switches:\t%d\nnonvoluntary_ctxt_switches:\t%d\n' \
    "$1" "$2" "$4" "$4" "$5" "$6" "$3" "$7" "$8"
}
TCP_HDR='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
TCP6_HDR='  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
tcp_row() { # SL LOCAL REMOTE STATE INODE
  echo "   $1: $2 $3 $4 00000000:00000000 00:00000000 00000000     0        0 $5 1 0000000000000000 100 0 0 10 0"
}
tcp6_row() {
  echo "   $1: $2 $3 $4 00000000:00000000 00:00000000 00000000     0        0 $5 1 0000000000000000 100 0 0 10 0"
}
LO6=00000000000000000000000001000000

cat > proc/stat <<'STAT'
cpu  87591 0 18966 79679 574 0 218 64 0 0
cpu0 43585 0 9192 40554 127 0 25 32 0 0
intr 2455939 0
ctxt 5385173
btime 1700000000
processes 33603
procs_running 2
procs_blocked 0
softirq 417180 0 48263 7 51439 117965 0 2910 67899 0 128697
STAT

# The exporter's own network namespace: go-http listens on 8080 (0x1F90).
{
  echo "$TCP_HDR"
  tcp_row 0 0100007F:1F90 00000000:0000 0A 1001
  tcp_row 1 0100007F:1F90 0100007F:9C40 01 1002
  tcp_row 2 0100007F:1F90 0100007F:9C41 01 1003
  tcp_row 3 0100007F:1F90 0100007F:9C42 06 0
  tcp_row 4 0100007F:9C50 0100007F:46A0 01 1004
} > proc/net/tcp
echo "$TCP6_HDR" > proc/net/tcp6

# pid 100: go-http, found by port 8080; two threads.
p=proc/100; mkdir -p $p/fd $p/task/100 $p/task/101 $p/net $p/ns
echo go-http > $p/comm
printf 'servers/go-http/bin/go-http\0--quiet\0' > $p/cmdline
ln -s /work/main/servers/go-http/bin/go-http $p/exe
stat_line 100 go-http S 1234 567 2 500000 734003200 5120 > $p/stat
status_file go-http "S (sleeping)" 2 716800 24576 20480 10 2 > $p/status
cp $p/status $p/task/100/status
status_file go-http "S (sleeping)" 2 716800 24576 20480 300 40 > $p/task/101/status
ln -s /dev/null $p/fd/0; ln -s /dev/null $p/fd/1; ln -s /dev/null $p/fd/2
ln -s 'socket:[1001]' $p/fd/3; ln -s 'socket:[1002]' $p/fd/4; ln -s 'socket:[1003]' $p/fd/5; ln -s 'socket:[1004]' $p/fd/6
ln -s 'net:[4026531840]' $p/ns/net
cp proc/net/tcp proc/net/tcp6 $p/net/

# pid 200: bun-http, found by pidfile; its own network namespace, listening on [::1]:9090 (0x2382).
p=proc/200; mkdir -p $p/fd $p/task/200 $p/task/201 $p/task/202 $p/net $p/ns
echo bun > $p/comm
printf 'bun\0servers/bun-http/server.ts\0' > $p/cmdline
stat_line 200 bun S 8000 1500 3 600000 2147483648 12800 > $p/stat
status_file bun "S (sleeping)" 3 2097152 65536 51200 100 5 > $p/status
for t in 200 201 202; do status_file bun "S (sleeping)" 3 2097152 65536 51200 $((t - 100)) 5 > $p/task/$t/status; done
ln -s 'socket:[2001]' $p/fd/0; ln -s 'socket:[2002]' $p/fd/1
ln -s 'net:[4026532000]' $p/ns/net
echo "$TCP_HDR" > $p/net/tcp
{
  echo "$TCP6_HDR"
  tcp6_row 0 $LO6:2382 00000000000000000000000000000000:0000 0A 2001
  tcp6_row 1 $LO6:2382 $LO6:A000 01 2002
  tcp6_row 2 $LO6:2382 $LO6:A001 08 0
} > $p/net/tcp6
echo 200 > run/bun-http.pid

# pid 300: a zombie named like a target: never a match.
p=proc/300; mkdir -p $p/task/300
echo zombie > $p/comm
stat_line 300 zombie Z 1 1 1 700000 0 0 > $p/stat
status_file zombie "Z (zombie)" 1 0 0 0 1 1 > $p/task/300/status

# pid 400: rust-http, found by command line; listens on nothing yet.
p=proc/400; mkdir -p $p/fd $p/task/400 $p/net $p/ns
echo rust-http > $p/comm
printf 'servers/rust-http/target/release/rust-http\0' > $p/cmdline
stat_line 400 rust-http R 50 25 1 800000 10485760 256 > $p/stat
status_file rust-http "R (running)" 1 10240 1024 1024 1 1 > $p/status
cp $p/status $p/task/400/status
ln -s /dev/null $p/fd/0
ln -s 'net:[4026531840]' $p/ns/net
cp proc/net/tcp proc/net/tcp6 $p/net/

# pid 500: go-gin, found by command name, in a cgroup v1 cpuacct group ssebench made for it
# (internal/cputime): its CPU comes from the group in nanoseconds, not from the ticks in
# stat; cpuacct.usage is exact, usage_user and usage_sys (tick samples) give the proportion.
p=proc/500; mkdir -p $p/fd $p/task/500 $p/net $p/ns
echo go-gin > $p/comm
printf 'servers/go-gin/bin/go-gin\0' > $p/cmdline
stat_line 500 go-gin S 1200 300 1 900000 734003200 4096 > $p/stat
status_file go-gin "S (sleeping)" 1 716800 16384 16384 20 3 > $p/status
cp $p/status $p/task/500/status
ln -s /dev/null $p/fd/0
ln -s 'net:[4026531840]' $p/ns/net
cp proc/net/tcp proc/net/tcp6 $p/net/
printf '3:cpu,cpuacct:/ssebench/go-gin-500\n0::/\n' > $p/cgroup
g=cgroup/cpuacct/ssebench/go-gin-500; mkdir -p $g
echo 15023456789 > $g/cpuacct.usage
echo 12010000000 > $g/cpuacct.usage_user
echo 3000000000 > $g/cpuacct.usage_sys

# pid 600: rust-axum, found by command name, in a cgroup v2 group ssebench made under its
# own (a delegated subtree); cpu.stat's user_usec and system_usec add up to usage_usec.
p=proc/600; mkdir -p $p/fd $p/task/600 $p/net $p/ns
echo rust-axum > $p/comm
printf 'servers/rust-axum/target/release/rust-axum\0' > $p/cmdline
stat_line 600 rust-axum S 700 200 1 950000 10485760 512 > $p/stat
status_file rust-axum "S (sleeping)" 1 10240 2048 2048 4 1 > $p/status
cp $p/status $p/task/600/status
ln -s /dev/null $p/fd/0
ln -s 'net:[4026531840]' $p/ns/net
cp proc/net/tcp proc/net/tcp6 $p/net/
printf '3:cpu,cpuacct:/\n0::/user.slice/ssebench/rust-axum-600\n' > $p/cgroup
mkdir -p cgroup/unified/user.slice/ssebench/rust-axum-600
: > cgroup/unified/cgroup.controllers
printf 'usage_usec 9012345\nuser_usec 7012345\nsystem_usec 2000000\nnice_usec 0\n' > cgroup/unified/user.slice/ssebench/rust-axum-600/cpu.stat
