package problem

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"

	"sesame/shared/api"
)

// MaxBody is the largest request body the API reads (admin imports have
// their own, larger, cap).
const MaxBody = 16 << 10

// Decode reads a JSON object of at most max bytes into v. It refuses other
// media types, invalid UTF-8, NUL bytes, unknown fields, trailing data and
// JSON that does not fit v, each with its own code.
func Decode(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "text/plain") {
			// text/plain is what a no-cors fetch sends; the origin check
			// stops cross-site ones.
			return New(http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return New(http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge)
		}
		return &Error{Status: http.StatusBadRequest, Code: api.CodeBadRequest, Err: err}
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return New(http.StatusBadRequest, api.CodeInvalidJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: api.CodeInvalidJSON, Err: err}
	}
	// Only JSON whitespace may follow the value. (dec.More would let a
	// stray "]" or "}" through.)
	if len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) > 0 {
		return New(http.StatusBadRequest, api.CodeInvalidJSON)
	}
	if bytes.Contains(body, []byte(`\u0000`)) {
		return New(http.StatusBadRequest, api.CodeInvalidJSON)
	}
	return nil
}
