package main

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestUsageListsEveryVariable: sessiondemo -h lists every variable the
// README's configuration table documents and every one the library's
// configuration reads, with a default, and the demo's own (PORT,
// SESSION_DB_DRIVER, SESSION_DB_DSN) and its -addr flag.
func TestUsageListsEveryVariable(t *testing.T) {
	fs := flag.NewFlagSet("sessiondemo", flag.ContinueOnError)
	fs.String("addr", "127.0.0.1:8080", "address to listen on (PORT sets the port)")
	var out strings.Builder
	usage(&out, fs)
	help := out.String()

	want := map[string]bool{"PORT": true, "SESSION_DB_DRIVER": true, "SESSION_DB_DSN": true}
	readme := read(t, "../../README.md")
	table := readme[strings.Index(readme, "## Configuration"):]
	table = table[:strings.Index(table, "\n\n")]
	for _, m := range regexp.MustCompile("(?m)^\\| (.*?) \\|").FindAllStringSubmatch(table, -1) {
		for _, name := range regexp.MustCompile("`([A-Z][A-Z_]+)`").FindAllStringSubmatch(m[1], -1) {
			want[name[1]] = true
		}
	}
	for _, name := range regexp.MustCompile(`get\("([A-Z_]+)"\)`).FindAllStringSubmatch(read(t, "../../config.go"), -1) {
		want[name[1]] = true
	}
	for _, name := range regexp.MustCompile(`Env\w+\s+= "([A-Z_]+)"`).FindAllStringSubmatch(read(t, "../../redisstore/env.go"), -1) {
		want[name[1]] = true
	}
	if len(want) < 25 {
		t.Fatalf("found only %d variables to look for: %v", len(want), want)
	}
	for name := range want {
		if !regexp.MustCompile(`(?m)^  ` + name + ` +\[[^\]]+\] +\S`).MatchString(help) {
			t.Errorf("sessiondemo -h does not list %s with its default", name)
		}
	}
	if !strings.Contains(help, "-addr") {
		t.Error("sessiondemo -h does not show -addr")
	}
	t.Log(help)
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
