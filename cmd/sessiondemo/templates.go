package main

import (
	"html/template"
	"net/http"
	"strings"
)

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"join": strings.Join,
}).Parse(`
{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · session demo</title><link rel="stylesheet" href="/style.css"></head>
<body><header><a class="brand" href="/">session demo</a><nav>
{{if .User}}<span id="who">Signed in as <b>{{.User}}</b></span> <a href="/profile">Profile</a> <a href="/devices">Devices</a>
<form method="post" action="/logout" class="inline"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><button id="logout">Sign out</button></form>
{{else}}<a href="/login" id="login-link">Sign in</a>{{end}}
</nav></header><main>
{{if .Success}}<p class="flash success" id="flash-success">{{.Success}}</p>{{end}}
{{if .Error}}<p class="flash error" id="flash-error">{{.Error}}</p>{{end}}
<h1>{{.Title}}</h1>{{end}}

{{define "bottom"}}</main><footer>Sessions by github.com/seed-699a33a2/session</footer></body></html>{{end}}

{{define "errors"}}{{with .}}<ul class="field-errors">{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}{{end}}

{{define "devices"}}{{template "top" .}}
{{if .NoIndex}}<p class="note">This driver keeps nothing on the server (the cookie driver), so it cannot list or end your other sessions.</p>
{{else}}<ul class="devices">
{{range .Devices}}<li class="card device{{if .Current}} current{{end}}"><div class="device-info">
<b class="agent" title="{{.UserAgent}}">{{.Agent}}</b>{{if .Current}} <span class="this">(this device)</span>{{end}}
<span class="meta">{{with .IPAddress}}From {{.}} · {{end}}signed in {{.Created.UTC.Format "2006-01-02 15:04"}} UTC · last active {{.LastActivity.UTC.Format "2006-01-02 15:04"}} UTC</span></div>
<form method="post" action="/devices/end" class="device-end"><input type="hidden" name="csrf_token" value="{{$.CSRF}}"><input type="hidden" name="handle" value="{{.Handle}}"><button>Sign out</button></form></li>{{end}}
</ul>
<form method="post" action="/devices/others"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><button id="others">Sign out all other devices</button></form>{{end}}
{{template "bottom" .}}{{end}}

{{define "error"}}{{template "top" .}}
<p class="card" id="error-message">{{.Message}}</p>
<p><a href="/">Back to the home page</a></p>
{{template "bottom" .}}{{end}}

{{define "home"}}{{template "top" .}}
<p>You have loaded this page <b id="visits">{{.Visits}}</b> time{{if ne .Visits 1}}s{{end}} in this session.</p>
{{if .User}}<p>Edit your <a href="/profile">profile</a>: submit it with mistakes to see your input and the errors come back.</p>
{{else}}<p><a href="/login">Sign in</a> with any name and the password <code>{{.Password}}</code>.</p>{{end}}
<p class="note">Flash messages show once, after a redirect. Reload this page and they are gone.</p>
{{template "bottom" .}}{{end}}

{{define "login"}}{{template "top" .}}
<form method="post" action="/login" class="card">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label>User name <input name="name" id="name" value="{{index .Old "name"}}" autocomplete="username"></label>
{{template "errors" index .Errors "name"}}
<label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
{{template "errors" index .Errors "password"}}
<label class="check"><input type="checkbox" name="remember" id="remember" value="1"> Remember me for 30 days</label>
<button id="submit">Sign in</button>
<p class="note">The password is <code>{{.Password}}</code>. Passwords are never kept as old input.</p>
</form>
{{template "bottom" .}}{{end}}

{{define "profile"}}{{template "top" .}}
<form method="post" action="/profile" class="card">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label>Display name <input name="display_name" id="display_name" value="{{index .Old "display_name"}}"></label>
{{template "errors" index .Errors "display_name"}}
<label>Email <input name="email" id="email" value="{{index .Old "email"}}"></label>
{{template "errors" index .Errors "email"}}
<label>Website (optional) <input name="website" id="website" value="{{index .Old "website"}}"></label>
{{template "errors" index .Errors "website"}}
<button id="save">Save profile</button>
</form>
{{with .Profile}}<p>Saved: <b id="saved-name">{{.display_name}}</b> &lt;{{.email}}&gt;</p>{{end}}
{{template "bottom" .}}{{end}}
`))

// render writes the page name with status. A template fails only on a
// broken writer (the client went away): nothing to answer then.
func render(w http.ResponseWriter, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, p)
}

const styleCSS = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.25rem 1rem;min-height:3.5rem;padding:.5rem 1.5rem;background:#1d2330;color:#fff}
header a{color:#fff;text-decoration:none;margin-left:1rem}
.brand{font-weight:700;margin-left:0;white-space:nowrap}
nav{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem}
#who{white-space:nowrap}
main{max-width:40rem;margin:2rem auto;padding:0 1rem}
.flash{padding:.75rem 1rem;border-radius:.4rem}
.success{background:#e3f6e8;border:1px solid #9bd3a8}
.error{background:#fde8e8;border:1px solid #f0a5a5}
.card{background:#fff;padding:1.25rem;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.1)}
label{display:block;margin-top:.75rem;font-weight:600}
input{display:block;width:100%;padding:.5rem;margin-top:.25rem;border:1px solid #c5cad3;border-radius:.3rem;font:inherit;font-weight:400}
.check{display:flex;align-items:center;gap:.5rem;font-weight:400}.check input{display:inline;width:auto;margin:0}
button{margin-top:1rem;padding:.5rem 1rem;border:0;border-radius:.3rem;background:#3756c5;color:#fff;font:inherit;cursor:pointer}
.inline{display:inline;margin-left:1rem}.inline button{margin:0;padding:.25rem .75rem;background:#4a5263}
.field-errors{color:#b42318;margin:.25rem 0 0;padding-left:1.2rem;font-size:.9rem}
.note{color:#5b6474;font-size:.9rem}
.devices{list-style:none;margin:0;padding:0}
.device{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.75rem;margin-bottom:.75rem}
.device-info{flex:1 1 15rem;min-width:0;overflow-wrap:anywhere}
.device .meta{display:block;color:#5b6474;font-size:.85rem}
.device-end button{margin:0}
.device.current{background:#f0f4ff}
footer{text-align:center;color:#8a91a0;font-size:.8rem;margin:3rem 0}
`
