package main

import "strings"

// describeAgent names the browser and the system of a User-Agent header in
// words, as a devices page shows them: "Chrome on Linux", "Safari on
// iPhone", "curl". It knows the common browsers and systems only; anything
// else is "Unknown browser" (on the system, when that is known).
func describeAgent(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	browser := firstMatch(ua, browsers)
	system := firstMatch(ua, systems)
	switch {
	case browser == "" && system == "":
		if tool := firstMatch(ua, tools); tool != "" {
			return tool
		}
		return "Unknown browser"
	case browser == "":
		return "Unknown browser on " + system
	case system == "":
		return browser
	}
	return browser + " on " + system
}

// A match is a word to find in the header and the name it means. The
// order matters: Edge and Opera say "Chrome" too, Chrome says "Safari",
// Android says "Linux", iOS browsers say "Mac OS X".
type match struct{ word, name string }

var browsers = []match{
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
	{"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
	{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"}, {"HeadlessChrome/", "Headless Chrome"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"},
	{"Safari/", "Safari"},
}

var systems = []match{
	{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
	{"Windows", "Windows"}, {"CrOS", "ChromeOS"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
	{"Linux", "Linux"}, {"FreeBSD", "FreeBSD"},
}

var tools = []match{{"curl/", "curl"}, {"Wget/", "Wget"}, {"Go-http-client/", "Go program"}, {"python-requests/", "Python program"}}

func firstMatch(ua string, ms []match) string {
	for _, m := range ms {
		if strings.Contains(ua, m.word) {
			return m.name
		}
	}
	return ""
}
