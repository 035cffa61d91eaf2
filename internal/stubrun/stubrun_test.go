package stubrun

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/repo"
)

// The real bin/stub, started as the runner starts it; a flag of the caller's reaches it.
func TestStartServesTheStub(t *testing.T) {
	root, err := repo.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "stub")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("SSEBENCH_ALLOW_SKIP") == "1" {
			t.Skip("bin/stub missing")
		}
		t.Fatalf("%s missing: run `make build`", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Start(ctx, bin, []string{"--listen-address", "127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(context.Background())
	if strings.HasSuffix(p.Addr(), ":1") {
		t.Fatalf("the caller's listen address won over ours: %s", p.Addr())
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %s", resp.Status)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("the stub did not exit cleanly on SIGTERM: %v", err)
	}
}
