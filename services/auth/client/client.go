// Package client is what sibling services use to trust the auth service:
// Validate resolves a session token to an identity over gRPC, Middleware
// and UnaryServerInterceptor protect HTTP and gRPC servers with it (and,
// by default, refuse the incomplete session of a user who has MFA), an
// optional cache answers repeated validations in-process, forgetting a
// session the moment the auth service reports it revoked or rotated, and
// Ping checks the auth service's health on the same connection.
package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/infrastructure/platform/internal/tlsreload"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// Errors of Validate.
var (
	// ErrUnauthenticated means the token is unknown, expired or revoked.
	ErrUnauthenticated = errors.New("auth: session is not valid")
	// ErrUnavailable means the auth service could not answer.
	ErrUnavailable = errors.New("auth: service unavailable")
)

// AAL is an authenticator assurance level (NIST SP 800-63B).
type AAL string

// The assurance levels of a session.
const (
	// AAL1: a password only.
	AAL1 AAL = "aal1"
	// AAL2: a password and a second factor, or a passkey that verified
	// its user (passwordless: the passkey is both factors).
	AAL2 AAL = "aal2"
)

// Identity is what the auth service vouches for.
type Identity struct {
	SessionID string
	UserID    string
	Email     string
	AAL       AAL
	// MFAEnabled tells that the user has a second factor: a session of
	// such a user at AAL1 is incomplete (see Complete).
	MFAEnabled bool
	ExpiresAt  time.Time
}

// Complete reports whether the session passed every factor the user has:
// AAL2, or AAL1 for a user without MFA.
func (id Identity) Complete() bool { return id.AAL == AAL2 || !id.MFAEnabled }

// Auth is what a sibling service depends on (its handlers, its wiring
// and its tests); *Client implements it over gRPC.
type Auth interface {
	// Validate returns the identity behind a session token:
	// ErrUnauthenticated when the session is not valid, ErrUnavailable
	// when the auth service cannot say.
	Validate(ctx context.Context, token string) (Identity, error)
	// Middleware guards HTTP handlers (see Client.Middleware).
	Middleware(opts ...GuardOption) func(http.Handler) http.Handler
	// UnaryServerInterceptor guards gRPC servers (see
	// Client.UnaryServerInterceptor).
	UnaryServerInterceptor(opts ...GuardOption) grpc.UnaryServerInterceptor
	// Name and Ping make it a clue health.Pinger of the auth service.
	Name() string
	Ping(ctx context.Context) error
	// Close ends the revocation stream and the connection.
	Close() error
}

var _ Auth = (*Client)(nil)

// Client validates sessions against the auth service.
type Client struct {
	conn    *grpc.ClientConn
	pb      genpb.AuthClient
	health  healthpb.HealthClient
	timeout time.Duration
	cache   *cache // nil without WithCache
	stop    context.CancelFunc
	done    chan struct{}
}

// Option configures New.
type Option func(*options)

type options struct {
	tlsFiles  *tlsreload.Files
	tlsName   string
	timeout   time.Duration
	cacheSize int
	cacheTTL  time.Duration
	dial      []grpc.DialOption
	tracer    trace.TracerProvider
}

// WithTLSFiles dials over TLS (without it the connection is plaintext:
// loopback and tests only) with the PEM files named: caFile signs the
// auth service's certificate (empty: the system roots), certFile and
// keyFile are this service's client certificate for mutual TLS (both or
// neither). Each new connection reads the files as they are then, so a
// rotated certificate needs no restart. serverName is the name the auth
// service's certificate must hold (empty: the host of the address).
func WithTLSFiles(caFile, certFile, keyFile, serverName string) Option {
	return func(o *options) {
		o.tlsFiles = &tlsreload.Files{CA: caFile, Cert: certFile, Key: keyFile}
		o.tlsName = serverName
	}
}

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

// keepaliveParams ping the auth service every 30 s, also between calls,
// so that a connection broken without a word (a NAT or a load balancer
// forgetting it) is noticed and replaced before a call needs it. The auth
// service allows pings every 20 s.
var keepaliveParams = keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second, PermitWithoutStream: true}

// roundRobin spreads calls over every address the name resolves to (the
// pods of a headless Service, say), call by call; with one address it is
// the same as gRPC's default, which would send every call to the first.
const roundRobin = `{"loadBalancingConfig": [{"round_robin": {}}]}`

// New connects to the auth service at addr (host:port, resolved by DNS;
// every address it resolves to gets calls in turn). It dials lazily: the
// auth service need not be up yet.
func New(addr string, opts ...Option) (*Client, error) {
	o := options{timeout: 2 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	creds := insecure.NewCredentials()
	if o.tlsFiles != nil {
		src, err := tlsreload.New(*o.tlsFiles, tlsreload.Options{})
		if err != nil {
			return nil, fmt.Errorf("auth client: %w", err)
		}
		creds = src.ClientCredentials(o.tlsName)
	}
	var otelOpts []otelgrpc.Option
	if o.tracer != nil {
		otelOpts = append(otelOpts, otelgrpc.WithTracerProvider(o.tracer))
	}
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithKeepaliveParams(keepaliveParams),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelOpts...)), // propagates the trace context
		grpc.WithDefaultServiceConfig(roundRobin),
	}, o.dial...)
	conn, err := grpc.NewClient(addr, dial...)
	if err != nil {
		return nil, fmt.Errorf("auth client: %w", err)
	}
	c := &Client{conn: conn, pb: genpb.NewAuthClient(conn), health: healthpb.NewHealthClient(conn), timeout: o.timeout, done: make(chan struct{})}
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
	id := Identity{SessionID: res.SessionId, UserID: res.UserId, Email: res.Email, AAL: AAL(res.Aal), MFAEnabled: res.MfaEnabled, ExpiresAt: expires}
	if c.cache != nil {
		c.cache.put(key, id, gen, time.Now())
	}
	return id, nil
}

// Name implements clue's health.Pinger: "auth".
func (c *Client) Name() string { return "auth" }

// Ping implements clue's health.Pinger over the client's own connection:
// nil when the auth service reports auth.Auth SERVING (it follows its
// database), ErrUnavailable otherwise.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: genpb.Auth_ServiceDesc.ServiceName})
	if err != nil {
		return fmt.Errorf("%w: health check: %w", ErrUnavailable, err)
	}
	if res.Status != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("%w: auth service reports %s", ErrUnavailable, res.Status)
	}
	return nil
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
