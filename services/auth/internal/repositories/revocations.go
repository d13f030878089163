package repositories

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"goa.design/clue/log"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// revocationChannel is the NOTIFY channel of migrations 0003 (session ids)
// and 0005 ("user:" and a user id).
const revocationChannel = "auth_session_changed"

// userPrefix marks a user event's payload.
const userPrefix = "user:"

// subscriberBuffer is how far a subscriber may lag before it is cut off
// (and must then drop its cache) rather than slow everyone down.
const subscriberBuffer = 4096

// awaitBound is the longest Await waits for a change to come back through
// LISTEN and be acknowledged, and how late a subscriber's acknowledgement
// may be before the subscriber is cut off; deliveryMemory is how long a
// delivery is remembered for an Await that comes after it.
const (
	awaitBound     = 250 * time.Millisecond
	deliveryMemory = 5 * time.Second
)

// Revocations implements ports.Revocations over PostgreSQL LISTEN/NOTIFY on
// one dedicated connection per replica.
type Revocations struct {
	config *pgx.ConnConfig

	mu         sync.Mutex
	live       bool
	seq        uint64 // publications so far: the feed's position
	subs       map[*subscriber]struct{}
	waiters    map[uuid.UUID][]chan struct{} // Awaits before the NOTIFY came
	deliveries map[uuid.UUID]*delivery       // NOTIFYs passed on lately
}

// subscriber is one open subscription.
type subscriber struct {
	ch      chan ports.Change
	pending map[uuid.UUID]*delivery // sent, not yet acknowledged
	// order is pending in the order sent (with entries acknowledged
	// since, skipped lazily), so that the oldest unacknowledged delivery
	// is found without a scan.
	order []sent
}

type sent struct {
	id uuid.UUID
	d  *delivery
}

// overdue reports whether the subscriber owes an acknowledgement older
// than awaitBound. r.mu is held.
func (s *subscriber) overdue(now time.Time) bool {
	for len(s.order) > 0 {
		head := s.order[0]
		if s.pending[head.id] == head.d {
			return now.Sub(head.d.at) > awaitBound
		}
		s.order = s.order[1:] // acknowledged or superseded
	}
	return false
}

// delivery is one change passed on to the subscribers of the moment; done
// closes when every one of them acknowledged it or went away.
type delivery struct {
	seq       uint64 // its position in the feed
	at        time.Time
	remaining int
	done      chan struct{}
}

func (d *delivery) acked() {
	d.remaining--
	if d.remaining == 0 {
		close(d.done)
	}
}

var _ ports.Revocations = (*Revocations)(nil)

// NewRevocations returns the feed; Run must be running for it to be live.
func NewRevocations(pool *pgxpool.Pool) *Revocations {
	return &Revocations{
		config:     pool.Config().ConnConfig.Copy(),
		subs:       map[*subscriber]struct{}{},
		waiters:    map[uuid.UUID][]chan struct{}{},
		deliveries: map[uuid.UUID]*delivery{},
	}
}

// Run listens until ctx is done, reconnecting with jittered exponential
// backoff (100 ms to 5 s) whenever the connection breaks. While it is
// down, Subscribe fails and every open subscription is closed.
func (r *Revocations) Run(ctx context.Context) {
	b := &backoff.ExponentialBackOff{InitialInterval: 100 * time.Millisecond, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: 5 * time.Second}
	b.Reset()
	for ctx.Err() == nil {
		err := r.listen(ctx)
		if r.setLive(false) {
			b.Reset() // it was up: start again from the shortest delay
		}
		if ctx.Err() != nil {
			return
		}
		log.Error(ctx, err, log.KV{K: "msg", V: "revocation feed down; reconnecting"})
		select {
		case <-ctx.Done():
			return
		case <-time.After(b.NextBackOff()):
		}
	}
}

func (r *Revocations) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, r.config)
	if err != nil {
		return fmt.Errorf("revocation feed: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+revocationChannel); err != nil {
		return fmt.Errorf("revocation feed: listen: %w", err)
	}
	r.setLive(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("revocation feed: %w", err)
		}
		c, ok := parseChange(n.Payload)
		if !ok {
			continue
		}
		r.publish(c)
	}
}

// parseChange reads a NOTIFY payload: a session id, or "user:" and a user
// id.
func parseChange(payload string) (ports.Change, bool) {
	rest, user := strings.CutPrefix(payload, userPrefix)
	id, err := uuid.Parse(rest)
	return ports.Change{ID: id, User: user}, err == nil
}

// Subscribe implements ports.Revocations.
func (r *Revocations) Subscribe(ctx context.Context) (ports.Subscription, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.live {
		return ports.Subscription{}, fmt.Errorf("revocation feed: %w", ports.ErrUnavailable)
	}
	sub := &subscriber{ch: make(chan ports.Change, subscriberBuffer), pending: map[uuid.UUID]*delivery{}}
	r.subs[sub] = struct{}{}
	go func() {
		<-ctx.Done()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.drop(sub)
	}()
	return ports.Subscription{Events: sub.ch, Ack: func(id uuid.UUID) { r.ack(sub, id) }}, nil
}

func (r *Revocations) publish(c ports.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	id := c.ID
	r.seq++
	d := &delivery{seq: r.seq, at: now, remaining: 1, done: make(chan struct{})} // 1: publish itself
	for sub := range r.subs {
		if sub.overdue(now) {
			// It has not acknowledged within the bound: cut it off, so
			// that no revoking call waits for it again (its client stops
			// caching until it resubscribes).
			r.drop(sub)
			continue
		}
		select {
		case sub.ch <- c:
			if prev := sub.pending[id]; prev != nil {
				prev.acked() // superseded: the next ack answers both
			}
			sub.pending[id] = d
			sub.order = append(sub.order, sent{id: id, d: d})
			d.remaining++
		default: // too slow: cut it off rather than lose an event silently
			r.drop(sub)
		}
	}
	d.acked()
	for _, w := range r.waiters[id] {
		close(w)
	}
	delete(r.waiters, id)
	r.deliveries[id] = d
	if len(r.deliveries) > 10000 {
		for k, old := range r.deliveries {
			if now.Sub(old.at) > deliveryMemory {
				delete(r.deliveries, k)
			}
		}
	}
}

func (r *Revocations) ack(sub *subscriber, id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := sub.pending[id]; d != nil {
		delete(sub.pending, id)
		d.acked()
	}
}

// drop closes a subscription; what it still owed counts as acknowledged
// (its client drops its whole cache when the stream ends). r.mu is held.
func (r *Revocations) drop(sub *subscriber) {
	if _, ok := r.subs[sub]; !ok {
		return
	}
	delete(r.subs, sub)
	close(sub.ch)
	for id, d := range sub.pending {
		delete(sub.pending, id)
		d.acked()
	}
	sub.order = nil
}

// Mark implements ports.Revocations.
func (r *Revocations) Mark() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seq
}

// Await implements ports.Revocations.
func (r *Revocations) Await(ctx context.Context, since uint64, ids ...uuid.UUID) {
	ctx, cancel := context.WithTimeout(ctx, awaitBound)
	defer cancel()
	for _, id := range ids {
		if !r.awaitOne(ctx, since, id) {
			return
		}
	}
}

// awaitOne waits until id is published and acknowledged; false when ctx
// ended first. It leaves nothing behind: its waiter is removed, and the
// subscribers that did not acknowledge within the bound are cut off.
func (r *Revocations) awaitOne(ctx context.Context, since uint64, id uuid.UUID) bool {
	if published := r.waiter(id, since); published != nil {
		select {
		case <-published:
		case <-ctx.Done():
			r.removeWaiter(id, published)
			return false
		}
	}
	r.mu.Lock()
	d := r.deliveries[id]
	r.mu.Unlock()
	if d == nil || d.seq <= since {
		return true // the feed went down meanwhile
	}
	select {
	case <-d.done:
		return true
	case <-ctx.Done():
		if ctx.Err() == context.DeadlineExceeded {
			r.dropLaggards(id, d)
		}
		return false
	}
}

// removeWaiter forgets a waiter whose Await gave up.
func (r *Revocations) removeWaiter(id uuid.UUID, w chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ws := r.waiters[id]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(r.waiters, id)
	} else {
		r.waiters[id] = ws
	}
}

// dropLaggards cuts off the subscribers that still owe the
// acknowledgement of d.
func (r *Revocations) dropLaggards(id uuid.UUID, d *delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for sub := range r.subs {
		if sub.pending[id] == d {
			r.drop(sub)
		}
	}
}

// Waiters counts the Awaits waiting for a NOTIFY (tests: none is left
// behind).
func (r *Revocations) Waiters() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ws := range r.waiters {
		n += len(ws)
	}
	return n
}

// waiter returns a channel closed when id is published, or nil when it
// already was after since, or the feed is down.
func (r *Revocations) waiter(id uuid.UUID, since uint64) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.live {
		return nil
	}
	if d, ok := r.deliveries[id]; ok && d.seq > since {
		return nil
	}
	w := make(chan struct{})
	r.waiters[id] = append(r.waiters[id], w)
	return w
}

// setLive turns the feed on or off and reports whether it was on.
func (r *Revocations) setLive(live bool) (was bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	was, r.live = r.live, live
	if !live {
		for sub := range r.subs {
			r.drop(sub)
		}
		for _, ws := range r.waiters {
			for _, w := range ws {
				close(w)
			}
		}
		clear(r.waiters)
		clear(r.deliveries)
	}
	return was
}

// Subscribers counts the open subscriptions (tests: a silent one is cut
// off).
func (r *Revocations) Subscribers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.subs)
}
