package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestNoiseReportsCVAndRankingHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	const doc = `{"results":{"trials":["r-t1","r-t2","r-t3"],"rows":[
	 {"server":"direct","scenario":"stress","reference":true,"intervals":{"results.req_per_second":{"n":3,"trials":[9000,9100,8900]}}},
	 {"server":"a","scenario":"stress","intervals":{"results.req_per_second":{"n":3,"trials":[100,110,90]}}},
	 {"server":"b","scenario":"stress","intervals":{"results.req_per_second":{"n":3,"trials":[105,100,120]}}},
	 {"server":"c","scenario":"stress","intervals":{"results.req_per_second":{"n":3,"trials":[90,91,89]}}}]},
	 "efficiency":null}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(path, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	// a: mean 100, sd 10 → CV 10.0 %; b: mean 108.3 → b > a > c, held in trials 1 and 3 only.
	// c moves with direct: 1 % of it in every trial, so its CV over direct is 0.0.
	for _, want := range []string{"3 trials", "10.0", "ranking by mean b > a > c held in 2 of 3 trials", "CV % of ÷ direct"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if !regexp.MustCompile(`stress +req/s +c +90\.0 +1\.1 +0\.0 +3`).MatchString(s) {
		t.Errorf("c's row: want CV 1.1 %% plain and 0.0 %% over direct:\n%s", s)
	}
	if !regexp.MustCompile(`stress +req/s +direct +9000\.0 +1\.1 +- +3`).MatchString(s) {
		t.Errorf("direct's row: want no CV over itself:\n%s", s)
	}
	if strings.Contains(s, "direct > ") || strings.Contains(s, "> direct") {
		t.Errorf("the reference must not be ranked:\n%s", s)
	}
}

func TestNoiseRefusesASingleTrial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(path, []byte(`{"results":{"trials":["r"],"rows":[]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(path, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--trials") {
		t.Errorf("got %v", err)
	}
}
