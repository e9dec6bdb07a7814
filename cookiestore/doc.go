// Package cookiestore is the session driver that keeps each session in the
// client's cookie (SESSION_DRIVER=cookie). Nothing is stored on the server:
// [Store.Save] seals the whole record (ID, creation time, expiry and data)
// into the token the manager puts in the cookie, and [Store.Load] opens it
// again, in this process or any other that has the same secret. A restart
// loses nothing and every instance behind a load balancer reads the same
// sessions.
//
// # Sealing
//
// Tokens are sealed with XChaCha20-Poly1305, which encrypts and
// authenticates: the client can neither read nor change its session. The
// key comes from SESSION_SECRET through HKDF-SHA-256, once per secret, and
// every token gets a fresh random 24-byte nonce, long enough that one key
// can seal any number of cookies without a nonce collision to fear. The
// format version and the cookie name are authenticated with every token: a
// token sealed for another cookie name or another format does not open.
// Tokens of the previous format (version 1: AES-256-GCM under a key derived
// per token) still open, and are sealed again in the current one the next
// time the manager saves them. Any token that is malformed, tampered with,
// sealed with an unknown secret or expired is [store.ErrNotFound], and the
// manager starts a fresh session.
//
// The secret must be at least 32 random bytes; [New] refuses a shorter one
// and one that is evidently not random (a word, a repeated pattern, a
// placeholder such as "your-secret-key"). Make one with
//
//	openssl rand -base64 32
//
// # Rotating the secret
//
// To change SESSION_SECRET without logging everybody out, put the old
// secret in [Options.PreviousSecrets] and the new one in [Options.Secret].
// New cookies are sealed with the new secret; old cookies still open, and
// are sealed again with the new secret the next time the manager saves
// them. Once the session lifetime has passed, remove the old secret: the
// cookies it sealed stop opening.
//
// # Limits
//
// A cookie session cannot be revoked on the server before it expires.
// [Store.Delete] does nothing: logging out makes the manager expire the
// cookie in the browser, but a copy of the token taken earlier still opens
// until its expiry. Keep session lifetimes short, and keep state that must
// be revocable (a "logged out everywhere" flag, a password change counter)
// in a server-side store or your database.
//
// Concurrent requests of one client each carry their own copy of the
// session, so the last response to set the cookie wins and the changes of
// the others are lost.
//
// A browser keeps a cookie only if its name, value and attributes fit in
// 4096 bytes. A token carries [Overhead] = 89 bytes besides the data
// (version 1, nonce 24, ID 32, two times 8+8, tag 16), and the token is
// the unpadded base64url of the lot: [TokenLen](n) = ceil((89+n)·4/3)
// characters for n bytes of data. With the cookie name "rapidgo_session"
// and the attributes "; Path=/; Expires=Mon, 02 Jan 2006 15:04:05 GMT;
// Max-Age=7200; HttpOnly; Secure; SameSite=Lax" (109 bytes with name and
// "="), 3987 characters remain for the token: at most 2901 bytes of encoded
// session data, roughly 2.9 KB. Keep large or growing data (carts, lists)
// in a server-side store.
//
// A Store is safe for concurrent use by multiple goroutines.
package cookiestore
