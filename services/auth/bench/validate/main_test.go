package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
)

// TestMain lets this test binary be the reference server, as the command
// is: startReferenceProcess re-executes os.Executable().
func TestMain(m *testing.M) {
	if referenceMode() {
		if err := serveReference(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestReferenceProcess starts the reference server in its own process on
// a migrated database: Echo answers, Lookup reads the sessions table (an
// unknown id is NotFound), and stop ends the process cleanly.
func TestReferenceProcess(t *testing.T) {
	addr, stop, err := startReferenceProcess(t.Context(), dbtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = stop()
		}
	})
	conn, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := new(wrapperspb.StringValue)
	if err := conn.Invoke(t.Context(), echoMethod, wrapperspb.String("ping"), out); err != nil || out.GetValue() != "ping" {
		t.Fatalf("Echo = %q, %v", out.GetValue(), err)
	}
	err = lookupCall(conn, uuid.NewString())(t.Context())
	if status.Code(err) != codes.NotFound {
		t.Fatalf("Lookup of an unknown session = %v, want NotFound", err)
	}
	stopped = true
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestParseCases(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"a,b,c,d,e", 5, false},
		{" c ", 1, false},
		{"c,e", 2, false},
		{"a,b,c,d,e,f,g,h", 8, false},
		{"i", 0, true},
		{"", 0, true},
	} {
		got, err := parseCases(tt.in)
		if (err != nil) != tt.wantErr || len(got) != tt.want {
			t.Errorf("parseCases(%q) = %v, %v; want %d cases, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestMeasureEcho runs the harness briefly on case (a). It checks that calls
// are counted, not how fast they are: timings belong to the benchmark run.
func TestMeasureEcho(t *testing.T) {
	addr, stop, err := startReference(nil) // Echo reads no database
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	conn, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })

	r, err := measure(context.Background(), echoCall(conn), 1, 0, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.RPS <= 0 || r.P99 < r.P50 || r.P50 <= 0 {
		t.Errorf("measure = %+v, want counted calls and ordered percentiles", r)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []time.Duration
		q      float64
		want   time.Duration
	}{
		{"case=empty", nil, 0.5, 0},
		{"case=exact below 64ns", []time.Duration{10, 20, 30}, 0.5, 20},
		{"case=p99 of 100 values", seq(100, time.Microsecond), 0.99, 99 * time.Microsecond},
		{"case=p50 of 100 values", seq(100, time.Microsecond), 0.50, 50 * time.Microsecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h histogram
			for _, v := range tc.values {
				h.record(v)
			}
			got := h.quantile(tc.q)
			if diff := got - tc.want; diff < -tc.want/64 || diff > tc.want/64 {
				t.Errorf("quantile(%v) = %v, want %v within 1/64", tc.q, got, tc.want)
			}
		})
	}
}

// seq returns step, 2*step, ..., n*step.
func seq(n int, step time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * step
	}
	return out
}

func TestBucketsContiguous(t *testing.T) {
	for v := uint64(0); v < 1<<16; v++ {
		i := bucketOf(v)
		if i < bucketOf(max(v, 1)-1) || i-bucketOf(max(v, 1)-1) > 1 {
			t.Fatalf("bucketOf(%d) = %d: buckets skip or go back", v, i)
		}
		mid := bucketValue(i)
		if d := int64(mid) - int64(v); d < -int64(v)/64-1 || d > int64(v)/64+1 {
			t.Fatalf("bucketValue(bucketOf(%d)) = %d: off by more than 1/64", v, mid)
		}
	}
	if i := bucketOf(^uint64(0)); i != buckets-1 {
		t.Errorf("bucketOf(max) = %d, want the last bucket %d", i, buckets-1)
	}
}
