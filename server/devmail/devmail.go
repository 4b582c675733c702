// Package devmail provides a development mailbox: an outbox.Sender that
// keeps the last 100 mails in memory and an http.Handler showing them, so
// that reset links and codes can be read at /dev/mail without any SMTP
// server. It is meant for development only: it shows secrets to whoever
// can reach the page.
//
// The page escapes everything; HTML bodies are shown in an iframe sandboxed
// without any permission (no script, no form, no navigation of the page).
package devmail

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"maps"
	"net/http"
	"regexp"
	"sync"
	"time"

	"sesame/server/outbox"
)

// capacity is the number of mails kept; older ones are dropped.
const capacity = 100

// Message is a received mail.
type Message struct {
	To       string            `json:"to"`
	Subject  string            `json:"subject"`
	Text     string            `json:"text"`
	HTML     string            `json:"html"`
	Headers  map[string]string `json:"headers,omitempty"`
	Received time.Time         `json:"received"`
}

// Mailbox keeps the last mails sent to it. The zero value is ready to use.
type Mailbox struct {
	mu   sync.Mutex
	ring []Message // oldest first, at most capacity
}

var _ outbox.Sender = (*Mailbox)(nil)

// Send stores m. It fails only if ctx is already done, like a real sender
// would.
func (mb *Mailbox) Send(ctx context.Context, m outbox.Mail) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msg := Message{
		To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		Headers: maps.Clone(m.Headers), Received: time.Now(),
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if len(mb.ring) == capacity {
		// Shift rather than index modulo: 100 small structs, dev only.
		copy(mb.ring, mb.ring[1:])
		mb.ring = mb.ring[:capacity-1]
	}
	mb.ring = append(mb.ring, msg)
	return nil
}

// List returns the kept mails, newest first.
func (mb *Mailbox) List() []Message {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	out := make([]Message, len(mb.ring))
	for i, m := range mb.ring {
		m.Headers = maps.Clone(m.Headers)
		out[len(out)-1-i] = m
	}
	return out
}

//go:embed mailbox.html
var files embed.FS

var page = template.Must(template.ParseFS(files, "mailbox.html"))

// urlRE finds links in text bodies, to make them clickable.
var urlRE = regexp.MustCompile(`https?://[^\s<>"']+`)

// segment is a piece of a text body: plain text, or a link.
type segment struct {
	Text string
	URL  string
}

func segments(s string) []segment {
	var out []segment
	last := 0
	for _, loc := range urlRE.FindAllStringIndex(s, -1) {
		if loc[0] > last {
			out = append(out, segment{Text: s[last:loc[0]]})
		}
		out = append(out, segment{Text: s[loc[0]:loc[1]], URL: s[loc[0]:loc[1]]})
		last = loc[1]
	}
	if last < len(s) {
		out = append(out, segment{Text: s[last:]})
	}
	return out
}

type view struct {
	Message
	Body []segment
}

// ServeHTTP shows the mailbox as HTML, or as a JSON array with
// ?format=json.
func (mb *Mailbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Mails hold live tokens: never cache them anywhere.
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	list := mb.List()
	if r.URL.Query().Get("format") == "json" {
		h.Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(list)
		return
	}
	views := make([]view, len(list))
	for i, m := range list {
		views[i] = view{Message: m, Body: segments(m.Text)}
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The srcdoc iframe inherits this policy: mail HTML gets no script and
	// loads nothing remote. Framing is refused with X-Frame-Options rather
	// than frame-ancestors, which the inherited policy would carry along.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	h.Set("X-Frame-Options", "DENY")
	if err := page.Execute(w, views); err != nil {
		http.Error(w, "render error", http.StatusInternalServerError)
	}
}
