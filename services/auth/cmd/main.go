// Command auth runs the auth service: the REST API for browsers and the gRPC
// API for sibling services, served from one set of Goa endpoints.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"goa.design/clue/log"

	"github.com/exaring/otelpgx"
	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/config"
	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/controllers"
	"github.com/infrastructure/platform/services/auth/internal/database"
	"github.com/infrastructure/platform/services/auth/internal/grpcauthz"
	"github.com/infrastructure/platform/services/auth/internal/janitor"
	"github.com/infrastructure/platform/services/auth/internal/keyring"
	"github.com/infrastructure/platform/services/auth/internal/middleware"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// databases are the service's pools: pool for queries (DATABASE_URL,
// perhaps through a transaction pooler), direct for what needs a session
// of its own (DATABASE_DIRECT_URL: migrations, LISTEN, the mail queue):
// the same pool when the two URLs are the same.
type databases struct {
	pool, direct *pgxpool.Pool
}

func (d databases) close() {
	if d.direct != nil && d.direct != d.pool {
		d.direct.Close()
	}
	if d.pool != nil {
		d.pool.Close()
	}
}

// directPoolSize bounds the direct pool: the migrations, the revocation
// feed's connection and the mail queue's few.
const directPoolSize = 6

// openDatabase waits for PostgreSQL and applies the migrations under an
// advisory lock, on the direct connection. Queries on DATABASE_URL are
// sent in DATABASE_EXEC_MODE; they are traced (without their parameters)
// when spans are exported; the pools' statistics are metrics whenever tel
// is set.
func openDatabase(ctx context.Context, cfg *config.Config, tel *telemetry) (databases, error) {
	var configure []func(*pgxpool.Config)
	if tel != nil && tel.tracing {
		configure = append(configure, func(pc *pgxpool.Config) {
			// Statements are recorded, their parameters never (the
			// default): no secret reaches a span.
			pc.ConnConfig.Tracer = otelpgx.NewTracer(otelpgx.WithTracerProvider(tel.tracer),
				otelpgx.WithMeterProvider(metricnoop.NewMeterProvider()), otelpgx.WithDisableAcquireTracer())
		})
	}
	mode := execModes[cfg.DatabaseExecMode]
	var db databases
	var err error
	db.pool, err = database.Connect(ctx, cfg.DatabaseURL, cfg.DatabaseConnectTimeout, append(configure, func(pc *pgxpool.Config) {
		pc.ConnConfig.DefaultQueryExecMode = mode
	})...)
	if err != nil {
		return db, fmt.Errorf("connect to database: %w", err)
	}
	db.direct = db.pool
	if cfg.DatabaseDirectURL != cfg.DatabaseURL {
		db.direct, err = database.Connect(ctx, cfg.DatabaseDirectURL, cfg.DatabaseConnectTimeout, append(configure, func(pc *pgxpool.Config) {
			pc.MaxConns = directPoolSize
		})...)
		if err != nil {
			db.direct = nil
			db.close()
			return db, fmt.Errorf("connect to database (DATABASE_DIRECT_URL): %w", err)
		}
	}
	if tel != nil {
		if err := otelpgx.RecordStats(db.pool, otelpgx.WithStatsMeterProvider(tel.meter)); err != nil {
			db.close()
			return db, fmt.Errorf("pool metrics: %w", err)
		}
	}
	if err := database.Migrate(ctx, db.direct); err != nil {
		db.close()
		return db, err
	}
	return db, nil
}

// execModes maps DATABASE_EXEC_MODE to pgx's modes.
var execModes = map[string]pgx.QueryExecMode{
	config.ExecModeCacheStatement: pgx.QueryExecModeCacheStatement,
	config.ExecModeCacheDescribe:  pgx.QueryExecModeCacheDescribe,
	config.ExecModeExec:           pgx.QueryExecModeExec,
	config.ExecModeSimpleProtocol: pgx.QueryExecModeSimpleProtocol,
}

func main() {
	os.Exit(mainCode())
}

// mainCode is main without os.Exit, so that the deferred flush of the log
// writer runs whatever the outcome.
func mainCode() int {
	// 0. `auth healthcheck` (the image's HEALTHCHECK) needs only HTTP_ADDR
	// and `auth certs init` (the compose stack's one-shot certs service)
	// nothing: they run before config.Load, which requires DATABASE_URL
	// and the keys.
	switch commandName() {
	case "healthcheck":
		return runHealthcheck()
	case "certs":
		return runCerts(os.Args[2:], os.Stdout, os.Stderr)
	}
	tuneGC(os.Getenv)

	// 1. Configuration, read once. A bad value stops start-up and names
	// the variable.
	cfg, warnings, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "auth: invalid configuration:\n%v\n", err)
		return 2
	}

	// 2. Logger: JSON unless on a terminal, to stdout. Lines are written
	// by the goroutine that logs: a background writer measured no faster
	// on the hot path (see internal/logging's doc), so it went.
	debugLogs.Set(cfg.Debug)
	ctx := logging.New(os.Stdout, logging.Format(), &debugLogs)
	for _, w := range warnings {
		log.Print(ctx, log.KV{K: "msg", V: "configuration warning"}, log.KV{K: "warning", V: w})
	}

	// 3. Stop on SIGTERM or SIGINT.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	// 4. The command: serve (the default) or an operator task.
	var cmdErr error
	switch command := commandName(); command {
	case "serve":
		cmdErr = run(ctx, cfg, hooks{globals: true})
	case "rotate-keys":
		cmdErr = rotateKeys(ctx, cfg)
	default:
		fmt.Fprintf(os.Stderr, "auth: unknown command %q\n%s", command, usage)
		return 2
	}
	if cmdErr != nil {
		log.Error(ctx, cmdErr, log.KV{K: "msg", V: "auth stopped"})
		return 1
	}
	return 0
}

const usage = `usage: auth [command]
commands:
  serve        serve the REST and gRPC APIs (the default)
  rotate-keys  re-encrypt every TOTP secret under TOTP_ENCRYPTION_KEY
               (set TOTP_PREVIOUS_ENCRYPTION_KEY to the key being retired)
               and count the users whose backup codes need regenerating
  healthcheck  exit 0 if the server on HTTP_ADDR answers GET /livez (for HEALTHCHECK)
  certs init [-dir DIR]
               make or keep a development CA and the gRPC peers' certificates
               in DIR (default /certs; the compose stack's certs service)
`

func commandName() string {
	if len(os.Args) < 2 {
		return "serve"
	}
	return os.Args[1]
}

// hooks let tests observe and steer run.
type hooks struct {
	// ready receives the bound addresses (tests listen on port 0).
	ready func(httpAddr, grpcAddr net.Addr)
	// now replaces the clock of TOTP codes.
	now func() time.Time
	// spans, when set, receives every span (tests).
	spans sdktrace.SpanExporter
	// globals makes the telemetry otel's global providers (main only:
	// tests run several services in one process).
	globals bool
	// mailRetryScale shrinks the mail worker's retry delays (tests).
	mailRetryScale float64
}

// debugLogs switches the debug lines at run time (LOG_LEVEL=debug at
// start, GET /debug?debug-logs=on|off from an operator).
var debugLogs logging.Switch

// run wires the service and serves it until ctx is done, then shuts down
// gracefully.
func run(ctx context.Context, cfg *config.Config, h hooks) error {
	// 5. Telemetry: traces (OTLP when configured), Prometheus metrics.
	tel, err := newTelemetry(ctx, cfg, h.spans)
	if err != nil {
		return err
	}
	if h.globals {
		tel.setGlobals()
	}
	defer func() { _ = tel.shutdown(context.WithoutCancel(ctx)) }()

	// 6. Database: wait for PostgreSQL, then migrate under an advisory lock;
	// queries are traced (without their parameters) when spans are exported.
	db, err := openDatabase(ctx, cfg, tel)
	if err != nil {
		return err
	}
	defer db.close()
	pool := db.pool

	// 7. Service over its ports.
	keys, err := keyring.New(cfg.TOTPEncryptionKey, cfg.TOTPPreviousEncryptionKey)
	if err != nil {
		return fmt.Errorf("TOTP_ENCRYPTION_KEY: %w", err)
	}
	mailScale := 1.0
	if h.mailRetryScale > 0 {
		mailScale = h.mailRetryScale
	}
	links := repositories.NewEmailLinks(pool)
	outbox, err := newOutbox(ctx, cfg, db.direct, links, mailScale)
	if err != nil {
		return err
	}
	defer func() { _ = outbox.stop(context.WithoutCancel(ctx)) }()
	notices := repositories.NewNotices(outbox.client)
	links.MailWith(notices)
	sessions := repositories.NewSessions(pool)
	throttle := repositories.NewThrottle(pool, limits(cfg.Throttle)).MailWith(notices)
	revocations := repositories.NewRevocations(db.direct)
	go revocations.Run(ctx)
	passkeys := repositories.NewPasskeys(pool).MailWith(notices)
	svc, err := controllers.New(controllers.Options{
		Users:                     repositories.NewUsers(pool).MailWith(notices),
		Sessions:                  sessions,
		Directory:                 sessions,
		Revocations:               revocations,
		Throttle:                  throttle,
		HashConcurrency:           cfg.PasswordHashConcurrency,
		HashWait:                  cfg.PasswordHashWait,
		TOTP:                      repositories.NewTOTPCredentials(pool).MailWith(notices),
		BackupCodes:               repositories.NewBackupCodes(pool).MailWith(notices),
		Operators:                 repositories.NewOperators(pool, notices),
		Passwords:                 repositories.NewPasswords(pool, notices),
		EmailLinks:                links,
		Passkeys:                  passkeys,
		PasskeyChallenges:         passkeys,
		RelyingParty:              controllers.RelyingParty{ID: cfg.RPID, Origins: cfg.RPOrigins, DisplayName: cfg.RPDisplayName},
		EmailVerificationRequired: cfg.EmailVerificationRequired,
		SecretBox:                 keys,
		CodeHasher:                keys,
		BcryptCost:                cfg.BcryptCost,
		IdleTimeout:               cfg.SessionIdleTimeout,
		AbsoluteTimeout:           cfg.SessionAbsoluteTimeout,
		TOTPIssuer:                cfg.TOTPIssuer,
		Now:                       h.now,
		Meter:                     tel.meter.Meter(serviceName),
	})
	if err != nil {
		return err
	}

	// 8. One set of endpoints for both transports.
	endpoints := genauth.NewEndpoints(svc)
	endpoints.Use(middleware.MethodLabel)

	// 9. Transports.
	httpLn, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	grpcLn, err := net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		httpLn.Close()
		return fmt.Errorf("GRPC_ADDR: %w", err)
	}
	pinger := database.Pinger{Pool: db.pool, Direct: db.direct}
	httpSrv, err := newHTTPServer(ctx, cfg, endpoints, pinger, tel)
	if err != nil {
		httpLn.Close()
		grpcLn.Close()
		return err
	}
	grpcSrv, err := newGRPCServer(ctx, endpoints, pinger, cfg.GRPCTLS, grpcauthz.New(cfg.GRPCAllow), tel)
	if err != nil {
		httpLn.Close()
		grpcLn.Close()
		return err
	}
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		metricsLn, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			httpLn.Close()
			grpcLn.Close()
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		metricsSrv = newMetricsServer(ctx, tel)
		go func() { _ = serveHTTP(metricsSrv, metricsLn) }()
	}

	// 10. Serve until a server fails or ctx is done; meanwhile delete
	// long-ended sessions and old attempts in the background.
	go janitor.Run(ctx, sessions, janitor.Options{What: "sessions",
		Every: cfg.SessionCleanupInterval, Retention: cfg.SessionRetention, Batch: 1000, Pause: 100 * time.Millisecond,
	})
	go janitor.Run(ctx, throttle, janitor.Options{What: "auth_attempts",
		Every: cfg.SessionCleanupInterval, Retention: cfg.AttemptsRetention, Batch: 1000, Pause: 100 * time.Millisecond,
	})
	go janitor.Run(ctx, links, janitor.Options{What: "email_tokens",
		Every: cfg.SessionCleanupInterval, Retention: cfg.SessionRetention, Batch: 1000, Pause: 100 * time.Millisecond,
	})
	errc := make(chan error, 2)
	go func() { errc <- serveHTTP(httpSrv, httpLn) }()
	go func() { errc <- grpcSrv.serve(ctx, grpcLn) }()
	log.Print(ctx, log.KV{K: "msg", V: "auth serving"},
		log.KV{K: "http", V: httpLn.Addr().String()}, log.KV{K: "grpc", V: grpcLn.Addr().String()})
	if h.ready != nil {
		h.ready(httpLn.Addr(), grpcLn.Addr())
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}

	// 11. Graceful shutdown: stop accepting, finish in-flight requests
	// within the deadline, then close the pool (deferred).
	log.Print(ctx, log.KV{K: "msg", V: "shutting down"})
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	shutdownErr := errors.Join(shutdownHTTP(shutdownCtx, httpSrv), grpcSrv.shutdown(shutdownCtx))
	if metricsSrv != nil {
		shutdownErr = errors.Join(shutdownErr, shutdownHTTP(shutdownCtx, metricsSrv))
	}
	return errors.Join(serveErr, shutdownErr)
}

// limits maps the configured throttles to the domain's.
func limits(t config.Throttle) ports.Limits {
	return ports.Limits{
		LoginFailures:          t.LoginFailures,
		LoginWindow:            t.LoginWindow,
		SecondFactorFailures:   t.SecondFactorFailures,
		SecondFactorWindow:     t.SecondFactorWindow,
		IPFailures:             t.IPFailures,
		IPWindow:               t.IPWindow,
		Registrations:          t.Registrations,
		RegistrationWindow:     t.RegistrationWindow,
		KnownIPMemory:          t.KnownIPMemory,
		IPv6Prefix:             t.IPv6Prefix,
		LockoutFailures:        t.LockoutFailures,
		RefusalBucket:          time.Minute,
		MailPerAccount:         t.MailPerAccount,
		MailPerIP:              t.MailPerIP,
		MailWindow:             t.MailWindow,
		PasskeyChallenges:      t.PasskeyChallenges,
		PasskeyChallengeWindow: t.PasskeyChallengeWindow,
	}
}
