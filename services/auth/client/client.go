// Package client is what sibling services use to trust the auth service:
// Validate resolves a session token to an identity over gRPC, Middleware
// and UnaryServerInterceptor protect HTTP and gRPC servers with it, and an
// optional cache answers repeated validations in-process, forgetting a
// session the moment the auth service reports it revoked or rotated.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// Errors of Validate.
var (
	// ErrUnauthenticated means the token is unknown, expired or revoked.
	ErrUnauthenticated = errors.New("auth: session is not valid")
	// ErrUnavailable means the auth service could not answer.
	ErrUnavailable = errors.New("auth: service unavailable")
)

// Identity is what the auth service vouches for.
type Identity struct {
	SessionID string
	UserID    string
	Email     string
	// AAL is "aal1" or "aal2".
	AAL       string
	ExpiresAt time.Time
}

// Client validates sessions against the auth service.
type Client struct {
	conn    *grpc.ClientConn
	pb      genpb.AuthClient
	timeout time.Duration
	cache   *cache // nil without WithCache
	stop    context.CancelFunc
	done    chan struct{}
}

// Option configures New.
type Option func(*options)

type options struct {
	tls       *tls.Config
	timeout   time.Duration
	cacheSize int
	cacheTTL  time.Duration
	dial      []grpc.DialOption
	tracer    trace.TracerProvider
}

// WithTLS dials over TLS; give the config a client certificate for mutual
// TLS. Without it the connection is plaintext (loopback and tests only).
func WithTLS(c *tls.Config) Option { return func(o *options) { o.tls = c } }

// WithTimeout bounds each call to the auth service (default 2s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithCache keeps up to size validations for at most ttl, and never past a
// session's expiry. Cached answers are used only while the revocation
// stream is connected; every revocation or rotation it reports drops the
// session at once, and a broken stream drops everything.
func WithCache(size int, ttl time.Duration) Option {
	return func(o *options) { o.cacheSize, o.cacheTTL = size, ttl }
}

// WithTracerProvider traces calls with tp instead of otel's global
// provider. The trace context of the caller is propagated either way, so
// that ValidateSession spans join the sibling's trace.
func WithTracerProvider(tp trace.TracerProvider) Option { return func(o *options) { o.tracer = tp } }

// WithDialOptions adds gRPC dial options.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dial = append(o.dial, opts...) }
}

// New connects to the auth service at addr (host:port).
func New(addr string, opts ...Option) (*Client, error) {
	o := options{timeout: 2 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	creds := insecure.NewCredentials()
	if o.tls != nil {
		creds = credentials.NewTLS(o.tls)
	}
	var otelOpts []otelgrpc.Option
	if o.tracer != nil {
		otelOpts = append(otelOpts, otelgrpc.WithTracerProvider(o.tracer))
	}
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelOpts...)), // propagates the trace context
	}, o.dial...)
	conn, err := grpc.NewClient(addr, dial...)
	if err != nil {
		return nil, fmt.Errorf("auth client: %w", err)
	}
	c := &Client{conn: conn, pb: genpb.NewAuthClient(conn), timeout: o.timeout, done: make(chan struct{})}
	if o.cacheSize > 0 && o.cacheTTL > 0 {
		c.cache = newCache(o.cacheSize, o.cacheTTL)
		ctx, stop := context.WithCancel(context.Background())
		c.stop = stop
		go c.watch(ctx)
	} else {
		close(c.done)
	}
	return c, nil
}

// Close stops the revocation stream and closes the connection.
func (c *Client) Close() error {
	if c.stop != nil {
		c.stop()
	}
	<-c.done
	return c.conn.Close()
}

// Validate returns the identity behind token: ErrUnauthenticated when the
// session is not valid, ErrUnavailable when the auth service cannot say.
func (c *Client) Validate(ctx context.Context, token string) (Identity, error) {
	if token == "" {
		return Identity{}, ErrUnauthenticated
	}
	var key cacheKey
	var gen uint64
	if c.cache != nil {
		key = keyOf(token)
		if id, ok := c.cache.get(key, time.Now()); ok {
			return id, nil
		}
		gen = c.cache.generation()
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.pb.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token})
	if err != nil {
		return Identity{}, mapError(err)
	}
	expires, err := time.Parse(time.RFC3339, res.ExpiresAt)
	if err != nil {
		return Identity{}, fmt.Errorf("auth client: bad expires_at: %w", err)
	}
	id := Identity{SessionID: res.SessionId, UserID: res.UserId, Email: res.Email, AAL: res.Aal, ExpiresAt: expires}
	if c.cache != nil {
		c.cache.put(key, id, gen, time.Now())
	}
	return id, nil
}

// mapError turns a gRPC status into the package's errors.
func mapError(err error) error {
	switch status.Code(err) {
	case codes.Unauthenticated:
		return ErrUnauthenticated
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.ResourceExhausted:
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	default:
		return fmt.Errorf("auth client: %w", err)
	}
}
