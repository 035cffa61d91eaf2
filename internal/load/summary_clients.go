package load

import (
	"fmt"
	"strings"
)

// CancelSummary is what the cancelling clients did (CancelClients).
type CancelSummary struct {
	Seed        uint64 `json:"seed"` // of the cancel moments: Options.Seed reproduces them
	Started     int64  `json:"started"`
	Cancels     int64  `json:"cancels_sent"`        // closed at their moment: ssebench_client_cancels_total
	EndedFirst  int64  `json:"streams_ended_first"` // the stream ended before the moment: no cancel
	Failed      int64  `json:"failed"`              // a status other than 200, or an error before the moment
	Interrupted int64  `json:"interrupted"`         // by the run's interruption or its graceful stop's end
	FirstError  string `json:"first_error,omitempty"`
}

// SlowReaderSummary is what the slow readers' streams became (SlowReaders), as
// ssebench_slow_reader_streams_total counts them.
type SlowReaderSummary struct {
	Readers    int          `json:"readers"`
	Done       int64        `json:"done"`
	Cut        int64        `json:"cut"`
	Failed     int64        `json:"failed"`
	Unfinished int64        `json:"unfinished"`
	CutAfter   TrendSummary `json:"cut_after"` // request sent → the server cut the stream
	FirstError string       `json:"first_error,omitempty"`
}

// clientsText is the summary's lines about the misbehaving clients, none without them.
func (s *Summary) clientsText() string {
	var b strings.Builder
	if c := s.CancellingClients; c != nil {
		fmt.Fprintf(&b, "\n  cancelling clients: %d cancels sent (%d started, %d streams ended first, %d failed, %d interrupted; seed %d)\n",
			c.Cancels, c.Started, c.EndedFirst, c.Failed, c.Interrupted, c.Seed)
		if c.FirstError != "" {
			fmt.Fprintf(&b, "    first error: %s\n", c.FirstError)
		}
	}
	if r := s.SlowReaders; r != nil {
		fmt.Fprintf(&b, "\n  slow readers: %d done, %d cut (p50 cut after %.1f s), %d failed, %d unfinished (%d readers)\n",
			r.Done, r.Cut, r.CutAfter.Med.Seconds(), r.Failed, r.Unfinished, r.Readers)
		if r.FirstError != "" {
			fmt.Fprintf(&b, "    first error: %s\n", r.FirstError)
		}
	}
	return b.String()
}
