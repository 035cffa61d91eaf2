package stats

import (
	"encoding/json"
	"math"
)

// Float is a float64 that JSON writes as null when it is NaN or infinite: an unknown bound
// or an unmeasured figure, which encoding/json would refuse.
type Float float64

// MarshalJSON writes null for NaN and ±Inf.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// MarshalJSON writes the interval with null for unknown bounds.
func (iv Interval) MarshalJSON() ([]byte, error) {
	values := make([]Float, len(iv.Values))
	for i, v := range iv.Values {
		values[i] = Float(v)
	}
	return json.Marshal(struct {
		Point  Float   `json:"point"`
		Lo     Float   `json:"lo"`
		Hi     Float   `json:"hi"`
		N      int     `json:"n"`
		Method string  `json:"method"`
		Values []Float `json:"values,omitempty"`
	}{Float(iv.Point), Float(iv.Lo), Float(iv.Hi), iv.N, iv.Method, values})
}
