// Package auth_test holds the test of the service's layers.
package auth_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/infrastructure/platform"

// TestLayers fails when a package depends, even transitively, on what its
// layer must not know: the controllers and the ports know neither pgx nor
// the sqlc package nor the repositories; the executor and the client
// package know nothing of the auth service's internals (they speak to it
// over gRPC, through its generated protobuf package).
func TestLayers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pkg       string
		forbidden []string
	}{
		{"./internal/controllers", []string{"github.com/jackc/pgx", module + "/services/auth/gen/database", module + "/services/auth/internal/repositories"}},
		{"./internal/ports", []string{"github.com/jackc/pgx", module + "/services/auth/gen/database", module + "/services/auth/internal/repositories"}},
		{"./client", []string{module + "/services/auth/internal/", module + "/services/auth/gen/auth", module + "/services/auth/gen/database"}},
		{"../executor/...", []string{module + "/services/auth/internal/", module + "/services/auth/gen/database"}},
	} {
		t.Run("pkg="+tt.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", tt.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", tt.pkg, err)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 10 {
				t.Fatalf("go list -deps %s listed %d packages: the test checks nothing", tt.pkg, len(deps))
			}
			for _, dep := range deps {
				for _, f := range tt.forbidden {
					if strings.HasPrefix(dep, f) {
						t.Errorf("%s depends on %s", tt.pkg, dep)
					}
				}
			}
		})
	}
}
