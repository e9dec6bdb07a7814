package examples_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// browser is an HTTP client that keeps cookies and follows redirects, like a
// browser does.
type browser struct{ c *http.Client }

func newBrowser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err)
	}
	return &browser{&http.Client{Jar: jar}}
}

// get prints the status and body of a GET.
func (b *browser) get(u string) {
	b.show(b.c.Get(u))
}

// post prints the status and body of a form POST (after its redirect).
func (b *browser) post(u string, form url.Values) {
	b.show(b.c.Post(u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())))
}

func (b *browser) show(res *http.Response, err error) {
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(strings.TrimSpace(fmt.Sprintf("%d %s", res.StatusCode, body)))
}
