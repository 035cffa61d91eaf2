package remotewrite

import (
	"context"
	"sync"
)

// queue holds write requests in order. When full, pushing drops the oldest
// request: during a long outage the freshest data is the most useful, and the
// cumulative counters of a newer request make up for an older one anyway.
type queue struct {
	mu       sync.Mutex
	items    []*batch
	capacity int
	closed   bool
	wake     chan struct{} // signalled (non-blocking) on push and close
}

func newQueue(capacity int) *queue {
	return &queue{capacity: capacity, wake: make(chan struct{}, 1)}
}

// push appends b and returns the request it evicted to make room, if any.
func (q *queue) push(b *batch) (evicted *batch) {
	q.mu.Lock()
	if len(q.items) >= q.capacity {
		evicted = q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
	}
	q.items = append(q.items, b)
	q.mu.Unlock()
	q.signal()
	return evicted
}

// close makes pop return false once the queue is empty.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop waits for the oldest request. It returns false when the queue is closed
// and empty, or when ctx ends.
func (q *queue) pop(ctx context.Context) (*batch, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			b := q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
			q.mu.Unlock()
			return b, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false
		}
		select {
		case <-q.wake:
		case <-ctx.Done():
			return nil, false
		}
	}
}

// drain removes and returns everything still queued.
func (q *queue) drain() []*batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
