package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sync/atomic"
)

// sink keeps the last digest of every work call, so that the compiler cannot drop the work.
// It is atomic because every stream's goroutine writes it.
var sink atomic.Uint64

// work does units units of fixed CPU work. One unit is sha256.Sum256 over a 64-byte block
// (two compression rounds with the padding) whose first 32 bytes are the previous unit's
// digest: a chain that can be neither skipped nor hoisted, and that costs the same however
// busy the machine is — no clock is read. BenchmarkWorkUnit measures it.
func work(units int) {
	if units <= 0 {
		return
	}
	var block [64]byte
	for range units {
		sum := sha256.Sum256(block[:])
		copy(block[:32], sum[:])
	}
	sink.Store(binary.LittleEndian.Uint64(block[:8]))
}

// eventCounter counts SSE events in a relayed body as the "\n\n" that ends each one,
// across read boundaries (an event's two newlines may arrive in two reads). Newlines are
// taken in pairs: "\n\n\n\n" is two ends, "\n\n\n" one. The stub never sends "\r\n".
type eventCounter struct {
	pendingNL bool // the last byte seen was a newline not yet paired
}

// count returns how many events end in chunk.
func (c *eventCounter) count(chunk []byte) int {
	n := 0
	for {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			if len(chunk) > 0 {
				c.pendingNL = false
			}
			return n
		}
		if i == 0 && c.pendingNL {
			n++
			c.pendingNL = false
		} else {
			c.pendingNL = true
		}
		chunk = chunk[i+1:]
	}
}
