package conformance_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// runCheck runs one check as the subtest name. id is the check's name in servers.yaml's
// differences ("2_streams", "8_limits/slow_body"): a check the server documents as a
// difference must fail, and its failure is logged with the documented reason instead of
// failing the suite; one that passes fails the suite, for the documented difference no
// longer holds. A reason that begins with "buffers the stream" must be matched by a
// failure that says so (the default-config pitfalls); one that begins with "sometimes: "
// is logged whichever way the check goes.
func (f *fixture) runCheck(t *testing.T, id string, parallel bool, check func(testing.TB)) {
	name := id[strings.LastIndex(id, "/")+1:]
	t.Run(name, func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		reason, documented := f.server.Differences[id]
		if !documented {
			check(t)
			return
		}
		rec := &recorder{TB: t}
		rec.run(check)
		observed := strings.Join(rec.messages(), "; ")
		switch {
		case strings.HasPrefix(reason, sometimes):
			t.Logf("documented difference of %s, seen in some runs only: %s (this run: failed %v %s)", f.server.Name, reason, rec.Failed(), observed)
		case !rec.Failed():
			t.Errorf("%s: documented difference %q no longer holds: the check passes; remove it from servers.yaml", id, reason)
		case strings.HasPrefix(reason, bufferedCause) && !strings.Contains(observed, bufferedCause):
			t.Errorf("%s: documented as %q, but the check failed for another cause: %s", id, reason, observed)
		default:
			t.Logf("documented difference of %s: %s (observed: %s)", f.server.Name, reason, observed)
		}
	})
}

// sometimes begins the reason of a difference that shows in some runs only (a race in
// the gateway): the check is run and its outcome logged, pass or fail.
const sometimes = "sometimes: "

// bufferedCause is what checkStreams says of a proxy that holds the events back.
const bufferedCause = "buffers the stream"

// recorder stands in for a check's testing.TB: it records failures instead of reporting
// them, and ends the check's goroutine on a fatal one as testing does.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed bool
	msgs   []string
}

func (r *recorder) run(check func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
}

func (r *recorder) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	if msg != "" {
		r.msgs = append(r.msgs, msg)
	}
}

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *recorder) Fail()                             { r.fail("") }
func (r *recorder) Error(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recorder) FailNow()                          { r.fail(""); runtime.Goexit() }
func (r *recorder) Fatal(args ...any)                 { r.fail(fmt.Sprint(args...)); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
	runtime.Goexit()
}
