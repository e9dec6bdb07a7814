package storetest

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// tb is what the suite's cases need of a test: a *testing.T under Run, a
// collector under TestStore. Failures carry the rule of the case they
// belong to.
type tb interface {
	Helper()
	Error(args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	// Run runs f as a subtest that checks the same rule; Case runs f as a
	// subtest that checks rule.
	Run(name string, f func(t tb))
	Case(name, rule string, f func(t tb))
}

// quote prefixes a failure with the rule it breaks.
func quote(rule, msg string) string {
	if rule == "" {
		return msg
	}
	return fmt.Sprintf("rule %q: %s", rule, msg)
}

// testingT is a *testing.T that quotes its case's rule in every failure.
type testingT struct {
	*testing.T
	rule string
}

func (t *testingT) Error(args ...any) { t.T.Helper(); t.T.Error(quote(t.rule, fmt.Sprint(args...))) }
func (t *testingT) Errorf(format string, args ...any) {
	t.T.Helper()
	t.T.Error(quote(t.rule, fmt.Sprintf(format, args...)))
}
func (t *testingT) Fatal(args ...any) { t.T.Helper(); t.T.Fatal(quote(t.rule, fmt.Sprint(args...))) }
func (t *testingT) Fatalf(format string, args ...any) {
	t.T.Helper()
	t.T.Fatal(quote(t.rule, fmt.Sprintf(format, args...)))
}
func (t *testingT) Run(name string, f func(t tb)) { t.T.Helper(); t.Case(name, t.rule, f) }
func (t *testingT) Case(name, rule string, f func(t tb)) {
	t.T.Helper()
	t.T.Run(name, func(tt *testing.T) { f(&testingT{T: tt, rule: rule}) })
}

// collector runs cases without a *testing.T (TestStore): it gathers the
// failures as errors. Fatal and Skip end the case's goroutine, as they do
// under the testing package.
type collector struct {
	name, rule string
	mu         *sync.Mutex
	errs       *[]error
	cleanups   []func()
}

func (c *collector) Helper() {}

func (c *collector) fail(msg string) {
	c.mu.Lock()
	*c.errs = append(*c.errs, fmt.Errorf("%s: %s", c.name, quote(c.rule, msg)))
	c.mu.Unlock()
}

func (c *collector) Error(args ...any)                 { c.fail(fmt.Sprint(args...)) }
func (c *collector) Errorf(format string, args ...any) { c.fail(fmt.Sprintf(format, args...)) }
func (c *collector) Fatal(args ...any)                 { c.fail(fmt.Sprint(args...)); runtime.Goexit() }
func (c *collector) Fatalf(format string, args ...any) {
	c.fail(fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (c *collector) Skip(args ...any)                     { runtime.Goexit() }
func (c *collector) Logf(string, ...any)                  {}
func (c *collector) Cleanup(f func())                     { c.cleanups = append(c.cleanups, f) }
func (c *collector) Run(name string, f func(t tb))        { c.run(name, c.rule, f) }
func (c *collector) Case(name, rule string, f func(t tb)) { c.run(name, rule, f) }

// run runs f as the case name in a goroutine of its own and then its
// cleanups, last registered first.
func (c *collector) run(name, rule string, f func(t tb)) {
	child := &collector{name: strings.TrimPrefix(c.name+"/"+name, "/"), rule: rule, mu: c.mu, errs: c.errs}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(child.cleanups) - 1; i >= 0; i-- {
				child.cleanups[i]()
			}
		}()
		defer func() {
			if r := recover(); r != nil {
				child.fail(fmt.Sprintf("panic: %v", r))
			}
		}()
		f(child)
	}()
	<-done
}

// joined returns the collected failures as one error.
func (c *collector) joined() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(*c.errs...)
}
