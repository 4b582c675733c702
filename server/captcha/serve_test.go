package captcha

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestServe(t *testing.T) {
	s := newService(t, Options{})
	id := create(t, s)
	for _, c := range []struct {
		serve func(http.ResponseWriter, *http.Request, string) error
		ctype string
	}{
		{s.ServeImage, "image/png"},
		{s.ServeAudio, "audio/wav"},
	} {
		rec := httptest.NewRecorder()
		if err := c.serve(rec, httptest.NewRequest("GET", "/x", nil), id); err != nil {
			t.Fatalf("%s: %v", c.ctype, err)
		}
		h := rec.Result().Header
		if rec.Code != 200 || h.Get("Content-Type") != c.ctype || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: status %d, headers %v", c.ctype, rec.Code, h)
		}
		if h.Get("Content-Length") != strconv.Itoa(rec.Body.Len()) || rec.Body.Len() == 0 {
			t.Errorf("%s: Content-Length %s, body %d bytes", c.ctype, h.Get("Content-Length"), rec.Body.Len())
		}
		if c.ctype == "image/png" {
			if _, err := png.Decode(bytes.NewReader(rec.Body.Bytes())); err != nil {
				t.Errorf("served PNG: %v", err)
			}
		} else {
			parseWAV(t, rec.Body.Bytes())
		}

		head := httptest.NewRecorder()
		if err := c.serve(head, httptest.NewRequest("HEAD", "/x", nil), id); err != nil || head.Body.Len() != 0 {
			t.Errorf("%s HEAD: err %v, body %d bytes", c.ctype, err, head.Body.Len())
		}

		// Unknown id: the error is returned, nothing is written.
		miss := httptest.NewRecorder()
		err := c.serve(miss, httptest.NewRequest("GET", "/x", nil), "AAAAAAAAAAAAAAAAAAAAAA")
		if !errors.Is(err, ErrNotFound) || miss.Body.Len() != 0 || len(miss.Header()) != 0 {
			t.Errorf("%s unknown id: err %v, wrote %d bytes, headers %v", c.ctype, err, miss.Body.Len(), miss.Header())
		}
	}
	if err := s.Verify(context.Background(), id, answer(t, s, id)); err != nil {
		t.Fatalf("Verify after serving: %v", err)
	}
}
