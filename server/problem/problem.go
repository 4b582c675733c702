// Package problem turns errors into RFC 9457 answers
// (application/problem+json) with a stable machine code and a French or
// English detail, and decodes request bodies defensively so bad input is a
// clear 4xx, never a crash or a 500.
package problem

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sesame/shared/api"
	"sesame/shared/message"
	"sesame/shared/policy"
)

// Error is an API error: it carries what the client needs to react.
type Error struct {
	Status int
	Code   string
	Detail string // overrides the code's standard sentence when set
	// DetailIn, when set, writes the detail in the answer's language.
	DetailIn     func(lang string) string
	RetryAt      time.Time
	Rules        []policy.RuleResult
	AttemptsLeft *int
	Fields       []string
	Err          error // the cause, logged, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the code's standard sentence.
func New(status int, code string) *Error { return &Error{Status: status, Code: code} }

// Lang is the language of the answer: English when the client prefers it,
// French otherwise.
func Lang(r *http.Request) string {
	al := strings.ToLower(r.Header.Get("Accept-Language"))
	for _, part := range strings.Split(al, ",") {
		tag := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		switch {
		case strings.HasPrefix(tag, "fr"):
			return "fr"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "fr"
}

// Write answers err as problem+json. Errors that are not *Error are
// internal: logged with the request path, answered 500 without detail.
func Write(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var pe *Error
	if !errors.As(err, &pe) {
		if errors.Is(err, http.ErrHandlerTimeout) || r.Context().Err() != nil {
			pe = &Error{Status: http.StatusServiceUnavailable, Code: api.CodeUnavailable, Err: err}
		} else {
			pe = &Error{Status: http.StatusInternalServerError, Code: api.CodeInternal, Err: err}
		}
	}
	if pe.Status >= 500 && log != nil {
		log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "code", pe.Code, "err", pe.Err)
	}
	lang := Lang(r)
	p := api.Problem{
		Type:         "https://sesame.example/problems/" + pe.Code,
		Title:        http.StatusText(pe.Status),
		Status:       pe.Status,
		Code:         pe.Code,
		Detail:       pe.Detail,
		Rules:        pe.Rules,
		AttemptsLeft: pe.AttemptsLeft,
		Fields:       pe.Fields,
	}
	if pe.DetailIn != nil {
		p.Detail = pe.DetailIn(lang)
	}
	if p.Detail == "" {
		p.Detail = message.Problem(pe.Code, lang)
	}
	if !pe.RetryAt.IsZero() {
		t := pe.RetryAt.UTC().Truncate(time.Second)
		p.RetryAt = &t
		w.Header().Set("Retry-After", retryAfter(pe.RetryAt))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", lang)
	w.WriteHeader(pe.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func retryAfter(t time.Time) string {
	s := int(time.Until(t).Seconds() + 0.999)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}

// JSON answers v with status, never cached.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
