package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/seed-699a33a2/session"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// artifacts is where the screenshots of each step go (ignored by git).
const artifacts = "artifacts"

// TestDemoInBrowser signs in, fails and fixes the profile form and signs out
// of the demo app in headless Chromium, and checks what the user sees and the
// session cookie as the browser holds it.
func TestDemoInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := fmt.Sprintf("%s is missing: install Debian's chromium package "+
			"(apt-get install -y --no-install-recommends chromium) or run e2e/run.sh", chromiumPath)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	base := startDemo(t)
	b := newBrowser(t, base)

	// 1. The home page of an anonymous visitor.
	b.navigate("/")
	b.wantText("visits", "1")
	b.wantPresent("login-link")
	b.shot("01-home")

	// 2. A wrong password: the errors and the name come back, the password
	// does not.
	b.navigate("/login")
	b.fill("name", "ada")
	b.fill("password", "wrong")
	b.submit("submit", "/login")
	b.wantValue("name", "ada")
	b.wantValue("password", "")
	b.wantTextContains("main", `Wrong password (it is "demo").`)
	b.wantAbsent("who")
	b.shot("02-login-wrong-password")

	// 3. Sign in: the flash shows once, the ID changes (Regenerate).
	before := b.sessionCookie()
	b.fill("password", "demo")
	b.submit("submit", "/")
	b.wantText("flash-success", "Signed in as ada.")
	b.wantTextContains("who", "ada")
	after := b.sessionCookie()
	if before == nil || after == nil || before.Value == after.Value {
		t.Errorf("sign-in did not give a new session cookie (before %v, after %v)", before != nil, after != nil)
	}
	b.checkCookie(after)
	b.shot("03-signed-in-flash")

	// 4. Reload: the flash is gone, the user stays signed in.
	b.reload()
	b.wantAbsent("flash-success")
	b.wantTextContains("who", "ada")
	b.shot("04-reload-flash-gone")

	// 5. An invalid profile: the input and the errors come back.
	b.navigate("/profile")
	b.fill("display_name", "")
	b.fill("email", "not-an-email")
	b.fill("website", "ftp://example.com")
	b.submit("save", "/profile")
	b.wantText("flash-error", "Please correct the errors below.")
	b.wantValue("display_name", "")
	b.wantValue("email", "not-an-email")
	b.wantValue("website", "ftp://example.com")
	for _, msg := range []string{
		"Display name is required.",
		"Enter an email address like name@example.com.",
		"A website starts with http:// or https://.",
	} {
		b.wantTextContains("main", msg)
	}
	b.shot("05-profile-invalid")

	// 6. The fixed profile: a success flash, the saved values, no errors.
	b.fill("display_name", "Ada Lovelace")
	b.fill("email", "ada@example.com")
	b.fill("website", "https://example.com")
	b.submit("save", "/profile")
	b.wantText("flash-success", "Profile saved.")
	b.wantText("saved-name", "Ada Lovelace")
	b.wantValue("email", "ada@example.com")
	if n := b.count(".field-errors"); n != 0 {
		t.Errorf("%d error lists after a valid submit", n)
	}
	b.shot("06-profile-saved")

	// 7. Sign out.
	signedIn := b.sessionCookie()
	b.submit("logout", "/")
	b.wantText("flash-success", "You have been signed out.")
	b.wantPresent("login-link")
	b.wantAbsent("who")
	if c := b.sessionCookie(); c != nil && signedIn != nil && c.Value == signedIn.Value {
		t.Error("sign-out kept the signed-in session cookie")
	}
	b.shot("07-signed-out")

	// 8. The protected page refuses and sends the visitor to sign in.
	b.navigate("/profile")
	if got := b.path(); got != "/login" {
		t.Errorf("/profile after sign-out ended on %s, want /login", got)
	}
	b.wantText("flash-error", "Please sign in first.")
	b.wantAbsent("save")
	b.shot("08-profile-refused")

	// 9. Signed in here and on a phone: the devices page names both
	// browsers in words, and each row's "Sign out" button stays inside its
	// card on a wide screen and on a phone's.
	b.fill("name", "ada")
	b.fill("password", "demo")
	b.submit("submit", "/")
	signInElsewhere(t, base, "ada", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1")
	for _, width := range []int64{1200, 390} {
		run(b, "viewport", chromedp.EmulateViewport(width, 800))
		b.navigate("/devices")
		if n := b.count(".device"); n != 2 {
			t.Fatalf("devices page at %d px lists %d devices, want 2", width, n)
		}
		b.wantTextContains("main", "Safari on iPhone")
		b.wantTextContains(".current .agent", "Chrome on Linux")
		if out := eval[string](b, buttonsOutsideCards); out != "" {
			t.Errorf("at %d px: %s", width, out)
		}
		b.shot(fmt.Sprintf("09-devices-%dpx", width))
	}
}

// buttonsOutsideCards is JavaScript that describes every device card
// whose "Sign out" button reaches outside it ("" when none does), and a
// page wider than the window.
const buttonsOutsideCards = `(() => {
	const out = [];
	for (const card of document.querySelectorAll(".device")) {
		const c = card.getBoundingClientRect(), b = card.querySelector("button").getBoundingClientRect();
		if (b.left < c.left || b.right > c.right || b.top < c.top || b.bottom > c.bottom) {
			out.push("button " + JSON.stringify(b) + " outside card " + JSON.stringify(c));
		}
	}
	if (document.documentElement.scrollWidth > window.innerWidth) {
		out.push("page " + document.documentElement.scrollWidth + " px wide in a " + window.innerWidth + " px window");
	}
	return out.join("; ");
})()`

// signInElsewhere signs user in to the demo at base from another device
// (a plain HTTP client with the user agent ua), as the sign-in form does.
func signInElsewhere(t *testing.T, base, user, ua string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(req *http.Request) string {
		req.Header.Set("User-Agent", ua)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", req.Method, req.URL, res.StatusCode)
		}
		return string(b)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/login", nil)
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(get(req))
	if m == nil {
		t.Fatal("no CSRF token on /login")
	}
	form := url.Values{"name": {user}, "password": {"demo"}, "csrf_token": {m[1]}}
	req, _ = http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if body := get(req); !strings.Contains(body, "Signed in as "+user) {
		t.Fatalf("the other device did not sign in:\n%s", body)
	}
}

// startDemo builds cmd/sessiondemo, starts it on a free loopback port with
// the library's defaults (memory driver) and returns its base URL. The
// process is killed when the test ends.
func startDemo(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the demo: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "sessiondemo")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/sessiondemo")
	build.Dir = ".." // the library's module, with the demo's dependencies
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/sessiondemo: %v\n%s", err, out)
	}

	addr := freeAddr(t)
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = demoEnv()
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("sessiondemo output:\n%s", logs.String())
		}
	})

	base := "http://" + addr
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("sessiondemo exited early: %v\n%s", err, logs.String())
		default:
		}
		if res, err := client.Get(base + "/favicon.ico"); err == nil {
			res.Body.Close()
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessiondemo did not answer on %s within 30s\n%s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// demoEnv is this process's environment without SESSION_* variables, so the
// demo runs on the library's defaults: memory driver, cookie
// rapidgo_session, HttpOnly, SameSite=Lax, Path=/, not Secure.
func demoEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SESSION_") {
			env = append(env, kv)
		}
	}
	return env
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer collects the demo's output from two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// browser is one headless Chromium tab on the demo.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // root needs it
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		// Without these, Chromium keeps trying the closed network.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1024, 768),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return &browser{t: t, ctx: ctx, base: base}
}

// run runs one action, failing the test on an error.
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (b *browser) navigate(path string) {
	b.t.Helper()
	res := run(b, "navigate to "+path, chromedp.NavigateResponse(b.base+path))
	if res == nil || res.Status != http.StatusOK {
		b.t.Fatalf("navigate to %s: %v", path, res)
	}
}

func (b *browser) reload() {
	b.t.Helper()
	run(b, "reload", chromedp.Reload())
}

// fill replaces the value of the input with the given id by typing.
func (b *browser) fill(id, value string) {
	b.t.Helper()
	run(b, "clear #"+id, chromedp.Clear(chromedp.ID(id)))
	if value != "" {
		run(b, "type into #"+id, chromedp.SendKeys(chromedp.ID(id), value))
	}
}

// submit clicks the button with the given id, waits for the page that the
// form's redirect leads to and checks that it is path, answered with 200.
func (b *browser) submit(button, path string) {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.ID(button)))
	if err != nil {
		b.t.Fatalf("click #%s: %v", button, err)
	}
	if res.Status != http.StatusOK {
		b.t.Fatalf("click #%s: status %d", button, res.Status)
	}
	if got := b.path(); got != path {
		b.t.Fatalf("click #%s: ended on %s, want %s", button, got, path)
	}
}

// path is the path of the page shown.
func (b *browser) path() string {
	b.t.Helper()
	loc := run(b, "location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return u.Path
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	return run(b, js, chromedp.Evaluate[T](js))
}

func (b *browser) wantPresent(id string) {
	b.t.Helper()
	if !eval[bool](b, fmt.Sprintf(`document.getElementById(%q) !== null`, id)) {
		b.t.Errorf("%s: #%s is missing", b.path(), id)
	}
}

func (b *browser) wantAbsent(id string) {
	b.t.Helper()
	if eval[bool](b, fmt.Sprintf(`document.getElementById(%q) !== null`, id)) {
		b.t.Errorf("%s: #%s is shown", b.path(), id)
	}
}

// text is the rendered text of the element with the given id, or of the
// first element the CSS selector sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	if !strings.ContainsAny(sel, ".#[ ") && sel != "main" {
		sel = "#" + sel
	}
	return eval[string](b, fmt.Sprintf(`(e => e ? e.innerText.trim() : "<no %s>")(document.querySelector(%q))`, sel, sel))
}

func (b *browser) wantText(id, want string) {
	b.t.Helper()
	if got := b.text(id); got != want {
		b.t.Errorf("%s: #%s shows %q, want %q", b.path(), id, got, want)
	}
}

func (b *browser) wantTextContains(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Errorf("%s: %s shows %q, want it to contain %q", b.path(), sel, got, want)
	}
}

func (b *browser) wantValue(id, want string) {
	b.t.Helper()
	got := eval[string](b, fmt.Sprintf(`(e => e ? e.value : "<no #%s>")(document.getElementById(%q))`, id, id))
	if got != want {
		b.t.Errorf("%s: #%s holds %q, want %q", b.path(), id, got, want)
	}
}

func (b *browser) count(css string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, css))
}

// shot saves a PNG screenshot of the whole page under artifacts/.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := run(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(artifacts, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// sessionCookie returns the session cookie as the browser holds it for the
// demo's URL, or nil.
func (b *browser) sessionCookie() *network.Cookie {
	b.t.Helper()
	cookies := run(b, "get cookies", func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
		return res.Cookies, err
	})
	var found *network.Cookie
	for _, c := range cookies {
		if c.Name == session.DefaultCookieName {
			if found != nil {
				b.t.Errorf("the browser holds two %s cookies", c.Name)
			}
			found = c
		}
	}
	return found
}

// checkCookie checks the attributes of the session cookie and that page
// scripts cannot read it.
func (b *browser) checkCookie(c *network.Cookie) {
	b.t.Helper()
	if c == nil {
		b.t.Error("the browser holds no session cookie")
		return
	}
	var errs []error
	if !c.HTTPOnly {
		errs = append(errs, errors.New("not HttpOnly"))
	}
	if c.SameSite != network.CookieSameSiteLax {
		errs = append(errs, fmt.Errorf("SameSite %q, want Lax", c.SameSite))
	}
	if c.Path != "/" {
		errs = append(errs, fmt.Errorf("Path %q, want /", c.Path))
	}
	if c.Secure {
		errs = append(errs, errors.New("Secure on plain http"))
	}
	if c.Domain != "127.0.0.1" {
		errs = append(errs, fmt.Errorf("Domain %q, want the host 127.0.0.1", c.Domain))
	}
	// Max-Age makes it a persistent cookie that ends with the lifetime
	// (120 minutes by default), not a browser-session cookie.
	if left := time.Until(time.Unix(int64(c.Expires), 0)); c.Session || left < 100*time.Minute || left > 121*time.Minute {
		errs = append(errs, fmt.Errorf("session cookie %v, expires in %v, want about 120m", c.Session, left.Round(time.Second)))
	}
	if err := errors.Join(errs...); err != nil {
		b.t.Errorf("session cookie: %v", err)
	}
	if js := eval[string](b, `document.cookie`); strings.Contains(js, session.DefaultCookieName) {
		b.t.Errorf("document.cookie exposes the session cookie: %q", js)
	}
}
