package captcha

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
)

// ServeImage answers an image request for challenge id: on success it writes
// Content-Type image/png, Cache-Control no-store and the PNG, and returns
// nil. On error (ErrNotFound for an unknown, used or expired id) it writes
// nothing and returns the error for the caller to answer (404
// problem+json).
func (s *Service) ServeImage(w http.ResponseWriter, r *http.Request, id string) error {
	return serve(w, r, "image/png", func(ctx context.Context, b io.Writer) error {
		return s.WriteImage(ctx, b, id)
	})
}

// ServeAudio is ServeImage for the French audio challenge (audio/wav).
func (s *Service) ServeAudio(w http.ResponseWriter, r *http.Request, id string) error {
	return serve(w, r, "audio/wav", func(ctx context.Context, b io.Writer) error {
		return s.WriteAudio(ctx, b, id)
	})
}

func serve(w http.ResponseWriter, r *http.Request, ctype string, write func(context.Context, io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(r.Context(), &buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
	return nil
}
