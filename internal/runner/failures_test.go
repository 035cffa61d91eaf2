package runner

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/servers"
)

// The test binary doubles as a server under test: with fakeServerEnv set it serves /healthz
// and dies with status 7 at its first chat request, as a proxy that crashes mid-scenario.
const fakeServerEnv = "SSEBENCH_RUNNER_FAKE_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(fakeServerEnv) != "" {
		os.Exit(dyingServer())
	}
	os.Exit(m.Run())
}

func dyingServer() int {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("POST /v1/chat/completions", func(http.ResponseWriter, *http.Request) {
		fmt.Fprintln(os.Stderr, "panic: upstream stream ended early")
		os.Exit(7)
	})
	fmt.Fprintln(os.Stderr, http.ListenAndServe(os.Getenv("HOST")+":"+os.Getenv("PORT"), mux))
	return 1
}

// bareStack is a stack without Prometheus or an exporter; its "stub" is a dying server too,
// never asked for anything but its URL.
func bareStack(t *testing.T) (*stack, *strings.Builder) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Root: t.TempDir(), DataDir: t.TempDir()}
	st := &stack{cfg: &cfg}
	t.Cleanup(st.closeLogs)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Setenv(fakeServerEnv, "1")
	st.stub, err = servers.Start(ctx, cfg.Root, servers.Server{Name: "stub", Command: []string{exe}}, servers.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.stub.Stop(context.Background()) })
	return st, &strings.Builder{} // the progress printer writes from the test's goroutine only
}

var here = position{Trial: 1, Trials: 1, TestID: "t", Index: 1, Count: 1}

func TestABuildFailureSkipsTheServer(t *testing.T) {
	st, out := bareStack(t)
	srv := servers.Server{Name: "broken", Build: "echo 'main.go:3: undefined: x' >&2; exit 2", Command: []string{"x"}}
	measured := false
	ms, skip := withServer(context.Background(), st, srv, here, NewProgress(out, false), func(target) []Measured {
		measured = true
		return nil
	})
	if measured || ms != nil {
		t.Fatal("a server that did not build was measured")
	}
	if skip == nil || skip.Server != "broken" || !strings.HasPrefix(skip.Reason, "build failed: ") || !strings.Contains(skip.Reason, "undefined: x") {
		t.Fatalf("skip = %+v, want the build's failure", skip)
	}
	if !strings.Contains(out.String(), "broken: skipped: ") {
		t.Errorf("the skip is not on the progress output:\n%s", out)
	}
}

// A server that dies in the middle of a measurement is stopped and reported with its exit
// status and last words, and nothing of it keeps running.
func TestAServerThatDiesMidScenarioIsReported(t *testing.T) {
	st, out := bareStack(t)
	exe, _ := os.Executable()
	srv := servers.Server{Name: "dying", Build: "true", Command: []string{exe}}
	var pid int
	_, skip := withServer(context.Background(), st, srv, here, NewProgress(out, false), func(tg target) []Measured {
		pid = tg.pid
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tg.url+"/v1/chat/completions", strings.NewReader("{}"))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Error("the dying server answered")
		}
		return []Measured{{Server: "dying", Error: "load failed"}}
	})
	if skip != nil {
		t.Fatalf("the server was skipped instead of measured: %+v", skip)
	}
	for _, want := range []string{"dying: warning: stop: dying: exited with exit status 7", "upstream stream ended early"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress output lacks %q:\n%s", want, out)
		}
	}
	if pid <= 0 {
		t.Fatalf("measure got PID %d", pid)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Errorf("the dead server %d was not reaped", pid)
	}
}
