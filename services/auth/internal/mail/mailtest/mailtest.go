// Package mailtest is an SMTP server in the test's process
// (github.com/emersion/go-smtp) that keeps what it receives, for tests of
// the mail that the service sends. It is for tests only.
package mailtest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message received.
type Message struct {
	From string
	To   []string
	Data string
}

// Server is a running SMTP catcher.
type Server struct {
	// Addr is host:port.
	Addr string

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{}
	srv      *smtp.Server
}

// Start serves SMTP on a free loopback port until the end of t.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return Serve(t, ln)
}

// Serve serves SMTP on ln until the end of t (to come up on an address
// that was refused before).
func Serve(t testing.TB, ln net.Listener) *Server {
	t.Helper()
	s := &Server{Addr: ln.Addr().String(), arrived: make(chan struct{}, 1000)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait returns the first message to a recipient whose data contains every
// one of subs, waiting at most timeout; ok is false when none came.
func (s *Server) Wait(to string, timeout time.Duration, subs ...string) (Message, bool) {
	deadline := time.After(timeout)
	for {
		for _, m := range s.Messages() {
			if contains(m, to, subs) {
				return m, true
			}
		}
		select {
		case <-s.arrived:
		case <-deadline:
			return Message{}, false
		}
	}
}

func contains(m Message, to string, subs []string) bool {
	found := false
	for _, r := range m.To {
		found = found || strings.EqualFold(r, to)
	}
	for _, sub := range subs {
		found = found && strings.Contains(m.Data, sub)
	}
	return found
}

type session struct {
	s   *Server
	msg Message
}

func (s *session) Reset()                                      { s.msg = Message{} }
func (s *session) Logout() error                               { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.msg.From = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = string(b)
	s.s.mu.Lock()
	s.s.messages = append(s.s.messages, s.msg)
	s.s.mu.Unlock()
	select {
	case s.s.arrived <- struct{}{}:
	default:
	}
	return nil
}
