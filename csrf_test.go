package session

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed-699a33a2/session/memstore"
)

// These tests live in package session (not session_test) so that they can
// check rotateCSRF, the hook Regenerate calls, on its own.

// csrfApp is a small application behind m.Middleware(m.CSRF(...)), and a
// browser (a client with a cookie jar) talking to it.
type csrfApp struct {
	t    *testing.T
	m    *Manager
	srv  *httptest.Server
	c    *http.Client
	runs atomic.Int64 // how many times a protected unsafe handler ran
}

func newCSRFManager(t *testing.T) *Manager {
	t.Helper()
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { _ = st.Close() })
	m, err := New(st, Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// csrfRoutes: GET /page renders no form; GET /form renders the token;
// POST|PUT|PATCH|DELETE /submit changes state; POST /login regenerates and
// renders the new token; POST /logout destroys the session.
func csrfRoutes(m *Manager, runs *atomic.Int64) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "a page without a form")
	})
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		_, _ = io.WriteString(w, m.CSRFToken(data))
	})
	mux.HandleFunc("/submit", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			_, _ = io.WriteString(w, "read only")
			return
		}
		runs.Add(1)
		_, data, _ := m.Start(r)
		n, _ := data["n"].(int)
		data["n"] = n + 1
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		id, data, _ := m.Start(r)
		if _, err := m.Regenerate(w, id, data); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		data["user_id"] = uint(42)
		_, _ = io.WriteString(w, m.CSRFToken(data))
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		id, _, _ := m.Start(r)
		if err := m.Destroy(w, id); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "bye")
	})
	return mux
}

func newCSRFApp(t *testing.T, m *Manager, wrap func(http.Handler) http.Handler) *csrfApp {
	t.Helper()
	a := &csrfApp{t: t, m: m}
	a.srv = httptest.NewServer(wrap(csrfRoutes(m, &a.runs)))
	t.Cleanup(a.srv.Close)
	a.c = a.newBrowser()
	return a
}

// newBrowser returns another client, with its own cookie jar.
func (a *csrfApp) newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type csrfResp struct {
	status int
	body   string
	header http.Header
}

// send makes a request with the app's browser; header may be nil.
func (a *csrfApp) send(c *http.Client, method, path, contentType string, body io.Reader, header http.Header) csrfResp {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return csrfResp{status: res.StatusCode, body: string(b), header: res.Header}
}

func (a *csrfApp) get(path string) csrfResp {
	a.t.Helper()
	return a.send(a.c, http.MethodGet, path, "", nil, nil)
}

// postForm posts form (urlencoded) with extra headers.
func (a *csrfApp) postForm(path string, form url.Values, header http.Header) csrfResp {
	a.t.Helper()
	return a.send(a.c, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), header)
}

// token renders the form and returns the token it shows.
func (a *csrfApp) token() string {
	a.t.Helper()
	r := a.get("/form")
	if r.status != http.StatusOK || len(r.body) != csrfTokenLen {
		a.t.Fatalf("GET /form = %d %q, want 200 and a %d-character token", r.status, r.body, csrfTokenLen)
	}
	return r.body
}

func wantStatus(t *testing.T, what string, r csrfResp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d (body %q), want %d", what, r.status, r.body, want)
	}
}

// wantRejected checks a default rejection: 403, a short plain body that
// shows nothing of the session, and the protected handler did not run.
func (a *csrfApp) wantRejected(what string, r csrfResp, runsBefore int64) {
	a.t.Helper()
	wantStatus(a.t, what, r, http.StatusForbidden)
	if got := a.runs.Load(); got != runsBefore {
		a.t.Fatalf("%s: the protected handler ran (%d runs, want %d)", what, got, runsBefore)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		a.t.Errorf("%s: Content-Type %q, want text/plain", what, ct)
	}
	if len(r.body) > 80 || strings.Contains(r.body, ReservedPrefix) {
		a.t.Errorf("%s: body %q is not a short message without internals", what, r.body)
	}
}

func csrfDefault(m *Manager) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler { return m.Middleware(m.CSRF(h)) }
}

func TestCSRFTokenIsIssuedLazilyOnceAndStable(t *testing.T) {
	m := newCSRFManager(t)
	data := map[string]interface{}{}
	tok := m.CSRFToken(data)
	if len(tok) != csrfTokenLen {
		t.Fatalf("token %q has %d characters, want %d", tok, len(tok), csrfTokenLen)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(raw) != 32 {
		t.Fatalf("token %q is not 32 bytes of unpadded base64url: %d bytes, %v", tok, len(raw), err)
	}
	if data[csrfKey] != tok || csrfKey != ReservedPrefix+"csrf" {
		t.Fatalf("token not stored under %q: %v", csrfKey, data)
	}
	if again := m.CSRFToken(data); again != tok {
		t.Fatalf("second call gave %q, want the same token %q", again, tok)
	}
	if other := m.CSRFToken(map[string]interface{}{}); other == tok {
		t.Fatal("two sessions got the same token")
	}
	if got := m.CSRFToken(nil); got != "" {
		t.Fatalf("CSRFToken(nil) = %q, want \"\"", got)
	}
	// A damaged entry is replaced, never handed out.
	data[csrfKey] = 12345
	if fixed := m.CSRFToken(data); len(fixed) != csrfTokenLen || data[csrfKey] != fixed {
		t.Fatalf("a non-string entry was not replaced: %q, %v", fixed, data[csrfKey])
	}
}

func TestCSRFRotateReplacesOnlyAnExistingToken(t *testing.T) {
	m := newCSRFManager(t)
	empty := map[string]interface{}{}
	rotateCSRF(empty)
	if len(empty) != 0 {
		t.Fatalf("rotateCSRF created a token in a session without one: %v", empty)
	}
	data := map[string]interface{}{"user": "ann"}
	old := m.CSRFToken(data)
	rotateCSRF(data)
	now, _ := data[csrfKey].(string)
	if now == old || len(now) != csrfTokenLen {
		t.Fatalf("after rotateCSRF the token is %q (was %q), want a fresh %d-character token", now, old, csrfTokenLen)
	}
	if data["user"] != "ann" || len(data) != 2 {
		t.Fatalf("rotateCSRF touched other entries: %v", data)
	}
}

func TestCSRFPageViewCreatesNoSession(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
		r := a.send(a.c, method, "/page", "", nil, nil)
		wantStatus(t, method+" /page", r, http.StatusOK)
		if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
			t.Fatalf("%s /page behind CSRF set a cookie: %q", method, sc)
		}
	}
	u, _ := url.Parse(a.srv.URL)
	if cs := a.c.Jar.Cookies(u); len(cs) != 0 {
		t.Fatalf("the browser holds cookies after page views: %v", cs)
	}
	// A rejected post from a fresh browser creates no session either.
	r := a.postForm("/submit", url.Values{CSRFField: {"x"}}, nil)
	a.wantRejected("POST without a session", r, 0)
	if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
		t.Fatalf("a rejected POST set a cookie: %q", sc)
	}
}

// TestCSRFSafeMethodsPassWithoutToken: the safe methods are exactly those
// of http.CrossOriginProtection, GET, HEAD and OPTIONS; TRACE is checked
// like POST.
func TestCSRFSafeMethodsPassWithoutToken(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	if r := a.send(a.c, http.MethodTrace, "/submit", "", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("TRACE without a token: %d, want 403", r.status)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
		r := a.send(a.c, method, "/submit", "", nil, nil)
		if r.status == http.StatusForbidden {
			t.Fatalf("%s without a token was rejected", method)
		}
		if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
			t.Fatalf("%s set a cookie: %q", method, sc)
		}
	}
}

func TestCSRFFormFieldWithSessionTokenPasses(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	tok := a.token()
	r := a.postForm("/submit", url.Values{CSRFField: {tok}, "name": {"ann"}}, nil)
	wantStatus(t, "POST with the form field", r, http.StatusOK)
	if a.runs.Load() != 1 {
		t.Fatalf("handler ran %d times, want 1", a.runs.Load())
	}

	// multipart/form-data works too.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField(CSRFField, tok)
	fw, _ := mw.CreateFormFile("avatar", "a.png")
	_, _ = fw.Write([]byte("not really a png"))
	_ = mw.Close()
	r = a.send(a.c, http.MethodPost, "/submit", mw.FormDataContentType(), &buf, nil)
	wantStatus(t, "multipart POST with the form field", r, http.StatusOK)
}

func TestCSRFHeaderWithSessionTokenPasses(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	tok := a.token()
	for i, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r := a.send(a.c, method, "/submit", "application/json", strings.NewReader(`{"a":1}`),
			http.Header{CSRFHeader: {tok}})
		wantStatus(t, method+" with the header", r, http.StatusOK)
		if got := a.runs.Load(); got != int64(i+1) {
			t.Fatalf("%s: handler ran %d times, want %d", method, got, i+1)
		}
	}
}

func TestCSRFMissingOrWrongTokenIs403AndHandlerDoesNotRun(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	tok := a.token()
	other := newCSRFApp(t, m, csrfDefault(m)).token() // another browser's session
	flipped := []byte(tok)
	flipped[10] ^= 1 // same length, one character off
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
		query  string
	}{
		{name: "no token"},
		{name: "empty field", form: url.Values{CSRFField: {""}}},
		{name: "wrong token, same length", form: url.Values{CSRFField: {string(flipped)}}},
		{name: "truncated token", form: url.Values{CSRFField: {tok[:20]}}},
		{name: "another session's token", form: url.Values{CSRFField: {other}}},
		{name: "wrong header", header: http.Header{CSRFHeader: {string(flipped)}}},
		{name: "wrong header wins over a right field", form: url.Values{CSRFField: {tok}}, header: http.Header{CSRFHeader: {other}}},
		{name: "token in the query string only", query: "?" + CSRFField + "=" + url.QueryEscape(tok)},
	}
	for _, tc := range cases {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			before := a.runs.Load()
			form := tc.form
			if form == nil {
				form = url.Values{}
			}
			r := a.send(a.c, method, "/submit"+tc.query, "application/x-www-form-urlencoded",
				strings.NewReader(form.Encode()), tc.header)
			a.wantRejected(method+" "+tc.name, r, before)
		}
	}
	// And the right token still passes afterwards.
	wantStatus(t, "right token", a.postForm("/submit", url.Values{CSRFField: {tok}}, nil), http.StatusOK)
}

func TestCSRFCrossOriginIsRejectedEvenWithValidToken(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	tok := a.token()
	form := url.Values{CSRFField: {tok}}
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Sec-Fetch-Site": {"same-site"}},
		{"Origin": {"https://evil.example"}},
		{"Origin": {"http://evil.example"}, CSRFHeader: {tok}},
	} {
		before := a.runs.Load()
		a.wantRejected(headerString(h), a.postForm("/submit", form, h), before)
	}
	// The same token from the same origin passes.
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"same-origin"}},
		{"Origin": {a.srv.URL}},
	} {
		wantStatus(t, headerString(h), a.postForm("/submit", form, h), http.StatusOK)
	}
}

func headerString(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "\r\n", "; "))
}

func TestCSRFTrustedOriginPassesOriginCheckButStillNeedsToken(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, func(h http.Handler) http.Handler {
		return m.Middleware(m.CSRFWith(CSRFOptions{TrustedOrigins: []string{"https://admin.example"}})(h))
	})
	tok := a.token()
	trusted := http.Header{"Origin": {"https://admin.example"}, "Sec-Fetch-Site": {"cross-site"}}
	wantStatus(t, "trusted origin with token", a.postForm("/submit", url.Values{CSRFField: {tok}}, trusted), http.StatusOK)
	a.wantRejected("trusted origin without token", a.postForm("/submit", url.Values{}, trusted), a.runs.Load())
	a.wantRejected("untrusted origin with token",
		a.postForm("/submit", url.Values{CSRFField: {tok}}, http.Header{"Origin": {"https://evil.example"}}), a.runs.Load())

	defer func() {
		if recover() == nil {
			t.Fatal("CSRFWith accepted an invalid trusted origin")
		}
	}()
	m.CSRFWith(CSRFOptions{TrustedOrigins: []string{"not an origin"}})
}

func TestCSRFFailureHandlerAnswersRejections(t *testing.T) {
	m := newCSRFManager(t)
	var failures atomic.Int64
	fail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		failures.Add(1)
		http.Error(w, "custom", http.StatusTeapot)
	})
	a := newCSRFApp(t, m, func(h http.Handler) http.Handler {
		return m.Middleware(m.CSRFWith(CSRFOptions{FailureHandler: fail})(h))
	})
	tok := a.token()
	r := a.postForm("/submit", url.Values{}, nil)
	if r.status != http.StatusTeapot || failures.Load() != 1 || a.runs.Load() != 0 {
		t.Fatalf("missing token: %d %q, %d failures, %d runs; want the failure handler only", r.status, r.body, failures.Load(), a.runs.Load())
	}
	r = a.postForm("/submit", url.Values{CSRFField: {tok}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if r.status != http.StatusTeapot || failures.Load() != 2 || a.runs.Load() != 0 {
		t.Fatalf("cross-origin: %d %q, %d failures, %d runs; want the failure handler only", r.status, r.body, failures.Load(), a.runs.Load())
	}
	wantStatus(t, "right token", a.postForm("/submit", url.Values{CSRFField: {tok}}, nil), http.StatusOK)
}

func TestCSRFTokenSurvivesAcrossRequests(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	first := a.get("/form")
	if len(first.header.Values("Set-Cookie")) != 1 {
		t.Fatalf("issuing the token set %d cookies, want 1", len(first.header.Values("Set-Cookie")))
	}
	tok := first.body
	if again := a.token(); again != tok {
		t.Fatalf("next request shows token %q, want the same %q", again, tok)
	}
	for i := 0; i < 3; i++ {
		wantStatus(t, "POST with the token", a.postForm("/submit", url.Values{CSRFField: {tok}}, nil), http.StatusOK)
	}
	if again := a.token(); again != tok {
		t.Fatalf("after posting, the form shows token %q, want the same %q", again, tok)
	}
}

func TestCSRFRegenerateRotatesTokenAndRejectsOldOne(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	old := a.token()
	r := a.postForm("/login", url.Values{CSRFField: {old}}, nil)
	wantStatus(t, "POST /login", r, http.StatusOK)
	fresh := r.body
	if fresh == old {
		t.Fatal("the token did not change on Regenerate: Regenerate must call rotateCSRF(data)")
	}
	if shown := a.token(); shown != fresh {
		t.Fatalf("after sign-in the form shows %q, want the rotated token %q", shown, fresh)
	}
	before := a.runs.Load()
	a.wantRejected("old token after Regenerate", a.postForm("/submit", url.Values{CSRFField: {old}}, nil), before)
	wantStatus(t, "new token after Regenerate", a.postForm("/submit", url.Values{CSRFField: {fresh}}, nil), http.StatusOK)
}

func TestCSRFDestroyDropsToken(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, csrfDefault(m))
	tok := a.token()
	wantStatus(t, "POST /logout", a.postForm("/logout", url.Values{CSRFField: {tok}}, nil), http.StatusOK)
	a.wantRejected("token of a destroyed session", a.postForm("/submit", url.Values{CSRFField: {tok}}, nil), a.runs.Load())
	if next := a.token(); next == tok {
		t.Fatal("the new session shows the destroyed session's token")
	}
}

func TestCSRFOutsideSessionMiddlewareRejectsUnsafeWith403(t *testing.T) {
	m := newCSRFManager(t)
	a := newCSRFApp(t, m, m.CSRF) // no m.Middleware around it: a misconfiguration
	wantStatus(t, "GET outside the middleware", a.get("/page"), http.StatusOK)
	for _, h := range []http.Header{nil, {CSRFHeader: {strings.Repeat("A", csrfTokenLen)}}} {
		a.wantRejected("POST outside the middleware", a.postForm("/submit", url.Values{}, h), 0)
	}

	// A session from another manager is not this manager's session.
	other := newCSRFManager(t)
	b := newCSRFApp(t, m, func(h http.Handler) http.Handler { return other.Middleware(m.CSRF(h)) })
	b.wantRejected("POST inside another manager's middleware", b.postForm("/submit", url.Values{}, nil), 0)
}
