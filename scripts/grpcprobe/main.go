// Command grpcprobe calls the auth service's gRPC API as a sibling service
// would: scripts/compose-e2e.sh runs it against the published port of the
// compose stack. It reads its argument from stdin (the session token, so
// that it shows in no process list; a session or user id for the other
// methods), makes one call with the generated client, prints the answer as
// JSON and exits 0 when it matches the expectations given as flags, 1
// otherwise.
//
// Plaintext by default; -cacert turns on TLS (the server's certificate
// must be signed by that CA and name -servername, else the host of -addr),
// and -cert with -key add a client certificate for mutual TLS.
// -expect-code turns the probe around: it passes only when the call fails
// with that gRPC code, such as Unavailable (no TLS, or a certificate of
// another CA) or PermissionDenied (an identity not allowed the method).
//
//	printf %s "$token" | go run ./scripts/grpcprobe -addr 127.0.0.1:9090 -email ada@example.com -aal aal2
//	printf %s "$token" | go run ./scripts/grpcprobe -addr 127.0.0.1:9090 \
//	    -cacert ca.pem -cert executor.pem -key executor-key.pem
//	printf %s "$token" | go run ./scripts/grpcprobe -addr 127.0.0.1:9090 -expect-code Unavailable
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// options are the flags.
type options struct {
	addr, method       string
	cacert, cert, key  string
	serverName         string
	wantEmail, wantAAL string
	expectCode         string
	timeout            time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:9090", "the auth service's gRPC address")
	flag.StringVar(&o.method, "method", "ValidateSession", "the method: ValidateSession (stdin: token), GetUser (stdin: user id) or RevokeSession (stdin: session id)")
	flag.StringVar(&o.cacert, "cacert", "", "PEM CA of the server's certificate: TLS instead of plaintext")
	flag.StringVar(&o.cert, "cert", "", "PEM client certificate, for mutual TLS (with -key and -cacert)")
	flag.StringVar(&o.key, "key", "", "PEM key of -cert")
	flag.StringVar(&o.serverName, "servername", "", "name the server's certificate must have (default: the host of -addr)")
	flag.StringVar(&o.wantEmail, "email", "", "expected email (empty: any)")
	flag.StringVar(&o.wantAAL, "aal", "", "expected assurance level, aal1 or aal2 (empty: any)")
	flag.StringVar(&o.expectCode, "expect-code", "", "expect the call to fail with this gRPC code (Unavailable, PermissionDenied, ...)")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Second, "deadline of the call")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "grpcprobe: %v\n", err)
		os.Exit(1)
	}
}

func run(o options) error {
	var want codes.Code
	if o.expectCode != "" {
		if err := want.UnmarshalJSON([]byte(`"` + toUpperSnake(o.expectCode) + `"`)); err != nil {
			return fmt.Errorf("-expect-code %q: not a gRPC code", o.expectCode)
		}
	}
	creds, err := transportCredentials(o)
	if err != nil {
		return err
	}
	arg, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read stdin: %w", err)
	}
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return errors.New("nothing on stdin")
	}

	conn, err := grpc.NewClient(o.addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("dial %s: %w", o.addr, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	res, callErr := call(ctx, genpb.NewAuthClient(conn), o.method, arg)
	if o.expectCode != "" {
		got := status.Code(callErr)
		if got != want {
			return fmt.Errorf("%s answered %v (%v), want %v", o.method, got, callErr, want)
		}
		out, err := json.Marshal(map[string]string{"code": got.String(), "message": status.Convert(callErr).Message()})
		if err != nil {
			return err
		}
		fmt.Println(string(out))
		return nil
	}
	if callErr != nil {
		return fmt.Errorf("%s: %w", o.method, callErr)
	}

	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	if o.wantEmail != "" && res["email"] != o.wantEmail {
		return fmt.Errorf("email is %q, want %q", res["email"], o.wantEmail)
	}
	if o.wantAAL != "" && res["aal"] != o.wantAAL {
		return fmt.Errorf("aal is %q, want %q", res["aal"], o.wantAAL)
	}
	return nil
}

// call makes one call of method with arg and returns the answer's fields.
func call(ctx context.Context, c genpb.AuthClient, method, arg string) (map[string]string, error) {
	switch method {
	case "ValidateSession":
		res, err := c.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: arg})
		if err != nil {
			return nil, err
		}
		return map[string]string{
			"session_id": res.GetSessionId(), "user_id": res.GetUserId(), "email": res.GetEmail(),
			"aal": res.GetAal(), "expires_at": res.GetExpiresAt(),
		}, nil
	case "GetUser":
		res, err := c.GetUser(ctx, &genpb.GetUserRequest{UserId: arg})
		if err != nil {
			return nil, err
		}
		return map[string]string{"user_id": res.GetId(), "email": res.GetEmail()}, nil
	case "RevokeSession":
		if _, err := c.RevokeSession(ctx, &genpb.RevokeSessionRequest{SessionId: arg}); err != nil {
			return nil, err
		}
		return map[string]string{}, nil
	default:
		return nil, status.Errorf(codes.InvalidArgument, "grpcprobe does not call %q", method)
	}
}

// transportCredentials is plaintext without -cacert, else TLS, mutual
// with -cert and -key.
func transportCredentials(o options) (credentials.TransportCredentials, error) {
	if o.cacert == "" {
		if o.cert != "" || o.key != "" {
			return nil, errors.New("-cert and -key need -cacert")
		}
		return insecure.NewCredentials(), nil
	}
	pemCA, err := os.ReadFile(o.cacert)
	if err != nil {
		return nil, fmt.Errorf("-cacert: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemCA) {
		return nil, fmt.Errorf("-cacert %s: no PEM certificate", o.cacert)
	}
	cfg := &tls.Config{RootCAs: roots, ServerName: o.serverName, MinVersion: tls.VersionTLS12}
	if o.cert != "" || o.key != "" {
		pair, err := tls.LoadX509KeyPair(o.cert, o.key)
		if err != nil {
			return nil, fmt.Errorf("-cert, -key: %w", err)
		}
		// Sent whatever CAs the server says it accepts: crypto/tls would
		// send none for a certificate of another CA, and the probe is
		// there to show that the server refuses one it is given.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	return credentials.NewTLS(cfg), nil
}

// toUpperSnake turns PermissionDenied into PERMISSION_DENIED, the form
// codes.Code reads; PERMISSION_DENIED stays as it is.
func toUpperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' && s[i-1] >= 'a' && s[i-1] <= 'z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
