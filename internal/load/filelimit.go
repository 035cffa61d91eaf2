package load

import "fmt"

// fileMargin is the files a run needs besides its connections: the binary, the registry's
// pusher, the log, the resolver, a scrape.
const fileMargin = 64

// CheckFileLimit refuses a run that would run out of file descriptors halfway: the most
// connections it holds at once in the instance running seg (the VUs, one connection each,
// plus its misbehaving clients) and a margin, against the process's limit on open files,
// whose soft value is first raised to the hard one.
func CheckFileLimit(sc Scenario, seg *Segment, c Clients) error {
	whole := c.wellBehaved(sc)
	mine, err := whole.InSegment(seg)
	if err != nil {
		return err
	}
	return checkFileLimit(mine.MaxVUCount(), c.connections(sc, seg))
}

func checkFileLimit(vus, clients int) error {
	limit, ok := openFileLimit()
	if !ok {
		return nil // no such limit here, or it cannot be read: nothing to check against
	}
	return fileLimitError(vus, clients, limit)
}

// fileLimitError says what to do when vus + clients + fileMargin files exceed limit.
func fileLimitError(vus, clients int, limit uint64) error {
	need := uint64(vus) + uint64(clients) + fileMargin
	if need <= limit {
		return nil
	}
	return fmt.Errorf("load: the scenario may hold %d connections at once (%d VUs + %d misbehaving clients) and needs %d open files with a margin of %d, "+
		"but this process may open only %d (RLIMIT_NOFILE, its soft limit raised to the hard limit): "+
		"raise it before starting, e.g. `ulimit -n %d` in the shell (up to the hard limit; `ulimit -Hn` shows it), "+
		"or raise the hard limit (nofile in /etc/security/limits.conf, LimitNOFILE= for a systemd unit)",
		vus+clients, vus, clients, need, fileMargin, limit, need)
}
