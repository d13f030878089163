package controllers

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

func TestActivity(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ident := identity(true, ports.AAL2)
	events := []ports.Event{
		{Kind: ports.KindTOTP, Success: true, IP: netip.MustParseAddr("2001:db8::1"), CreatedAt: base.Add(2 * time.Minute)},
		{Kind: ports.KindLogin, Success: true, IP: testIP, CreatedAt: base.Add(time.Minute)},
		{Kind: ports.KindBackupCode, IP: netip.MustParseAddr("198.51.100.23"), CreatedAt: base, Repeats: 40},
	}
	f.throttle.EXPECT().Activity(gomock.Any(), ident.UserID, 50).Return(events, nil)

	res, err := f.svc.Activity(f.withSession(ident, testToken(t)), &genauth.ActivityPayload{})
	if err != nil {
		t.Fatalf("Activity: %v", err)
	}

	// base is 03:04:05 CET: the API speaks UTC.
	want := []genauth.SecurityEvent{
		{Kind: "totp", Success: true, IP: "2001:db8::1", CreatedAt: "2025-01-02T02:06:05Z", Repeats: 1},
		{Kind: "login", Success: true, IP: "203.0.113.7", CreatedAt: "2025-01-02T02:05:05Z", Repeats: 1},
		{Kind: "backup_code", Success: false, IP: "198.51.100.23", CreatedAt: "2025-01-02T02:04:05Z", Repeats: 40},
	}
	if len(res.Events) != len(want) {
		t.Fatalf("%d events, want %d", len(res.Events), len(want))
	}
	for i, got := range res.Events {
		if *got != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, *got, want[i])
		}
		if _, err := time.Parse(time.RFC3339, got.CreatedAt); err != nil {
			t.Errorf("event %d: created_at %q is not RFC 3339: %v", i, got.CreatedAt, err)
		}
	}
}

func TestActivityEmpty(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ident := identity(false, ports.AAL1)
	f.throttle.EXPECT().Activity(gomock.Any(), ident.UserID, 50).Return(nil, nil)

	res, err := f.svc.Activity(f.withSession(ident, testToken(t)), &genauth.ActivityPayload{})
	if err != nil {
		t.Fatalf("Activity: %v", err)
	}
	if res.Events == nil || len(res.Events) != 0 {
		t.Errorf("events = %#v, want an empty list (not nil)", res.Events)
	}
}

func TestActivityErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		noSession bool
		err       error // from Activity
		wantName  string
	}{
		{name: "case=no session", noSession: true, wantName: "unauthorized"},
		{name: "case=unavailable", err: fmt.Errorf("list attempts: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(false, ports.AAL1)
			ctx := f.withSession(ident, testToken(t))
			if tt.noSession {
				ctx = f.ctx
				f.throttle.EXPECT().Activity(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			} else {
				f.throttle.EXPECT().Activity(gomock.Any(), ident.UserID, 50).Return(nil, tt.err)
			}

			res, err := f.svc.Activity(ctx, &genauth.ActivityPayload{})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			se := f.requireServiceError(t, err, tt.wantName)
			if strings.Contains(se.Message, "conn reset") {
				t.Errorf("message %q exposes the cause", se.Message)
			}
		})
	}
}
