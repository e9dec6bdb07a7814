package session

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter commits the session before the response's first byte.
type responseWriter struct {
	http.ResponseWriter
	rs          *reqState
	wroteHeader bool // the session was committed, or failed and answered
	failed      bool // the commit failed and the error handler answered
}

// commit saves the session and reports whether the response may go on.
func (w *responseWriter) commit() bool {
	if w.wroteHeader {
		return !w.failed
	}
	rs := w.rs
	err := rs.m.commit(rs.r.Context(), w.Header(), rs.st, rs.data)
	w.wroteHeader = true
	if err != nil {
		w.failed = true
		rs.m.handleError(w.ResponseWriter, rs.r, err)
		return false
	}
	return true
}

func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: the real header comes later
		return
	}
	if w.wroteHeader {
		if !w.failed {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	if w.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, ErrCommitFailed
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps io.Copy's fast paths (sendfile) working.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, ErrCommitFailed
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

type writerOnly struct{ io.Writer }

func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush for http.ResponseController.
func (w *responseWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return ErrCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, ErrCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
