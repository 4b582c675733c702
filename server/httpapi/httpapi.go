// Package httpapi assembles the server's HTTP surface: the API under
// /api/v1, health and metrics, the development mailbox and the web app,
// behind the protections every answer gets (security headers, a strict CSP
// that allows Wasm, no caching of API answers, refusal of cross-origin
// state-changing requests, panics turned into problem+json).
package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sesame/server/problem"
	"sesame/shared/api"
)

// HandlerFunc is an API handler: it returns its error instead of writing it.
type HandlerFunc = func(http.ResponseWriter, *http.Request) error

// Server is the router and its middleware.
type Server struct {
	Mux       *http.ServeMux
	Log       *slog.Logger
	PublicURL string
	metrics   *metrics
}

// New returns a Server whose metrics register in reg.
func New(log *slog.Logger, publicURL string, reg prometheus.Registerer) *Server {
	s := &Server{Mux: http.NewServeMux(), Log: log, PublicURL: publicURL, metrics: newMetrics(reg)}
	// Anything under /api/v1 no route took: a problem, never an HTML page.
	s.Mux.Handle(api.Prefix+"/", s.Wrap(func(w http.ResponseWriter, r *http.Request) error {
		return problem.New(http.StatusNotFound, api.CodeNotFound)
	}))
	return s
}

// Wrap turns an API handler into an http.Handler that writes its error as
// problem+json.
func (s *Server) Wrap(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			problem.Write(w, r, s.Log, err)
		}
	})
}

// Handler returns the whole server with its middleware.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(s.PublicURL); err != nil {
		s.Log.Warn("public URL is not a valid origin", "err", err)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, s.Log, problem.New(http.StatusForbidden, api.CodeCrossOrigin))
	}))
	return s.recoverPanics(s.observe(headers(cop.Handler(s.methodCheck(s.Mux)))))
}

// methodCheck answers 405 as problem+json for API paths the mux knows with
// another method (the mux's own 405 is plain text).
func (s *Server) methodCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
			_, pattern := s.Mux.Handler(r)
			if pattern == "" || pattern == api.Prefix+"/" {
				for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
					if m == r.Method {
						continue
					}
					probe := r.Clone(r.Context())
					probe.Method = m
					if _, p := s.Mux.Handler(probe); p != "" && p != api.Prefix+"/" {
						problem.Write(w, r, s.Log, problem.New(http.StatusMethodNotAllowed, api.CodeMethodNotAllowed))
						return
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// csp allows the app's own scripts and Wasm compilation, nothing remote,
// no framing.
const csp = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; " +
	"connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// No page ever sends its address elsewhere: a reset page's token is
		// in its fragment, and no Referer carries even the path.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if strings.HasPrefix(r.URL.Path, api.Prefix+"/") || strings.HasPrefix(r.URL.Path, "/dev/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				problem.Write(w, r, s.Log, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs each API request (method, route pattern, status, duration:
// never a query, a body or a cookie) and counts it.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		_, pattern := s.Mux.Handler(r)
		if pattern == "" {
			pattern = "other"
		}
		d := time.Since(start)
		s.metrics.observe(pattern, sw.status, d)
		if strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
			s.Log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("route", pattern), slog.Int("status", sw.status), slog.Duration("took", d))
		}
	})
}
