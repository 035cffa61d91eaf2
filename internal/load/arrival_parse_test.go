package load

import (
	"strings"
	"testing"
)

func arrivalScenario(arrival string) string {
	return `{"scenarios":{"o":{"executor":"constant-arrival-rate","rate":5,"duration":"1s","preAllocatedVUs":1,"arrival":` + arrival + `}}}`
}

func TestParseArrivalProcesses(t *testing.T) {
	for _, c := range []struct {
		arrival string
		want    ArrivalProcess
	}{
		{`{}`, ArrivalProcess{Process: ArrivalConstant}},
		{`{"process":"constant"}`, ArrivalProcess{Process: ArrivalConstant}},
		{`{"process":"poisson"}`, ArrivalProcess{Process: ArrivalPoisson, CV: 1}},
		{`{"process":"gamma","cv":2.0,"seed":18446744073709551615}`, ArrivalProcess{Process: ArrivalGamma, CV: 2, Seed: 1<<64 - 1}},
		{`{"process":"gamma","cv":0.25}`, ArrivalProcess{Process: ArrivalGamma, CV: 0.25}},
	} {
		scs, err := ParseScenarios([]byte(arrivalScenario(c.arrival)))
		if err != nil {
			t.Errorf("%s: %v", c.arrival, err)
			continue
		}
		if got := scs["o"].(ConstantArrivalRate).Arrival; got != c.want {
			t.Errorf("%s: %+v, want %+v", c.arrival, got, c.want)
		}
	}
}

func TestParseArrivalErrorsNameTheField(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"scenarios":{"b":{"executor":"constant-vus","vus":2,"duration":"1s","arrival":{"process":"poisson"}}}}`,
			`scenarios.b.arrival: only constant-arrival-rate has arrivals to space, not constant-vus`},
		{arrivalScenario(`"poisson"`), `scenarios.o.arrival: want an object`},
		{arrivalScenario(`{"process":"pareto"}`), `scenarios.o.arrival.process: unknown process "pareto" (want constant, poisson or gamma)`},
		{arrivalScenario(`{"process":"poisson","sed":1}`), `scenarios.o.arrival.sed: unknown field`},
		{arrivalScenario(`{"process":"gamma"}`), `scenarios.o.arrival.cv: missing`},
		{arrivalScenario(`{"process":"gamma","cv":0}`), `scenarios.o.arrival.cv: must be above 0 and at most 10, got 0`},
		{arrivalScenario(`{"process":"gamma","cv":-1}`), `scenarios.o.arrival.cv: must be above 0`},
		{arrivalScenario(`{"process":"gamma","cv":11}`), `scenarios.o.arrival.cv: must be above 0 and at most 10, got 11`},
		{arrivalScenario(`{"process":"gamma","cv":"2"}`), `scenarios.o.arrival.cv: want a number`},
		{arrivalScenario(`{"process":"poisson","cv":2}`), `scenarios.o.arrival.cv: poisson's cv is 1`},
		{arrivalScenario(`{"cv":2}`), `scenarios.o.arrival.cv: constant spacing has no cv`},
		{arrivalScenario(`{"process":"constant","seed":3}`), `scenarios.o.arrival.seed: constant spacing draws nothing`},
		{arrivalScenario(`{"process":"poisson","seed":0}`), `scenarios.o.arrival.seed: want a whole number from 1`},
		{arrivalScenario(`{"process":"poisson","seed":-1}`), `scenarios.o.arrival.seed: want a whole number from 1`},
		{arrivalScenario(`{"process":"poisson","seed":1.5}`), `scenarios.o.arrival.seed: want a whole number from 1`},
		{arrivalScenario(`{"process":"poisson","seed":18446744073709551616}`), `scenarios.o.arrival.seed: want a whole number from 1`},
		{arrivalScenario(`{"process":"poisson","process":"gamma"}`), `scenarios.o.arrival.process: duplicate field`},
	} {
		_, err := ParseScenarios([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseScenarios(%s)\n  error %v\n  want one containing %q", c.in, err, c.want)
		}
	}
}
