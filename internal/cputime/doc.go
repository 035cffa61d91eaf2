// Package cputime measures a process's whole CPU time — user and system, every thread
// including those that have already exited, and its children — finer than the 10 ms ticks
// of /proc/<pid>/stat.
//
// A 10-s round at 50 streams/s is too short for ticks (±2.5 % per round), and summing the
// live threads' /proc/<pid>/task/*/schedstat, though exact, misses the threads that have
// exited: a thread-per-connection server reads about 25 % low. A cgroup of its own counts
// all of it in nanoseconds, so Attach moves the process into one when it can:
//
//  1. cgroup v1 cpuacct: /sys/fs/cgroup/cpuacct/ssebench/<name>-<pid>, cpuacct.usage (1 ns);
//  2. cgroup v2: <the process's own v2 group>/ssebench/<name>-<pid>, cpu.stat usage_usec
//     (1 µs), which every v2 group has, with or without the cpu controller; the process's own
//     group is where a delegated subtree puts an unprivileged user's processes;
//  3. otherwise /proc/<pid>/stat utime+stime+cutime+cstime, which include exited threads and
//     waited-for children, in clock ticks (normally 10 ms).
//
// Self reads the calling process's own CPU through getrusage, in microseconds.
package cputime
