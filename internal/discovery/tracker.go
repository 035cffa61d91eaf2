package discovery

import (
	"errors"
	"os"
	"sort"
	"sync"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// Tracker follows one target across scrapes: it keeps the process it found while that
// process lives, looks again when it is gone, and counts each change of identity.
type Tracker struct {
	Target exporterconfig.Target

	mu       sync.Mutex
	current  Identity
	restarts uint64
	ports    []int // listening ports of current, learnt once they exist
	verdicts Verdicts
}

// State is what a scrape needs to know about a target's process.
type State struct {
	ID       Identity // zero when the process is not found
	Restarts uint64   // identity changes seen since the exporter started
	Ports    []int    // the ports whose connections belong to the server
}

// NewTracker starts following t.
func NewTracker(t exporterconfig.Target) *Tracker { return &Tracker{Target: t} }

// Resolve returns the target's process now. A missing process is not an error: State.ID
// is then zero. Errors are reads that failed for another reason, such as permissions.
func (tr *Tracker) Resolve(f *Finder) (State, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	id, err := tr.find(f)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return tr.state(Identity{}), err
	}
	if id.Valid() && tr.current.Valid() && id != tr.current {
		tr.restarts++
	}
	if id != tr.current {
		tr.ports = nil
	}
	if id.Valid() {
		tr.current = id
	}
	var portErr error
	if id.Valid() {
		portErr = tr.learnPorts(f, id)
	}
	return tr.state(id), portErr
}

// find keeps the known process while its (PID, start time) is unchanged; a pidfile is
// read every time because it may name a new process while the old one still lives.
func (tr *Tracker) find(f *Finder) (Identity, error) {
	if tr.current.Valid() && tr.Target.Method() != "pidfile" {
		if now, err := f.Identity(tr.current.PID); err == nil && now == tr.current {
			return now, nil
		}
	}
	return f.FindWith(tr.Target, &tr.verdicts)
}

func (tr *Tracker) learnPorts(f *Finder, id Identity) error {
	if tr.Target.Port != 0 {
		tr.ports = []int{tr.Target.Port}
		return nil
	}
	if len(tr.ports) > 0 {
		return nil
	}
	ports, err := f.ListeningPorts(id)
	if errors.Is(err, os.ErrNotExist) {
		return nil // the process exited after it was found; the next scrape sees that
	}
	if err != nil {
		return err
	}
	sort.Ints(ports)
	tr.ports = ports
	return nil
}

func (tr *Tracker) state(id Identity) State {
	return State{ID: id, Restarts: tr.restarts, Ports: tr.ports}
}
