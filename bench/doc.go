// Package bench measures the session library against its peers (scs v2 and
// gorilla/sessions) on the same work, the same machine and the same servers.
//
// It is a separate module so that the peers never enter the library's
// go.mod. Run ./run.sh for the whole table; see RESULTS.md for the latest.
package bench
