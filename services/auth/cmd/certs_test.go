package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCertsInit runs `auth certs init` as the compose stack's certs
// service does, twice: the first run makes every file, the second keeps
// them. Unlike the other tests here it needs no database.
func TestCertsInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	for _, tc := range []struct {
		name, verb string
	}{
		{"first start", "made "},
		{"second start", "kept "},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := runCerts([]string{"init", "-dir", dir}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != 8 {
				t.Fatalf("%d lines, want one per file:\n%s", len(lines), stdout.String())
			}
			for _, line := range lines {
				if !strings.HasPrefix(line, tc.verb+dir+string(filepath.Separator)) {
					t.Errorf("line %q, want %q and a path in %s", line, tc.verb, dir)
				}
			}
		})
	}
}

func TestCertsUsageAndFailure(t *testing.T) {
	unusable := t.TempDir()
	if err := os.WriteFile(filepath.Join(unusable, "ca.pem"), []byte("someone's CA"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no subcommand", nil, 2, "usage: auth certs init"},
		{"unknown subcommand", []string{"renew"}, 2, "usage: auth certs init"},
		{"unknown flag", []string{"init", "-force"}, 2, "usage: auth certs init"},
		{"extra argument", []string{"init", "-dir", t.TempDir(), "now"}, 2, `unexpected argument "now"`},
		{"CA it cannot use", []string{"init", "-dir", unusable}, 1, "unusable CA"},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := runCerts(tc.args, &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(unusable, "ca.pem")); string(data) != "someone's CA" {
		t.Error("the CA it could not use was replaced")
	}
}
