// Command grpcprobe validates a session over the auth service's gRPC API,
// as a sibling service would: scripts/compose-e2e.sh runs it against the
// published port of the compose stack. It reads the session token from
// stdin (so that it shows in no process list), calls ValidateSession with
// the generated client, prints the identity as JSON and exits 0 when it
// matches the expectations given as flags, 1 otherwise.
//
//	printf %s "$token" | go run ./scripts/grpcprobe -addr 127.0.0.1:9090 -email ada@example.com -aal aal2
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "the auth service's gRPC address (plaintext)")
	email := flag.String("email", "", "expected email (empty: any)")
	aal := flag.String("aal", "", "expected assurance level, aal1 or aal2 (empty: any)")
	timeout := flag.Duration("timeout", 5*time.Second, "deadline of the call")
	flag.Parse()
	if err := run(*addr, *email, *aal, *timeout); err != nil {
		fmt.Fprintf(os.Stderr, "grpcprobe: %v\n", err)
		os.Exit(1)
	}
}

func run(addr, wantEmail, wantAAL string, timeout time.Duration) error {
	token, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the token from stdin: %w", err)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return errors.New("no token on stdin")
	}

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := genpb.NewAuthClient(conn).ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token})
	if err != nil {
		return fmt.Errorf("ValidateSession: %w", err)
	}

	out, err := json.Marshal(map[string]string{
		"session_id": res.GetSessionId(), "user_id": res.GetUserId(), "email": res.GetEmail(),
		"aal": res.GetAal(), "expires_at": res.GetExpiresAt(),
	})
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	if wantEmail != "" && res.GetEmail() != wantEmail {
		return fmt.Errorf("email is %q, want %q", res.GetEmail(), wantEmail)
	}
	if wantAAL != "" && res.GetAal() != wantAAL {
		return fmt.Errorf("aal is %q, want %q", res.GetAal(), wantAAL)
	}
	return nil
}
