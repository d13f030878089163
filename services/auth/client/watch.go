package client

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// newWatchBackoff is the delay between two attempts to subscribe: 50 ms
// doubling to 5 s, each randomized by half either way, so that siblings
// cut off together (an auth replica restarting) do not come back in step.
func newWatchBackoff() *backoff.ExponentialBackOff {
	b := &backoff.ExponentialBackOff{InitialInterval: 50 * time.Millisecond, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: 5 * time.Second}
	b.Reset()
	return b
}

// watch keeps the revocation stream open until ctx is done. The cache is
// on only between the stream's subscribed message and its end.
func (c *Client) watch(ctx context.Context) {
	defer close(c.done)
	b := newWatchBackoff()
	for ctx.Err() == nil {
		if c.follow(ctx) {
			b.Reset()
		}
		c.cache.setEnabled(false)
		select {
		case <-ctx.Done():
			return
		case <-time.After(b.NextBackOff()):
		}
	}
}

// follow reads one stream; it reports whether the stream got subscribed.
func (c *Client) follow(ctx context.Context) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.pb.WatchRevocations(ctx)
	if err != nil {
		return false
	}
	first, err := stream.Recv()
	if err != nil || !first.Subscribed {
		return false
	}
	c.cache.setEnabled(true)
	for {
		ev, err := stream.Recv()
		if err != nil {
			return true
		}
		// The call that made the change waits for the acknowledgement:
		// once it answers, this cache has forgotten the session (or
		// every session of the user).
		ack := &genpb.WatchRevocationsStreamingRequest{SessionId: ev.SessionId}
		if ev.UserId != nil && *ev.UserId != "" {
			c.cache.invalidate(*ev.UserId)
			ack = &genpb.WatchRevocationsStreamingRequest{UserId: ev.UserId}
		} else {
			c.cache.invalidate(ev.SessionId)
		}
		if err := stream.Send(ack); err != nil {
			return true
		}
	}
}

// CacheLive reports whether cached validations are in use (the revocation
// stream is connected). For health checks and tests.
func (c *Client) CacheLive() bool {
	if c.cache == nil {
		return false
	}
	c.cache.mu.Lock()
	defer c.cache.mu.Unlock()
	return c.cache.enabled
}
