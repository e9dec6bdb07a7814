// Package redislog sends go-redis's own log lines (a failed dial, a
// Sentinel switching masters) to a *slog.Logger instead of the standard
// logger's unstructured lines: for the commands (the demo, sessionctl),
// which own the process. A library never sets it: the logger is
// process-wide.
package redislog

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Use makes go-redis log through l, at Warn.
func Use(l *slog.Logger) { redis.SetLogger(logger{l}) }

type logger struct{ l *slog.Logger }

func (g logger) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: ")
	g.l.WarnContext(ctx, "go-redis: "+msg)
}
