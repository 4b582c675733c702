//go:build !sesame_pprof

package sesame

import "net/http"

// debugRoutes adds nothing: the profiler is only in binaries built with
// -tags sesame_pprof (see pprof_on.go).
func debugRoutes(*http.ServeMux, bool) {}
