package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// password is every generated user's.
const password = "chaos load passphrase 7"

// session is one a login or registration created, which must stay valid:
// the load never ends or rotates it.
type session struct {
	id      int
	token   string
	email   string
	created time.Time
	// lost is set when the service called it unknown (not merely failed).
	lost atomic.Bool
	// lostAt is when, in Unix milliseconds.
	lostAt atomic.Int64
}

// sessions is the list of remembered sessions, safe for concurrent use.
type sessions struct {
	mu   sync.Mutex
	list []*session
}

func (s *sessions) add(token, email string, created time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, &session{id: len(s.list), token: token, email: email, created: created})
}

func (s *sessions) random() *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) == 0 {
		return nil
	}
	return s.list[rand.IntN(len(s.list))]
}

func (s *sessions) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.list)
}

func (s *sessions) all() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*session(nil), s.list...)
}

// load holds the clients and what the traffic made so far.
type load struct {
	o        options
	rec      *recorder
	http     *http.Client
	conns    []*grpc.ClientConn
	clients  []genpb.AuthClient
	next     atomic.Uint64
	plain    []string
	sessions sessions
	run      string
}

func newLoad(o options, rec *recorder) (*load, error) {
	if o.certs == "" {
		return nil, errors.New("-certs is required (the certs job's files)")
	}
	creds, err := mutualTLS(o.certs)
	if err != nil {
		return nil, err
	}
	l := &load{o: o, rec: rec, run: fmt.Sprintf("%x", time.Now().UnixNano())}
	// A transport of its own per load, with keep-alives: HAProxy spreads
	// requests, not connections, over the replicas.
	l.http = &http.Client{Timeout: o.timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for range o.grpcConns {
		conn, err := grpc.NewClient(o.grpcAddr, grpc.WithTransportCredentials(creds))
		if err != nil {
			l.close()
			return nil, fmt.Errorf("grpc %s: %w", o.grpcAddr, err)
		}
		l.conns = append(l.conns, conn)
		l.clients = append(l.clients, genpb.NewAuthClient(conn))
	}
	return l, nil
}

func (l *load) close() {
	for _, c := range l.conns {
		_ = c.Close()
	}
}

// mutualTLS is the executor's identity, checking auth's certificate
// against the stack's CA (it names 127.0.0.1, the host dialled).
func mutualTLS(dir string) (credentials.TransportCredentials, error) {
	pemCA, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemCA) {
		return nil, fmt.Errorf("%s/ca.pem: no certificate", dir)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "executor.pem"), filepath.Join(dir, "executor-key.pem"))
	if err != nil {
		return nil, err
	}
	return credentials.NewTLS(&tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}), nil
}

// answer is an HTTP response, or the error that stood for one.
type answer struct {
	status int
	body   []byte
	token  string // the session cookie, if one was set
	err    error
}

// do sends one JSON request with an optional bearer token.
func (l *load) do(ctx context.Context, method, url, token string, body any) answer {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, l.o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return answer{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := l.http.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, body: b, err: err}
	for _, c := range res.Cookies() {
		if c.Name == "session" || c.Name == "__Host-session" {
			a.token = c.Value
		}
	}
	return a
}

// outcome names an answer for the record: "" when it is the expected
// status, else the status or the error.
func (a answer) outcome(want int) string {
	switch {
	case a.err != nil:
		return shortErr(a.err)
	case a.status != want:
		return fmt.Sprintf("%d %s", a.status, truncate(string(a.body), 80))
	}
	return ""
}

// grpcClient picks the next connection, round robin.
func (l *load) grpcClient() genpb.AuthClient {
	return l.clients[l.next.Add(1)%uint64(len(l.clients))]
}

// validate checks one session over gRPC: "" when valid, "lost" when the
// service says it is not (Unauthenticated), else the error.
func (l *load) validate(ctx context.Context, s *session) string {
	ctx, cancel := context.WithTimeout(ctx, l.o.timeout)
	defer cancel()
	res, err := l.grpcClient().ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: s.token})
	switch {
	case status.Code(err) == codes.Unauthenticated:
		return "lost"
	case err != nil:
		return "grpc " + status.Code(err).String()
	case res.GetEmail() != s.email:
		return "lost" // another user's identity: as bad as none
	}
	return ""
}

// setup registers the plain users and one session each.
func (l *load) setup(ctx context.Context) error {
	for i := range l.o.plainUsers {
		email := fmt.Sprintf("plain-%s-%d@example.com", l.run, i)
		if err := retry(ctx, func() error {
			a := l.do(ctx, "POST", l.o.httpURL+"/auth/register", "", map[string]string{"email": email, "password": password})
			if o := a.outcome(http.StatusCreated); o != "" {
				return fmt.Errorf("register: %s", o)
			}
			l.sessions.add(a.token, email, time.Now())
			return nil
		}); err != nil {
			return err
		}
		l.plain = append(l.plain, email)
	}
	return nil
}

// retry tries f up to 5 times, a second apart (set-up only).
func retry(ctx context.Context, f func() error) error {
	var err error
	for range 5 {
		if err = f(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return err
}

// runWorkers runs every kind of traffic until ctx ends.
func (l *load) runWorkers(ctx context.Context) {
	var wg sync.WaitGroup
	every := func(n int, pause time.Duration, f func(context.Context)) {
		for range n {
			wg.Go(func() {
				for ctx.Err() == nil {
					f(ctx)
					sleep(ctx, pause)
				}
			})
		}
	}
	every(1, 300*time.Millisecond, l.login)
	every(4, 20*time.Millisecond, l.validateOne)
	every(2, 50*time.Millisecond, l.profile)
	if l.o.executorURL != "" {
		every(1, 200*time.Millisecond, l.whoami)
	}
	wg.Go(func() { l.races(ctx) })
	wg.Wait()
}

func (l *load) login(ctx context.Context) {
	email := l.plain[rand.IntN(len(l.plain))]
	t := time.Now()
	a := l.do(ctx, "POST", l.o.httpURL+"/auth/login", "", map[string]string{"email": email, "password": password})
	o := a.outcome(http.StatusOK)
	if o == "" && a.token == "" {
		o = "no session cookie"
	}
	if ctx.Err() != nil && o != "" {
		return // stopped, not failed
	}
	if o == "" {
		l.sessions.add(a.token, email, time.Now())
	}
	l.rec.add(event{T: ms(t), Dur: since(t), Kind: "login", Fail: o})
}

func (l *load) validateOne(ctx context.Context) {
	s := l.sessions.random()
	t := time.Now()
	o := l.validate(ctx, s)
	if ctx.Err() != nil && o != "" {
		return
	}
	l.recordSessionCheck(t, "validate", s, o)
}

func (l *load) profile(ctx context.Context) {
	s := l.sessions.random()
	t := time.Now()
	a := l.do(ctx, "GET", l.o.httpURL+"/auth/profile", s.token, nil)
	o := a.outcome(http.StatusOK)
	if a.err == nil && a.status == http.StatusUnauthorized {
		o = "lost"
	}
	if ctx.Err() != nil && o != "" {
		return
	}
	l.recordSessionCheck(t, "profile", s, o)
}

func (l *load) whoami(ctx context.Context) {
	s := l.sessions.random()
	t := time.Now()
	a := l.do(ctx, "GET", l.o.executorURL+"/executor/whoami", s.token, nil)
	o := a.outcome(http.StatusOK)
	if a.err == nil && a.status == http.StatusUnauthorized {
		o = "lost"
	}
	if ctx.Err() != nil && o != "" {
		return
	}
	l.recordSessionCheck(t, "executor", s, o)
}

// recordSessionCheck records a check of s; "lost" marks the session.
func (l *load) recordSessionCheck(t time.Time, kind string, s *session, o string) {
	e := event{T: ms(t), Dur: since(t), Kind: kind, Session: s.id, Fail: o}
	if o == "lost" {
		e.Fail, e.Lost = "", true
		if s.lost.CompareAndSwap(false, true) {
			s.lostAt.Store(ms(t))
		}
	}
	l.rec.add(e)
}

// sweep validates every remembered session once more after the load,
// retrying transport errors: a session still unknown is lost.
func (l *load) sweep(ctx context.Context) {
	for _, s := range l.sessions.all() {
		o := "start"
		for try := 0; try < 5 && o != "" && o != "lost"; try++ {
			if try > 0 {
				time.Sleep(time.Second)
			}
			t := time.Now()
			o = l.validate(ctx, s)
			l.recordSessionCheck(t, "sweep", s, o)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func ms(t time.Time) int64    { return t.UnixMilli() }
func since(t time.Time) int64 { return time.Since(t).Milliseconds() }
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// shortErr names a transport error without its URL.
func shortErr(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return truncate(ue.Unwrap().Error(), 80)
	}
	return truncate(err.Error(), 80)
}
