package webui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// wasmHandler serves app.wasm from dir: app.wasm.br with Content-Encoding: br
// when the client accepts br and the .br file is at least as recent as
// app.wasm, else app.wasm as is.
type wasmHandler struct{ dir string }

func (h *wasmHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("Content-Type", "application/wasm")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Content-Type-Options", "nosniff")

	raw, rawInfo, rawErr := openRegular(h.dir, "app.wasm")
	if rawErr == nil {
		defer raw.Close()
		hdr.Set(wasmSizeHeader, strconv.FormatInt(rawInfo.Size(), 10))
	}

	if acceptsBrotli(r.Header.Get("Accept-Encoding")) {
		br, brInfo, err := openRegular(h.dir, "app.wasm.br")
		if err == nil {
			defer br.Close()
			// A .br older than app.wasm is left over from a previous build.
			if rawErr != nil || !rawInfo.ModTime().After(brInfo.ModTime()) {
				hdr.Set("Content-Encoding", "br")
				hdr.Set("ETag", etag("br", brInfo.Size(), brInfo.ModTime().UnixNano()))
				// ServeContent leaves out Content-Length when an encoding
				// is set, and would cut ranges of the compressed bytes:
				// serve the whole file, with its length.
				hdr.Set("Content-Length", strconv.FormatInt(brInfo.Size(), 10))
				r2 := r.Clone(r.Context())
				r2.Header.Del("Range")
				http.ServeContent(w, r2, "", brInfo.ModTime(), br)
				return
			}
		}
	}

	if rawErr != nil {
		hdr.Del("Content-Type")
		http.NotFound(w, r)
		return
	}
	hdr.Set("ETag", etag("raw", rawInfo.Size(), rawInfo.ModTime().UnixNano()))
	http.ServeContent(w, r, "", rawInfo.ModTime(), raw)
}

// etag identifies one representation of app.wasm.
func etag(encoding string, size, mtime int64) string {
	return fmt.Sprintf(`"wasm-%s-%x-%x"`, encoding, size, mtime)
}

// acceptsBrotli reports whether an Accept-Encoding header value allows br:
// listed (or "*" is) with a non-zero quality, and not refused explicitly.
func acceptsBrotli(header string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "br" && coding != "*" {
			continue
		}
		ok := !zeroQuality(params)
		if coding == "br" {
			return ok
		}
		star = ok
	}
	return star
}

// zeroQuality reports whether the parameters of a coding carry q=0.
func zeroQuality(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || strings.ToLower(strings.TrimSpace(k)) != "q" {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && q == 0
	}
	return false
}
