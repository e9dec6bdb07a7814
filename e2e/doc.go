// Package e2e drives the demo app (cmd/sessiondemo) in headless Chromium
// through chromedp: sign in, flash messages, the profile form with its
// validation errors, sign out, the protected page, and the session cookie as
// the browser holds it. Screenshots of each step go to e2e/artifacts/.
//
// It lives in its own Go module, so that chromedp never enters the
// library's go.mod. Run it with e2e/run.sh, which installs Debian's
// chromium package when /usr/bin/chromium is missing.
package e2e
