package middleware_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/middleware"
)

// csrfGin is a gin application with SessionWith and CSRF, and a browser
// (client with a cookie jar) talking to it through a real server.
type csrfGin struct {
	t    *testing.T
	srv  *httptest.Server
	c    *http.Client
	runs atomic.Int64 // runs of the protected unsafe handlers
}

func newCSRFGinManager(t *testing.T) *session.Manager {
	t.Helper()
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { _ = st.Close() })
	m, err := session.New(st, session.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	return m
}

// newCSRFGin builds the router; with m nil, CSRF runs without the session
// middleware (a misconfiguration).
func newCSRFGin(t *testing.T, m *session.Manager) *csrfGin {
	t.Helper()
	a := &csrfGin{t: t}
	r := gin.New()
	if m != nil {
		r.Use(middleware.SessionWith(m))
	}
	r.Use(middleware.CSRF())
	r.GET("/page", func(c *gin.Context) { c.String(http.StatusOK, "a page without a form") })
	r.GET("/form", func(c *gin.Context) { c.String(http.StatusOK, middleware.CSRFToken(c)) })
	r.POST("/submit", func(c *gin.Context) {
		a.runs.Add(1)
		data := middleware.Data(c)
		n, _ := data["n"].(int)
		data["n"] = n + 1
		c.String(http.StatusOK, "ok name=%s", c.PostForm("name"))
	})
	r.POST("/login", func(c *gin.Context) {
		a.runs.Add(1)
		data := middleware.Data(c)
		if _, err := middleware.Manager(c).Regenerate(c.Writer, middleware.ID(c), data); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		data["user_id"] = uint(7)
		c.String(http.StatusOK, middleware.CSRFToken(c))
	})
	a.srv = httptest.NewServer(r)
	t.Cleanup(a.srv.Close)
	jar, _ := cookiejar.New(nil)
	a.c = &http.Client{Jar: jar}
	return a
}

type csrfGinResp struct {
	status int
	body   string
	header http.Header
}

func (a *csrfGin) do(method, path string, form url.Values, header http.Header) csrfGinResp {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, a.srv.URL+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return csrfGinResp{status: res.StatusCode, body: string(b), header: res.Header}
}

func (a *csrfGin) token() string {
	a.t.Helper()
	r := a.do(http.MethodGet, "/form", nil, nil)
	if r.status != http.StatusOK || len(r.body) != 43 {
		a.t.Fatalf("GET /form = %d %q, want 200 and a 43-character token", r.status, r.body)
	}
	return r.body
}

func (a *csrfGin) wantStatus(what string, r csrfGinResp, want int) {
	a.t.Helper()
	if r.status != want {
		a.t.Fatalf("%s: status %d (body %q), want %d", what, r.status, r.body, want)
	}
}

// wantRejected: 403, a short body, and the protected handler did not run.
func (a *csrfGin) wantRejected(what string, r csrfGinResp, runsBefore int64) {
	a.t.Helper()
	a.wantStatus(what, r, http.StatusForbidden)
	if got := a.runs.Load(); got != runsBefore {
		a.t.Fatalf("%s: the protected handler ran (%d runs, want %d)", what, got, runsBefore)
	}
	if len(r.body) > 80 || strings.Contains(r.body, session.ReservedPrefix) {
		a.t.Errorf("%s: body %q is not a short message without internals", what, r.body)
	}
}

func TestGinCSRFPageViewCreatesNoSession(t *testing.T) {
	a := newCSRFGin(t, newCSRFGinManager(t))
	r := a.do(http.MethodGet, "/page", nil, nil)
	a.wantStatus("GET /page", r, http.StatusOK)
	if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
		t.Fatalf("GET /page behind CSRF set a cookie: %q", sc)
	}
	r = a.do(http.MethodPost, "/submit", url.Values{session.CSRFField: {"x"}}, nil)
	a.wantRejected("POST from a fresh browser", r, 0)
	if sc := r.header.Values("Set-Cookie"); len(sc) != 0 {
		t.Fatalf("a rejected POST set a cookie: %q", sc)
	}
}

func TestGinCSRFFieldAndHeaderWithSessionTokenPass(t *testing.T) {
	a := newCSRFGin(t, newCSRFGinManager(t))
	tok := a.token()
	r := a.do(http.MethodPost, "/submit", url.Values{session.CSRFField: {tok}, "name": {"ann"}}, nil)
	a.wantStatus("POST with the form field", r, http.StatusOK)
	if r.body != "ok name=ann" {
		t.Fatalf("body %q: the handler did not see the form", r.body)
	}
	r = a.do(http.MethodPost, "/submit", nil, http.Header{session.CSRFHeader: {tok}})
	a.wantStatus("POST with the header", r, http.StatusOK)
	if a.runs.Load() != 2 {
		t.Fatalf("handler ran %d times, want 2", a.runs.Load())
	}
	if again := a.token(); again != tok {
		t.Fatalf("the token changed between requests: %q, then %q", tok, again)
	}
}

func TestGinCSRFMissingOrWrongTokenIs403AndHandlerDoesNotRun(t *testing.T) {
	a := newCSRFGin(t, newCSRFGinManager(t))
	tok := a.token()
	wrong := []byte(tok)
	wrong[0] ^= 1
	for name, tc := range map[string]struct {
		form   url.Values
		header http.Header
	}{
		"no token":     {form: url.Values{}},
		"wrong field":  {form: url.Values{session.CSRFField: {string(wrong)}}},
		"wrong header": {header: http.Header{session.CSRFHeader: {string(wrong)}}},
	} {
		a.wantRejected(name, a.do(http.MethodPost, "/submit", tc.form, tc.header), 0)
	}
}

func TestGinCSRFCrossOriginIsRejectedEvenWithValidToken(t *testing.T) {
	a := newCSRFGin(t, newCSRFGinManager(t))
	tok := a.token()
	form := url.Values{session.CSRFField: {tok}}
	a.wantRejected("Sec-Fetch-Site: cross-site",
		a.do(http.MethodPost, "/submit", form, http.Header{"Sec-Fetch-Site": {"cross-site"}}), 0)
	a.wantRejected("foreign Origin",
		a.do(http.MethodPost, "/submit", form, http.Header{"Origin": {"https://evil.example"}}), 0)
	a.wantStatus("same origin",
		a.do(http.MethodPost, "/submit", form, http.Header{"Origin": {a.srv.URL}, "Sec-Fetch-Site": {"same-origin"}}), http.StatusOK)
}

func TestGinCSRFRegenerateRotatesTokenAndRejectsOldOne(t *testing.T) {
	a := newCSRFGin(t, newCSRFGinManager(t))
	old := a.token()
	r := a.do(http.MethodPost, "/login", url.Values{session.CSRFField: {old}}, nil)
	a.wantStatus("POST /login", r, http.StatusOK)
	if r.body == old {
		t.Fatal("the token did not change on Regenerate: Regenerate must call rotateCSRF(data)")
	}
	before := a.runs.Load()
	a.wantRejected("old token after Regenerate",
		a.do(http.MethodPost, "/submit", url.Values{session.CSRFField: {old}}, nil), before)
	a.wantStatus("new token after Regenerate",
		a.do(http.MethodPost, "/submit", url.Values{session.CSRFField: {r.body}}, nil), http.StatusOK)
}

func TestGinCSRFWithoutSessionMiddlewareRejectsUnsafeWith403(t *testing.T) {
	prev := slog.Default() // the misconfiguration is logged: keep it out of the test output
	slog.SetDefault(slog.New(slog.DiscardHandler))
	t.Cleanup(func() { slog.SetDefault(prev) })
	a := newCSRFGin(t, nil)
	a.wantStatus("GET without the session middleware", a.do(http.MethodGet, "/page", nil, nil), http.StatusOK)
	if got := a.do(http.MethodGet, "/form", nil, nil); got.body != "" {
		t.Fatalf("CSRFToken without a session = %q, want \"\"", got.body)
	}
	a.wantRejected("POST without the session middleware",
		a.do(http.MethodPost, "/submit", url.Values{session.CSRFField: {"x"}}, nil), 0)
}

// TestCSRFWithFailureHandlerAnswersEveryRejection: the application's own
// failure page answers a tokenless POST, a cross-origin POST, and a POST
// reaching CSRF without the session middleware; the handler never runs.
func TestCSRFWithFailureHandlerAnswersEveryRejection(t *testing.T) {
	fail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "our own page")
	})
	for _, withSession := range []bool{true, false} {
		r := gin.New()
		if withSession {
			r.Use(middleware.SessionWith(newCSRFGinManager(t)))
		}
		r.Use(middleware.CSRFWith(session.CSRFOptions{FailureHandler: fail}))
		ran := false
		r.POST("/submit", func(c *gin.Context) { ran = true })
		for _, origin := range []string{"", "https://evil.example"} {
			req := httptest.NewRequest(http.MethodPost, "http://app.example/submit", strings.NewReader("name=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if origin != "" {
				req.Header.Set("Origin", origin)
				req.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden || rec.Body.String() != "our own page" || ran {
				t.Errorf("session %v, origin %q: %d %q, handler ran %v", withSession, origin, rec.Code, rec.Body.String(), ran)
			}
		}
	}
}

// TestCSRFWithBadTrustedOriginPanicsAtOnce: a misconfigured origin stops
// the application when the middleware is built, naming the value.
func TestCSRFWithBadTrustedOriginPanicsAtOnce(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "not a url") {
			t.Errorf("recover() = %v, want a panic naming the origin", p)
		}
	}()
	middleware.CSRFWith(session.CSRFOptions{TrustedOrigins: []string{"not a url"}})
}
