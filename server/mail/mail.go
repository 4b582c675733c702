package mail

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"sesame/server/outbox"
	"sesame/shared/portal"
)

// Job kinds.
const (
	KindResetLink       = "reset_link"
	KindResetCode       = "reset_code"
	KindChangeCode      = "change_code"
	KindPasswordChanged = "password_changed"
	KindPasskeyAdded    = "passkey_added"
	KindPasskeyRemoved  = "passkey_removed"
)

// Kinds lists every kind Render knows.
func Kinds() []string {
	return []string{KindResetLink, KindResetCode, KindChangeCode,
		KindPasswordChanged, KindPasskeyAdded, KindPasskeyRemoved}
}

// Errors of Render. Render wraps them with outbox.ErrPermanent.
var (
	ErrUnknownKind   = errors.New("mail: unknown kind")
	ErrUnknownPortal = errors.New("mail: unknown portal")
	ErrBadJob        = errors.New("mail: invalid job")
)

// Renderer turns outbox jobs into mails. It is safe for concurrent use.
type Renderer struct {
	base    string // public base URL, no trailing slash
	portals map[string]portal.Config
	loc     *time.Location
}

// New returns a Renderer. publicURL is the configured public base URL
// (e.g. "http://localhost:8000"), never a request's Host header; it may
// carry a path prefix but no query or fragment. loc is Europe/Paris.
func New(publicURL string, portals []portal.Config, loc *time.Location) (*Renderer, error) {
	u, err := url.Parse(publicURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("mail: public URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("mail: public URL %q: scheme must be http or https", publicURL)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return nil, fmt.Errorf("mail: public URL %q: want scheme://host[:port][/path]", publicURL)
	}
	if loc == nil {
		return nil, errors.New("mail: nil location (want Europe/Paris)")
	}
	if len(portals) == 0 {
		return nil, errors.New("mail: no portal")
	}
	r := &Renderer{
		base:    strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
		portals: make(map[string]portal.Config, len(portals)),
		loc:     loc,
	}
	for _, p := range portals {
		if p.ID == "" || p.ID != url.PathEscape(p.ID) {
			return nil, fmt.Errorf("mail: portal id %q is not usable in a URL path", p.ID)
		}
		if _, dup := r.portals[p.ID]; dup {
			return nil, fmt.Errorf("mail: portal %q given twice", p.ID)
		}
		r.portals[p.ID] = p
	}
	return r, nil
}

// FromName returns the display name of the sender for a portal: "Votre
// Assurance Maladie" (assure, employeur: what seed 001 tells members to
// search for), "Mutuelle des agents publics" (adherent), the portal's name
// for any other configured portal, "" for an unknown one.
func (r *Renderer) FromName(portalID string) string {
	p, ok := r.portals[portalID]
	if !ok {
		return ""
	}
	return fromName(p)
}

func fromName(p portal.Config) string {
	switch p.ID {
	case "assure", "employeur":
		return "Votre Assurance Maladie"
	case "adherent":
		return "Mutuelle des agents publics"
	}
	return p.Name
}

// ResetURL returns the link a reset_link mail carries:
// <publicURL>/<portal>/mot-de-passe/reinitialisation#<token>.
func (r *Renderer) ResetURL(portalID, token string) (string, error) {
	if _, ok := r.portals[portalID]; !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownPortal, portalID)
	}
	if !tokenOK(token) {
		return "", fmt.Errorf("%w: token missing or not URL-safe", ErrBadJob)
	}
	return r.base + "/" + portalID + "/mot-de-passe/reinitialisation#" + token, nil
}

// tokenOK accepts the characters a fragment may hold as they are:
// base64url, hex, base32 and standard base64 tokens.
func tokenOK(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-._~+/=", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// Render renders a job. Errors wrap outbox.ErrPermanent and never contain
// the secret or the recipient.
func (r *Renderer) Render(job outbox.Job) (outbox.Mail, error) {
	m, err := r.render(job)
	if err != nil {
		return outbox.Mail{}, outbox.Permanent(err)
	}
	return m, nil
}

func (r *Renderer) render(job outbox.Job) (outbox.Mail, error) {
	build, ok := builders[job.Kind]
	if !ok {
		return outbox.Mail{}, fmt.Errorf("%w %q", ErrUnknownKind, job.Kind)
	}
	id := job.Data["portal"]
	p, ok := r.portals[id]
	if !ok {
		return outbox.Mail{}, fmt.Errorf("%w %q", ErrUnknownPortal, id)
	}
	if strings.TrimSpace(job.To) == "" || strings.ContainsAny(job.To, "\r\n") {
		return outbox.Mail{}, fmt.Errorf("%w: recipient missing or malformed", ErrBadJob)
	}
	c := &rc{r: r, p: p, j: job, en: normLang(job.Lang) == "en"}
	c.v = voiceFor(p, c.en)
	subject, body, err := build(c)
	if err != nil {
		return outbox.Mail{}, fmt.Errorf("%s: %w", job.Kind, err)
	}
	msg := message{
		Lang:    c.t("fr", "en"),
		Subject: subject,
		Brand:   fromName(p),
		To:      job.To,
		LinkHelp: c.t("Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :",
			"If the button does not work, copy this link into your browser:"),
		SentTo: c.t("Ce message a été envoyé à ", "This message was sent to "),
		Blocks: c.wrap(body),
		Notes:  []string{c.v.robot},
	}
	htmlBody, err := r.renderHTML(msg)
	if err != nil {
		return outbox.Mail{}, err
	}
	return outbox.Mail{
		To:      job.To,
		Subject: msg.Subject,
		Text:    renderText(msg),
		HTML:    htmlBody,
		Headers: map[string]string{
			"Auto-Submitted": "auto-generated",
			"X-Sesame-Kind":  job.Kind,
		},
	}, nil
}

// rc is the context of one rendering.
type rc struct {
	r  *Renderer
	p  portal.Config
	j  outbox.Job
	en bool
	v  voice
}

// t picks the French or the English text.
func (c *rc) t(fr, en string) string {
	if c.en {
		return en
	}
	return fr
}

// ttl is job.Data["ttl_minutes"] when it is a positive number, else def.
func (c *rc) ttl(def time.Duration) time.Duration {
	var n int
	if _, err := fmt.Sscanf(c.j.Data["ttl_minutes"], "%d", &n); err == nil && n > 0 && n <= 7*24*60 {
		return time.Duration(n) * time.Minute
	}
	return def
}

// duration is FormatDuration in the mail's language.
func (c *rc) duration(d time.Duration) string {
	return FormatDuration(d, c.t("fr", "en"))
}

// when returns job.Data[key] (RFC 3339), or job.Created when it is absent
// or malformed, as "26/12/2022 à 14h33" or "26/12/2022 at 14:33".
func (c *rc) when(key string) (string, error) {
	t, err := time.Parse(time.RFC3339, c.j.Data[key])
	if err != nil {
		if c.j.Created.IsZero() {
			return "", fmt.Errorf("%w: %s missing or not RFC 3339", ErrBadJob, key)
		}
		t = c.j.Created
	}
	return formatDateTime(t, c.r.loc, c.en), nil
}

// code returns the code of a code mail.
func (c *rc) code() (string, error) {
	s := strings.TrimSpace(c.j.Secret)
	if s == "" || len(s) > 64 || strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("%w: code missing or malformed", ErrBadJob)
	}
	return s, nil
}
