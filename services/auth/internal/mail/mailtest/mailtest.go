// Package mailtest is an SMTP server in the test's process
// (github.com/emersion/go-smtp) that keeps what it receives, for tests of
// the mail that the service sends. It is for tests only.
package mailtest

import (
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
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
	ms, ok := s.WaitN(to, 1, timeout, subs...)
	if !ok {
		return Message{}, false
	}
	return ms[0], true
}

// WaitN waits at most timeout for n messages to a recipient whose data
// contains every one of subs, and returns them all in the order they
// arrived; ok is false when fewer came.
func (s *Server) WaitN(to string, n int, timeout time.Duration, subs ...string) ([]Message, bool) {
	deadline := time.After(timeout)
	for {
		var found []Message
		for _, m := range s.Messages() {
			if contains(m, to, subs) {
				found = append(found, m)
			}
		}
		if len(found) >= n {
			return found, true
		}
		select {
		case <-s.arrived:
		case <-deadline:
			return found, false
		}
	}
}

// Text returns the message's text/plain body, decoded.
func (m Message) Text() (string, error) {
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return "", err
	}
	return textPart(textproto.MIMEHeader(msg.Header), msg.Body)
}

// textPart finds the text/plain part of an entity and decodes it.
func textPart(h textproto.MIMEHeader, body io.Reader) (string, error) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err != nil {
				return "", fmt.Errorf("no text/plain part: %w", err)
			}
			if text, err := textPart(p.Header, p); err == nil {
				return text, nil
			}
		}
	}
	if mt != "text/plain" {
		return "", fmt.Errorf("a %s part", mt)
	}
	if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	} else if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	return string(b), err
}

// Link returns the first URL in the message's text that starts with
// prefix, up to the end of its line.
func (m Message) Link(prefix string) (string, error) {
	text, err := m.Text()
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, prefix) {
			return line, nil
		}
	}
	return "", fmt.Errorf("no link to %s in %q", prefix, text)
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
