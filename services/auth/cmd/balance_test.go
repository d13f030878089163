package main

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/infrastructure/platform/services/auth/client"
	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
)

// TestClientBalancesPerCall: a name that resolves to several replicas (a
// headless Service's pods) gets the client's calls in turn, not all on the
// first.
func TestClientBalancesPerCall(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.New(t)
	a := newStack(t, stackOptions{dbURL: dbURL})
	b := newStack(t, stackOptions{dbURL: dbURL})
	token := a.register(t, "ada@example.com", testPassword)

	r := manual.NewBuilderWithScheme("replicas")
	r.InitialState(resolver.State{Addresses: []resolver.Address{{Addr: a.grpcAddr}, {Addr: b.grpcAddr}}})
	c, err := client.New("replicas:///auth", client.WithDialOptions(grpc.WithResolvers(r)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for range 20 {
		if _, err := c.Validate(context.Background(), token); err != nil {
			t.Fatal(err)
		}
	}
	for name, s := range map[string]*stack{"a": a, "b": b} {
		if n := strings.Count(s.logs.String(), "ValidateSession"); n < 5 {
			t.Errorf("replica %s served %d of 20 calls", name, n)
		}
	}
}
