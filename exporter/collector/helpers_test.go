package collector

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func unixTime(sec int64) time.Time { return time.Unix(sec, 0) }

// sample is one parsed series of a scrape: name{labels} → value.
type samples map[string]float64

// parseSamples reads text exposition into "name{k=v,...}" keys with sorted labels.
func parseSamples(t *testing.T, text string) samples {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parsing scrape: %v\n%s", err, text)
	}
	out := samples{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
			out[name+"{"+strings.Join(labels, ",")+"}"] = v
		}
	}
	return out
}

// get returns a series' value, failing the test when it is absent.
func (s samples) get(t *testing.T, key string) float64 {
	t.Helper()
	v, ok := s[key]
	if !ok {
		t.Fatalf("series %s missing", key)
	}
	return v
}

func (s samples) has(key string) bool { _, ok := s[key]; return ok }

func itoa(i int) string { return strconv.Itoa(i) }
