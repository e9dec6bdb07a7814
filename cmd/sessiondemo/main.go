// Command sessiondemo is a small web app on the session library: sign in
// (which regenerates the session ID), a flash after each redirect, a profile
// form that shows your input and the validation errors again after a failed
// submit, a visit counter, and sign out.
//
//	go run ./cmd/sessiondemo            # memory driver, http://127.0.0.1:8080
//	PORT=9000 go run ./cmd/sessiondemo
//	go run ./cmd/sessiondemo -addr 127.0.0.1:9000
//
// Every SESSION_* variable of the library applies (SESSION_DRIVER=file,
// cookie, redis, db ...); sessiondemo -h lists them all with their
// defaults. For SESSION_DRIVER=db the demo opens the database itself:
// SESSION_DB_DRIVER is sqlite (the default, a file under storage/ of mode
// 0600), postgres or mysql, and SESSION_DB_DSN its data source name.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/redislog"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sessiondemo:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", defaultAddr(), "address to listen on (PORT sets the port)")
	flag.Usage = func() { usage(flag.CommandLine.Output(), flag.CommandLine) }
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	redislog.Use(logger)
	cfg, err := session.ConfigFromEnv()
	if err != nil {
		return err
	}
	cfg.Logger = logger
	cfg.ErrorHandler = sessionError(logger)
	met := newMetrics()
	cfg.OnStoreEvent = met.record
	db, err := openDB(cfg.Driver)
	if err != nil {
		return err
	}
	st, err := session.NewStoreFromConfig(cfg, db)
	if err != nil {
		return err
	}
	if c, ok := st.(io.Closer); ok {
		defer c.Close()
	}
	m, err := session.New(st, cfg)
	if err != nil {
		return err
	}

	gin.SetMode(gin.ReleaseMode)
	srv := &http.Server{Addr: *addr, Handler: newApp(m, met, logger), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	driver := cfg.Driver
	if driver == "" {
		driver = "memory"
	}
	logger.Info("sessiondemo listening", "url", "http://"+ln.Addr().String(), "driver", driver)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func defaultAddr() string {
	if p := os.Getenv("PORT"); p != "" {
		return net.JoinHostPort("127.0.0.1", p)
	}
	return "127.0.0.1:8080"
}
