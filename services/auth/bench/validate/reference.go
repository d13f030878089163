package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The reference service of cases (a) and (b): a bare grpc-go server (no
// interceptor, no stats handler, no Goa) with a hand-written ServiceDesc, so
// that no protoc run is needed. Echo is the floor of a unary call on
// loopback; Lookup adds one primary-key read over pgx, the floor of any
// service that reads PostgreSQL per call.
const (
	echoMethod   = "/bench.Reference/Echo"
	lookupMethod = "/bench.Reference/Lookup"
)

type referenceService interface {
	Echo(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
	Lookup(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
}

var referenceDesc = grpc.ServiceDesc{
	ServiceName: "bench.Reference",
	HandlerType: (*referenceService)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Echo", Handler: unaryHandler(echoMethod, referenceService.Echo)},
		{MethodName: "Lookup", Handler: unaryHandler(lookupMethod, referenceService.Lookup)},
	},
	Metadata: "services/auth/bench/validate/reference.go",
}

// unaryHandler does what protoc-gen-go-grpc generates for a unary method.
func unaryHandler(fullMethod string, method func(referenceService, context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)) grpc.MethodHandler {
	return func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		in := new(wrapperspb.StringValue)
		if err := dec(in); err != nil {
			return nil, err
		}
		s := srv.(referenceService)
		if interceptor == nil {
			return method(s, ctx, in)
		}
		info := &grpc.UnaryServerInfo{Server: srv, FullMethod: fullMethod}
		return interceptor(ctx, in, info, func(ctx context.Context, req any) (any, error) {
			return method(s, ctx, req.(*wrapperspb.StringValue))
		})
	}
}

// reference implements referenceService; pool may be nil when Lookup is
// not called.
type reference struct{ pool *pgxpool.Pool }

// Echo returns its input.
func (reference) Echo(_ context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	return in, nil
}

// Lookup reads the session whose id is the input and returns its user id.
func (r reference) Lookup(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	id, err := uuid.Parse(in.GetValue())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, "not a session id")
	}
	var sessionID, userID pgtype.UUID
	var aal int16
	var expiresAt time.Time
	err = r.pool.QueryRow(ctx, `SELECT id, user_id, aal, expires_at FROM sessions WHERE id = $1`, id).
		Scan(&sessionID, &userID, &aal, &expiresAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, status.Error(codes.NotFound, "no such session")
	case err != nil:
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	return wrapperspb.String(uuid.UUID(userID.Bytes).String()), nil
}

// startReference serves the reference service on 127.0.0.1:0. The
// returned function stops it.
func startReference(pool *pgxpool.Pool) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("reference server: %w", err)
	}
	srv := grpc.NewServer()
	srv.RegisterService(&referenceDesc, reference{pool: pool})
	go func() { _ = srv.Serve(ln) }() // returns when stopped
	return ln.Addr().String(), srv.Stop, nil
}

// dial opens a plaintext connection: everything runs on loopback.
func dial(addr string) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return conn, nil
}

// echoCall is case (a).
func echoCall(conn *grpc.ClientConn) call {
	in := wrapperspb.String("ping")
	return func(ctx context.Context) error {
		return conn.Invoke(ctx, echoMethod, in, new(wrapperspb.StringValue))
	}
}

// lookupCall is case (b).
func lookupCall(conn *grpc.ClientConn, sessionID string) call {
	in := wrapperspb.String(sessionID)
	return func(ctx context.Context) error {
		return conn.Invoke(ctx, lookupMethod, in, new(wrapperspb.StringValue))
	}
}
