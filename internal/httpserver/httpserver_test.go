package httpserver_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/infrastructure/platform/internal/httpserver"
)

type key struct{}

func TestNew(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "logger"))
	h := http.NotFoundHandler()
	srv := httpserver.New(ctx, h)
	if srv.Handler == nil {
		t.Error("no handler")
	}
	for _, tt := range []struct {
		name string
		set  bool
	}{
		{"ReadHeaderTimeout", srv.ReadHeaderTimeout > 0},
		{"ReadTimeout", srv.ReadTimeout > 0},
		{"WriteTimeout", srv.WriteTimeout > 0},
		{"IdleTimeout", srv.IdleTimeout > 0},
		{"MaxHeaderBytes", srv.MaxHeaderBytes > 0},
	} {
		if !tt.set {
			t.Errorf("%s is not set", tt.name)
		}
	}

	cancel()
	base := srv.BaseContext(nil)
	if base.Value(key{}) != "logger" {
		t.Error("requests lose the values of ctx")
	}
	if base.Err() != nil {
		t.Error("requests are cancelled with ctx")
	}
}
