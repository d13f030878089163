package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"

	"github.com/infrastructure/platform/services/auth/authtest"
	"github.com/infrastructure/platform/services/auth/client"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// stack is what the cases call: the real auth binary on a fresh database,
// the reference server reading the same database and, for case (e), a
// second auth binary serving gRPC with mutual TLS.
type stack struct {
	auth *authtest.Server
	mtls *mtlsServer // nil unless case (e) runs
	// modes are the auth binaries of cases (f), (g) and (h), by
	// DATABASE_EXEC_MODE; absent unless the case runs.
	modes     map[string]*authtest.Server
	refAddr   string
	stopRef   func() error
	token     string
	sessionID string
}

// startStack starts the auth binary on dbURL (which it migrates), registers
// a user and starts the reference server on the same database: in a
// process of its own, or in this one when inProcess is set. With mtls it
// also starts the auth binary of case (e), once the first has migrated.
func startStack(ctx context.Context, dbURL string, inProcess, mtls bool, execModes ...string) (s *stack, err error) {
	s = &stack{modes: map[string]*authtest.Server{}}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.close())
		}
	}()
	if s.auth, err = authtest.StartProcess(ctx, authtest.Options{DatabaseURL: dbURL}); err != nil {
		return s, fmt.Errorf("start auth: %w", err)
	}
	if s.token, err = s.auth.Register(ctx, "bench@example.com", "bench password 1"); err != nil {
		return s, fmt.Errorf("register: %w", err)
	}
	if s.sessionID, err = sessionOf(ctx, s.auth.GRPCAddr, s.token); err != nil {
		return s, err
	}
	if inProcess {
		s.refAddr, s.stopRef, err = startReferenceInProcess(ctx, dbURL)
	} else {
		s.refAddr, s.stopRef, err = startReferenceProcess(ctx, dbURL)
	}
	if err != nil {
		return s, err
	}
	if mtls {
		if s.mtls, err = startMTLS(ctx, dbURL); err != nil {
			return s, err
		}
	}
	for _, mode := range execModes {
		srv, err := authtest.StartProcess(ctx, authtest.Options{DatabaseURL: dbURL, Env: map[string]string{"DATABASE_EXEC_MODE": mode}})
		if err != nil {
			return s, fmt.Errorf("start auth with DATABASE_EXEC_MODE=%s: %w", mode, err)
		}
		s.modes[mode] = srv
	}
	return s, nil
}

func (s *stack) close() error {
	var errs []error
	if s.mtls != nil {
		errs = append(errs, s.mtls.close())
	}
	for mode, srv := range s.modes {
		if err := srv.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop auth (%s): %w", mode, err))
		}
	}
	if s.stopRef != nil {
		errs = append(errs, s.stopRef())
	}
	if s.auth != nil {
		if err := s.auth.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop auth: %w", err))
		}
	}
	return errors.Join(errs...)
}

// sessionOf asks the auth service which session the token opens: case (b)
// reads that row by primary key.
func sessionOf(ctx context.Context, addr, token string) (string, error) {
	conn, err := dial(addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	res, err := genpb.NewAuthClient(conn).ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token})
	if err != nil {
		return "", fmt.Errorf("validate the registered session: %w", err)
	}
	return res.SessionId, nil
}

// benchCase is one line of the requirement. open returns the call to
// measure over one connection (shared by every goroutine and every
// concurrency of the case) and what closes it.
type benchCase struct {
	id, name string
	open     func(ctx context.Context) (call, func() error, error)
}

func (s *stack) cases() []benchCase {
	return []benchCase{
		{"a", "a  bare grpc-go echo", func(context.Context) (call, func() error, error) {
			conn, err := dial(s.refAddr)
			if err != nil {
				return nil, nil, err
			}
			return echoCall(conn), conn.Close, nil
		}},
		{"b", "b  grpc-go + pgx primary-key lookup", func(context.Context) (call, func() error, error) {
			conn, err := dial(s.refAddr)
			if err != nil {
				return nil, nil, err
			}
			return lookupCall(conn, s.sessionID), conn.Close, nil
		}},
		{"c", "c  ValidateSession", func(context.Context) (call, func() error, error) {
			conn, err := dial(s.auth.GRPCAddr)
			if err != nil {
				return nil, nil, err
			}
			return validateCall(conn, s.token), conn.Close, nil
		}},
		{"d", "d  client.Validate with cache", s.openCachedClient},
		{"e", "e  ValidateSession over mTLS", func(context.Context) (call, func() error, error) {
			conn, err := dialTLS(s.mtls.auth.GRPCAddr, s.mtls.client)
			if err != nil {
				return nil, nil, err
			}
			return validateCall(conn, s.token), conn.Close, nil
		}},
		{"f", "f  ValidateSession, exec mode exec", s.openExecMode("exec")},
		{"g", "g  ValidateSession, exec mode simple_protocol", s.openExecMode("simple_protocol")},
		{"h", "h  ValidateSession, exec mode cache_describe", s.openExecMode("cache_describe")},
	}
}

// openExecMode is cases (f), (g) and (h): case (c) against the auth binary
// whose queries are sent in the exec mode (DATABASE_EXEC_MODE) that a
// transaction pooler needs, instead of pgx's statement cache.
func (s *stack) openExecMode(mode string) func(context.Context) (call, func() error, error) {
	return func(context.Context) (call, func() error, error) {
		conn, err := dial(s.modes[mode].GRPCAddr)
		if err != nil {
			return nil, nil, err
		}
		return validateCall(conn, s.token), conn.Close, nil
	}
}

// validateCall is cases (c) and (e): the generated client's ValidateSession.
func validateCall(conn *grpc.ClientConn, token string) call {
	pb := genpb.NewAuthClient(conn)
	req := &genpb.ValidateSessionRequest{Token: token}
	return func(ctx context.Context) error {
		_, err := pb.ValidateSession(ctx, req)
		return err
	}
}

// openCachedClient is case (d). Its cache answers only once the revocation
// stream is up, so it waits for that; the warm-up fills the cache.
func (s *stack) openCachedClient(ctx context.Context) (call, func() error, error) {
	c, err := client.New(s.auth.GRPCAddr, client.WithCache(10000, time.Minute))
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for !c.CacheLive() {
		if !sleep(ctx, 10*time.Millisecond) {
			return nil, nil, errors.Join(errors.New("client cache not live within 10s"), c.Close())
		}
	}
	return func(ctx context.Context) error {
		_, err := c.Validate(ctx, s.token)
		return err
	}, c.Close, nil
}
