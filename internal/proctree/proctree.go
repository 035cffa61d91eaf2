// Package proctree finds the processes below one process: a server that forks workers
// (nginx's master and its workers) is measured as the whole tree, CPU and memory alike.
package proctree

import "github.com/prometheus/procfs"

// Children maps each process of the proc file system at root to its children's pids. A
// process that cannot be read (it exited meanwhile) is left out; an unreadable root gives
// an empty map. It reads every /proc/<pid>/stat once: build it once per use, not per process.
func Children(root string) map[int][]int {
	children := map[int][]int{}
	fs, err := procfs.NewFS(root)
	if err != nil {
		return children
	}
	procs, err := fs.AllProcs()
	if err != nil {
		return children
	}
	for _, p := range procs {
		if st, err := p.Stat(); err == nil {
			children[st.PPID] = append(children[st.PPID], p.PID)
		}
	}
	return children
}

// Below lists the processes below pid in children: its children, theirs, and so on, in
// breadth-first order.
func Below(children map[int][]int, pid int) []int {
	var out []int
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return out
}

// Descendants is Below over the proc file system at root as it is now.
func Descendants(root string, pid int) []int { return Below(Children(root), pid) }
