package composecheck

import (
	"context"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"

	"github.com/ssebench/ssebench/internal/load"
)

// loadJob reads compose/ssebench-load-job.yaml strictly into the Kubernetes API's own Job
// type: an unknown or misspelt field, or a value of the wrong type, fails here as the API
// server would refuse it.
func loadJob(t *testing.T) batchv1.Job {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "compose", "ssebench-load-job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(data, &job); err != nil {
		t.Fatalf("compose/ssebench-load-job.yaml is not a valid batch/v1 Job: %v", err)
	}
	return job
}

func TestLoadJobIsAValidIndexedJob(t *testing.T) {
	job := loadJob(t)
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Errorf("apiVersion/kind %s/%s, want batch/v1 Job", job.APIVersion, job.Kind)
	}
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("completionMode %v: want Indexed, so that each pod gets JOB_COMPLETION_INDEX", spec.CompletionMode)
	}
	if spec.Completions == nil || spec.Parallelism == nil || *spec.Completions != *spec.Parallelism {
		t.Errorf("completions %v and parallelism %v must be equal: every segment runs at once", spec.Completions, spec.Parallelism)
	}
	if len(spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(spec.Template.Spec.Containers))
	}
	c := spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	for _, name := range []string{"SSEBENCH_TESTID", "SSEBENCH_SERVER", "SSEBENCH_TARGET", "SSEBENCH_SCENARIO", "SSEBENCH_REMOTE_WRITE_URL"} {
		if env[name] == "" {
			t.Errorf("the container sets no %s: every pod must push the same run", name)
		}
	}
}

// TestLoadJobSegmentsTileTheRun runs the container's command for every completion index,
// with a stand-in ssebench that prints its arguments, and checks that the pods' segments
// parse as ssebench load parses them and cover 0..1 exactly once.
func TestLoadJobSegmentsTileTheRun(t *testing.T) {
	job := loadJob(t)
	c := job.Spec.Template.Spec.Containers[0]
	if len(c.Command) != 3 || !strings.HasSuffix(c.Command[0], "sh") || c.Command[1] != "-c" {
		t.Fatalf("command %q: want [/bin/sh -c <script>]", c.Command)
	}
	shell := requireTool(t, "busybox") // the image's shell
	dir := t.TempDir()
	standIn := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n"
	if err := os.WriteFile(filepath.Join(dir, "ssebench"), []byte(standIn), 0o755); err != nil {
		t.Fatal(err)
	}
	n := int(*job.Spec.Completions)
	var segments [][2]*big.Rat
	for i := range n {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, shell, "sh", "-c", c.Command[2])
		cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "JOB_COMPLETION_INDEX=" + strconv.Itoa(i)}
		out, err := cmd.Output()
		cancel()
		if err != nil {
			t.Fatalf("index %d: %v", i, err)
		}
		args := strings.Split(strings.TrimSpace(string(out)), "\n")
		segment, sequence := argAfter(args, "--execution-segment"), argAfter(args, "--execution-segment-sequence")
		if args[0] != "load" || segment == "" {
			t.Fatalf("index %d runs %q: want ssebench load --execution-segment …", i, args)
		}
		if _, err := load.ParseSegment(segment, sequence); err != nil {
			t.Fatalf("index %d: ssebench load would refuse %q (sequence %q): %v", i, segment, sequence, err)
		}
		segments = append(segments, ratRange(t, segment))
	}
	sort.Slice(segments, func(i, j int) bool { return segments[i][0].Cmp(segments[j][0]) < 0 })
	at := new(big.Rat)
	for _, s := range segments {
		if s[0].Cmp(at) != 0 {
			t.Fatalf("segments %v leave a gap or overlap at %s", segments, at.RatString())
		}
		at = s[1]
	}
	if at.Cmp(big.NewRat(1, 1)) != 0 {
		t.Fatalf("the %d pods' segments end at %s, not 1", n, at.RatString())
	}
}

// argAfter is the argument that follows name in args.
func argAfter(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

var segmentRange = regexp.MustCompile(`^([0-9/]+):([0-9/]+)$`)

func ratRange(t *testing.T, s string) [2]*big.Rat {
	t.Helper()
	m := segmentRange.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("segment %q is not from:to", s)
	}
	from, ok1 := new(big.Rat).SetString(m[1])
	to, ok2 := new(big.Rat).SetString(m[2])
	if !ok1 || !ok2 {
		t.Fatalf("segment %q: bad fractions", s)
	}
	return [2]*big.Rat{from, to}
}
