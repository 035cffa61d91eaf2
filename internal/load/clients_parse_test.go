package load

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClientsOfTheScenarioFile(t *testing.T) {
	path := filepath.Join("..", "..", "k6", "scenarios.json")
	clients := readScenarioFile(t, path).clients
	if c := clients["cancel"]; c.Cancel == nil || c.Cancel.Share != 0.3 || c.SlowReaders != nil {
		t.Errorf("cancel's clients %+v, want a cancelling share of 0.3 alone", c)
	}
	want := SlowReaders{Count: 20, BytesPerSecond: 2048, ReceiveBuffer: 4096, Tokens: 3072, TokenSize: 4096, Paced: true}
	if c := clients["slow-readers"]; c.SlowReaders == nil || *c.SlowReaders != want || c.Cancel != nil {
		t.Errorf("slow-readers' clients %+v, want %+v", c, want)
	}
	for _, name := range []string{"slow-readers-control", "baseline", "stress", "efficiency", "idle-streams"} {
		if _, ok := clients[name]; ok {
			t.Errorf("%s has clients, want none", name)
		}
	}
	scs := readScenarioFile(t, path).scenarios
	shapes := readScenarioFile(t, path).streams
	// The control is the same load without the slow readers.
	if scs["slow-readers"] != scs["slow-readers-control"] || shapes["slow-readers"] != shapes["slow-readers-control"] {
		t.Errorf("slow-readers-control %+v %+v differs from slow-readers %+v %+v",
			scs["slow-readers-control"], shapes["slow-readers-control"], scs["slow-readers"], shapes["slow-readers"])
	}
	// The slow readers' own stream is larger than the kernel's socket buffers on both sides.
	h := want.headers(shapes["slow-readers"].Headers())
	if h.Get("X-Stub-Tokens") != "3072" || h.Get("X-Stub-Token-Size") != "4096" || h.Get("X-Stub-Inter-Token-Delay") != "0s" {
		t.Errorf("slow readers' headers %v: want their own 12 MiB stream, sent as fast as the proxy takes it", h)
	}
	cancel := scs["cancel"].(ConstantArrivalRate)
	if normal := clients["cancel"].wellBehaved(cancel).(ConstantArrivalRate); normal.Rate != 70 || normal.MaxVUs != 400 {
		t.Errorf("cancel's well-behaved clients run %+v, want 70 of the 100 arrivals a second", normal)
	}
	if n := clients["cancel"].connections(cancel, nil); n != 120 {
		t.Errorf("cancel's cancelling clients hold up to %d connections, want 30 %% of 400", n)
	}
	if q := cancel.Quick(0.1); q.Length() != 3*time.Second {
		t.Errorf("quick cancel lasts %v, want 3s: the cancelling clients follow it", q.Length())
	}
}

func TestSlowReadersDefaults(t *testing.T) {
	clients, err := ParseClients([]byte(`{"scenarios":{"a":{"executor":"ramping-vus","stages":[{"duration":"1s","target":2}],
		"clients":{"slowReaders":{"count":3}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := SlowReaders{Count: 3, BytesPerSecond: DefaultSlowReaderBytesPerSecond, ReceiveBuffer: DefaultSlowReaderReceiveBuffer}
	if got := clients["a"].SlowReaders; got == nil || *got != want {
		t.Errorf("slow readers %+v, want %+v", got, want)
	}
}

func TestClientsParseErrorsNameTheField(t *testing.T) {
	arrival := func(clients string) string {
		return `{"scenarios":{"cancel":{"executor":"constant-arrival-rate","rate":10,"duration":"1s","preAllocatedVUs":2,"clients":` + clients + `}}}`
	}
	vus := func(clients string) string {
		return `{"scenarios":{"slow":{"executor":"constant-vus","vus":1,"duration":"1s","clients":` + clients + `}}}`
	}
	cases := []struct{ in, want string }{
		{arrival(`{"cancel":{"shar":0.3}}`), "scenarios.cancel.clients.cancel.shar: unknown field"},
		{arrival(`{"cancel":{}}`), "scenarios.cancel.clients.cancel.share: missing"},
		{arrival(`{"cancel":{"share":"0.3"}}`), "scenarios.cancel.clients.cancel.share: want a number"},
		{arrival(`{"cancel":{"share":1}}`), "scenarios.cancel.clients.cancel.share: want a share between 0 and 1"},
		{arrival(`{"cancel":{"share":0}}`), "scenarios.cancel.clients.cancel.share: want a share between 0 and 1"},
		{arrival(`{"cancel":{"share":0.01}}`), "scenarios.cancel.clients.cancel.share: 0.01 of rate 10 leaves 0 cancelling"},
		{arrival(`{"cancel":0.3}`), "scenarios.cancel.clients.cancel: want an object"},
		{arrival(`{"canceling":{"share":0.3}}`), "scenarios.cancel.clients.canceling: unknown field"},
		{arrival(`{}`), "scenarios.cancel.clients: empty"},
		{vus(`{"cancel":{"share":0.3}}`), "scenarios.slow.clients.cancel: only with the constant-arrival-rate executor, not constant-vus"},
		{vus(`{"slowReaders":{}}`), "scenarios.slow.clients.slowReaders.count: missing"},
		{vus(`{"slowReaders":{"count":0}}`), "scenarios.slow.clients.slowReaders.count: must be at least 1"},
		{vus(`{"slowReaders":{"count":1,"bytesPerSecond":0}}`), "scenarios.slow.clients.slowReaders.bytesPerSecond: must be at least 1"},
		{vus(`{"slowReaders":{"count":1,"receiveBuffer":-4}}`), "scenarios.slow.clients.slowReaders.receiveBuffer: must not be negative"},
		{vus(`{"slowReaders":{"count":1,"rate":5}}`), "scenarios.slow.clients.slowReaders.rate: unknown field"},
	}
	for _, c := range cases {
		// Every reader of the file refuses them: the scenarios' parser as well as the clients'.
		for name, parse := range map[string]func([]byte) error{
			"ParseScenarios": func(b []byte) error { _, err := ParseScenarios(b); return err },
			"ParseClients":   func(b []byte) error { _, err := ParseClients(b); return err },
		} {
			if err := parse([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s(%s)\n  error %v\n  want one containing %q", name, c.in, err, c.want)
			}
		}
	}
}

func TestStreamTokenSizeIsChecked(t *testing.T) {
	for _, c := range []struct{ size, want string }{
		{"0", "scenarios.a.stream.tokenSize: must be at least 1"},
		{"5000", "scenarios.a.stream.tokenSize: at most 4096"},
		{`"1k"`, "scenarios.a.stream.tokenSize: want a whole number"},
	} {
		in := `{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s","stream":{"tokenSize":` + c.size + `}}}}`
		if _, err := ParseStreamShapes([]byte(in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("tokenSize %s: error %v, want %q", c.size, err, c.want)
		}
	}
}

func TestRunRefusesClientsItsScenarioCannotRun(t *testing.T) {
	_, err := Run(t.Context(), Options{Target: "http://127.0.0.1:1", Registry: nil,
		Scenario: ConstantVUs{VUs: 1, Duration: time.Second}, Clients: Clients{Cancel: &CancelClients{Share: 0.5}}})
	if err == nil || !strings.Contains(err.Error(), "Options.Clients.cancel: only with the constant-arrival-rate executor") {
		t.Errorf("error %v, want the cancel share refused for constant-vus", err)
	}
}

func TestCancelSplitOverSegmentsAddsUp(t *testing.T) {
	sc := ConstantArrivalRate{Rate: 100, TimeUnit: time.Second, Duration: 2 * time.Second, PreAllocatedVUs: 10, MaxVUs: 40}
	whole, err := planCancel(CancelClients{Share: 0.3}, sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	count := func(p cancelPlan) int {
		n := 0
		for k := 0; k < 10_000; k++ {
			i, ok := p.arrivals.nth(k)
			if !ok || arrivalOffset(i, p.rate, p.timeUnit) >= p.duration {
				break
			}
			n++
		}
		return n
	}
	if count(whole) != 60 || whole.bound != 12 {
		t.Fatalf("whole run: %d cancelling clients, %d at once, want 30/s × 2 s = 60 and 30 %% of 40 VUs = 12", count(whole), whole.bound)
	}
	total, bounds := 0, 0
	for _, s := range []string{"0:1/3", "1/3:2/3", "2/3:1"} {
		seg, err := ParseSegment(s, "0,1/3,2/3,1")
		if err != nil {
			t.Fatal(err)
		}
		p, err := planCancel(CancelClients{Share: 0.3}, sc, seg)
		if err != nil {
			t.Fatal(err)
		}
		total, bounds = total+count(p), bounds+p.bound
	}
	if total != 60 || bounds != 12 {
		t.Errorf("three segments start %d cancelling clients with bounds adding up to %d, want 60 and 12", total, bounds)
	}
}
