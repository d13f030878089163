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

// awaitBound is the longest Await waits for a change to come back through
// LISTEN; recentWindow is how long a published id is remembered for an
// Await that comes after it.
const (
	awaitBound   = 250 * time.Millisecond
	recentWindow = 5 * time.Second
)

// subscriberBuffer is how far a subscriber may lag before it is cut off
// (and must then drop its cache) rather than slow everyone down.
const subscriberBuffer = 4096

// Revocations implements ports.Revocations over PostgreSQL LISTEN/NOTIFY on
// one dedicated connection per replica.
type Revocations struct {
	config *pgx.ConnConfig

	mu      sync.Mutex
	live    bool
	subs    map[chan uuid.UUID]struct{}
	waiters map[uuid.UUID][]chan struct{}
	recent  map[uuid.UUID]time.Time // published lately, for late Awaits
}

var _ ports.Revocations = (*Revocations)(nil)

// NewRevocations returns the feed; Run must be running for it to be live.
func NewRevocations(pool *pgxpool.Pool) *Revocations {
	return &Revocations{
		config:  pool.Config().ConnConfig.Copy(),
		subs:    map[chan uuid.UUID]struct{}{},
		waiters: map[uuid.UUID][]chan struct{}{},
		recent:  map[uuid.UUID]time.Time{},
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
func (r *Revocations) Subscribe(ctx context.Context) (<-chan uuid.UUID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.live {
		return nil, fmt.Errorf("revocation feed: %w", ports.ErrUnavailable)
	}
	ch := make(chan uuid.UUID, subscriberBuffer)
	r.subs[ch] = struct{}{}
	go func() {
		<-ctx.Done()
		r.drop(ch)
	}()
	return ch, nil
}

func (r *Revocations) publish(id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ch := range r.subs {
		select {
		case ch <- id:
		default: // too slow: cut it off rather than lose an event silently
			delete(r.subs, ch)
			close(ch)
		}
	}
	now := time.Now()
	for _, w := range r.waiters[id] {
		close(w)
	}
	delete(r.waiters, id)
	r.recent[id] = now
	if len(r.recent) > 10000 {
		for k, at := range r.recent {
			if now.Sub(at) > recentWindow {
				delete(r.recent, k)
			}
		}
	}
}

// Await implements ports.Revocations.
func (r *Revocations) Await(ctx context.Context, ids ...uuid.UUID) {
	ctx, cancel := context.WithTimeout(ctx, awaitBound)
	defer cancel()
	for _, id := range ids {
		w := r.waiter(id)
		if w == nil {
			continue
		}
		select {
		case <-w:
		case <-ctx.Done():
			r.dropWaiter(id, w)
			return
		}
	}
}

// waiter returns a channel closed when id is published, or nil when it
// already was or the feed is down.
func (r *Revocations) waiter(id uuid.UUID) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.live {
		return nil
	}
	if at, ok := r.recent[id]; ok && time.Since(at) < recentWindow {
		delete(r.recent, id)
		return nil
	}
	w := make(chan struct{})
	r.waiters[id] = append(r.waiters[id], w)
	return w
}

func (r *Revocations) dropWaiter(id uuid.UUID, w chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ws := r.waiters[id]
	for i, x := range ws {
		if x == w {
			r.waiters[id] = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(r.waiters[id]) == 0 {
		delete(r.waiters, id)
	}
}

func (r *Revocations) drop(ch chan uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.subs[ch]; ok {
		delete(r.subs, ch)
		close(ch)
	}
}

func (r *Revocations) setLive(live bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live = live
	if !live {
		for ch := range r.subs {
			close(ch)
		}
		clear(r.subs)
		for _, ws := range r.waiters {
			for _, w := range ws {
				close(w)
			}
		}
		clear(r.waiters)
		clear(r.recent)
	}
}
