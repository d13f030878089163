package repositories

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"goa.design/clue/log"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// revocationChannel is the NOTIFY channel of migration 0003.
const revocationChannel = "auth_session_changed"

// subscriberBuffer is how far a subscriber may lag before it is cut off
// (and must then drop its cache) rather than slow everyone down.
const subscriberBuffer = 4096

// awaitBound is the longest Await waits for a change to come back through
// LISTEN and be acknowledged; deliveryMemory is how long a delivery is
// remembered for an Await that comes after it.
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
	subs       map[*subscriber]struct{}
	waiters    map[uuid.UUID][]chan struct{} // Awaits before the NOTIFY came
	deliveries map[uuid.UUID]*delivery       // NOTIFYs passed on lately
}

// subscriber is one open subscription.
type subscriber struct {
	ch      chan uuid.UUID
	pending map[uuid.UUID]*delivery // sent, not yet acknowledged
}

// delivery is one change passed on to the subscribers of the moment; done
// closes when every one of them acknowledged it or went away.
type delivery struct {
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

// Run listens until ctx is done, reconnecting with backoff whenever the
// connection breaks. While it is down, Subscribe fails and every open
// subscription is closed.
func (r *Revocations) Run(ctx context.Context) {
	delay := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := r.listen(ctx)
		r.setLive(false)
		if ctx.Err() != nil {
			return
		}
		log.Error(ctx, err, log.KV{K: "msg", V: "revocation feed down; reconnecting"})
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
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
		id, err := uuid.Parse(n.Payload)
		if err != nil {
			continue
		}
		r.publish(id)
	}
}

// Subscribe implements ports.Revocations.
func (r *Revocations) Subscribe(ctx context.Context) (ports.Subscription, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.live {
		return ports.Subscription{}, fmt.Errorf("revocation feed: %w", ports.ErrUnavailable)
	}
	sub := &subscriber{ch: make(chan uuid.UUID, subscriberBuffer), pending: map[uuid.UUID]*delivery{}}
	r.subs[sub] = struct{}{}
	go func() {
		<-ctx.Done()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.drop(sub)
	}()
	return ports.Subscription{Events: sub.ch, Ack: func(id uuid.UUID) { r.ack(sub, id) }}, nil
}

func (r *Revocations) publish(id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	d := &delivery{at: now, remaining: 1, done: make(chan struct{})} // 1: publish itself
	for sub := range r.subs {
		select {
		case sub.ch <- id:
			if prev := sub.pending[id]; prev != nil {
				prev.acked() // superseded: the next ack answers both
			}
			sub.pending[id] = d
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
}

// Await implements ports.Revocations.
func (r *Revocations) Await(ctx context.Context, since time.Time, ids ...uuid.UUID) {
	ctx, cancel := context.WithTimeout(ctx, awaitBound)
	defer cancel()
	for _, id := range ids {
		published := r.waiter(id, since)
		if published != nil {
			select {
			case <-published:
			case <-ctx.Done():
				return
			}
		}
		r.mu.Lock()
		d := r.deliveries[id]
		r.mu.Unlock()
		if d == nil || d.at.Before(since) {
			continue // the feed went down meanwhile
		}
		select {
		case <-d.done:
		case <-ctx.Done():
			return
		}
	}
}

// waiter returns a channel closed when id is published, or nil when it
// already was since since, or the feed is down.
func (r *Revocations) waiter(id uuid.UUID, since time.Time) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.live {
		return nil
	}
	if d, ok := r.deliveries[id]; ok && !d.at.Before(since) {
		return nil
	}
	w := make(chan struct{})
	r.waiters[id] = append(r.waiters[id], w)
	return w
}

func (r *Revocations) setLive(live bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live = live
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
}
