package logging_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"goa.design/clue/log"

	"github.com/infrastructure/platform/internal/logging"
)

func TestContext(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		debug bool
		want  []string // messages written, in order
	}{
		{"case=info", false, []string{"printed line"}},
		{"case=debug", true, []string{"debug line", "printed line"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			ctx := logging.Context(tt.debug, log.WithOutput(&buf))
			log.Debug(ctx, log.KV{K: "msg", V: "debug line"})
			log.Print(ctx, log.KV{K: "msg", V: "printed line"})
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				if log.IsTerminal() {
					got = append(got, line)
					continue
				}
				var entry map[string]any
				if err := json.Unmarshal([]byte(line), &entry); err != nil {
					t.Fatalf("line %q is not JSON: %v", line, err)
				}
				got = append(got, entry["msg"].(string))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("wrote %q, want %q", got, tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d = %q, want %q", i, got[i], w)
				}
			}
		})
	}
}
