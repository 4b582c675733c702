//go:build sesame_pprof

package sesame

import (
	"net/http"
	"net/http/pprof"
)

// debugRoutes serves the Go profiler under /debug/pprof/ in development
// mode (SESAME_DEV=1) of a binary built with -tags sesame_pprof, for load
// runs:
//
//	go build -tags sesame_pprof -o bin/sesame-pprof ./server/cmd/sesame
//	go tool pprof http://127.0.0.1:PORT/debug/pprof/profile?seconds=10
//
// Production builds never have it.
func debugRoutes(mux *http.ServeMux, dev bool) {
	if !dev {
		return
	}
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
