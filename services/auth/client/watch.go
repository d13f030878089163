package client

import (
	"context"
	"time"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// watch keeps the revocation stream open until ctx is done. The cache is
// on only between the stream's subscribed message and its end.
func (c *Client) watch(ctx context.Context) {
	defer close(c.done)
	delay := 50 * time.Millisecond
	for ctx.Err() == nil {
		if c.follow(ctx) {
			delay = 50 * time.Millisecond
		}
		c.cache.setEnabled(false)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
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
		c.cache.invalidate(ev.SessionId)
		// The call that revoked the session waits for this: once it
		// answers, this cache has forgotten the session.
		if err := stream.Send(&genpb.WatchRevocationsStreamingRequest{SessionId: ev.SessionId}); err != nil {
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
