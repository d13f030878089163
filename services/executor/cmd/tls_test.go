package main

import (
	"net/http"
	"testing"

	"github.com/infrastructure/platform/internal/pkitest"
	"github.com/infrastructure/platform/services/auth/authtest"
)

// TestMutualTLS runs the auth service's gRPC API with mutual TLS and the
// executor with AUTH_TLS_*: validations and health checks both go over
// TLS, and an executor without a client certificate is refused.
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	pki := pkitest.New(t)
	srv := authtest.Start(t, authtest.Options{Env: map[string]string{
		"GRPC_TLS_CERT":  pki.ServerCert,
		"GRPC_TLS_KEY":   pki.ServerKey,
		"GRPC_CLIENT_CA": pki.CA,
	}})
	token, err := srv.Register(t.Context(), "ada@example.com", testPassword)
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name   string
		env    map[string]string
		status int
	}{
		{"case=client certificate", map[string]string{"AUTH_TLS_CA": pki.CA, "AUTH_TLS_CERT": pki.ClientCert, "AUTH_TLS_KEY": pki.ClientKey}, http.StatusOK},
		{"case=no client certificate", map[string]string{"AUTH_TLS_CA": pki.CA}, http.StatusServiceUnavailable},
		{"case=plaintext", nil, http.StatusServiceUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"AUTH_GRPC_ADDR": srv.GRPCAddr}
			for k, v := range tt.env {
				env[k] = v
			}
			url := startExecutor(t, env)
			if code, body := status(t, url, "/executor/whoami", token); code != tt.status {
				t.Errorf("whoami: %d %v, want %d", code, body, tt.status)
			}
			if code, body := status(t, url, "/healthz", ""); code != tt.status {
				t.Errorf("healthz: %d %v, want %d", code, body, tt.status)
			}
		})
	}
}
