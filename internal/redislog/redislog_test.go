package redislog

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestLinesGoThroughSlog(t *testing.T) {
	var buf bytes.Buffer
	l := logger{slog.New(slog.NewTextHandler(&buf, nil))}
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts", 1)
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, `msg="go-redis: connection pool: failed to dial after 1 attempts"`) {
		t.Fatalf("log line: %s", out)
	}
}
