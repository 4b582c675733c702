// Package passkey is the passkey journey: a signed-in member registers a
// passkey, later signs in with it without a password, lists and deletes
// them. WebAuthn itself is go-webauthn's; this package holds the
// ceremonies around it and what Sésame promises on top:
//
//   - a ceremony (go-webauthn's session data) is kept server side for
//     CeremonyTTL, bound to the browser that started it by an HttpOnly,
//     SameSite=Strict cookie (`__Host-` prefixed and Secure in production),
//     and consumed by the finish call that names it, whether the finish
//     succeeds or not; its expiry is checked on the server's clock;
//   - passkeys are discoverable (resident key required), user verification
//     is preferred; the user handle is 32 random bytes of the account,
//     never its e-mail or identifier; a passkey signs in only on the portal
//     of its account;
//   - the credential's flags, signature counter and AAGUID are kept; a
//     counter that goes back (when counting) refuses the sign-in, and each
//     assertion answers one single-use challenge, so a replay is refused;
//   - every failure to verify gets one answer, 401 passkey_failed, and the
//     reason is logged (never a secret);
//   - adding or deleting a passkey e-mails a notification; deleting needs
//     the password (a wrong one counts as a sign-in failure) or a session
//     opened less than api.PasskeyReauthWindow ago with another passkey;
//   - ceremony starts are capped per client.
package passkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"sesame/server/limit"
	"sesame/server/outbox"
	"sesame/server/problem"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// CeremonyTTL is how long a begun ceremony can be finished.
const CeremonyTTL = 5 * time.Minute

// DisplayName is the relying party's name shown by authenticators.
const DisplayName = "Sésame"

// Store is what the journey keeps.
type Store interface {
	Account(ctx context.Context, id string) (store.Account, error)
	SetWebAuthnID(ctx context.Context, accountID string, handle []byte) (store.Account, error)
	Passkeys(ctx context.Context, accountID string) ([]store.Passkey, error)
	PasskeyOwner(ctx context.Context, id []byte) (store.Passkey, error)
	AddPasskey(ctx context.Context, pk store.Passkey, job *outbox.Job) error
	UsePasskey(ctx context.Context, u store.PasskeyUse) error
	DeletePasskey(ctx context.Context, accountID string, id []byte, keepSession string, job *outbox.Job) error
	PutCeremony(ctx context.Context, c store.Ceremony) error
	TakeCeremony(ctx context.Context, digest string) (store.Ceremony, error)
}

// Sessions tells who is signed in, opens sessions, and keeps the sign-in
// throttling a password typed here counts toward.
type Sessions interface {
	Current(r *http.Request, p portal.Config) (store.Session, store.Account, error)
	Open(w http.ResponseWriter, r *http.Request, p portal.Config, a store.Account, method, passkeyID string) error
	ConfirmPassword(ctx context.Context, p portal.Config, a store.Account, password string) (bool, error)
}

// Limiter counts ceremony starts per client.
type Limiter interface {
	Take(ctx context.Context, name, rate, key string) (limit.Verdict, error)
}

// Handler serves the passkey endpoints.
type Handler struct {
	// RP is the relying party (RelyingParty); nil turns the ceremonies
	// off (503), e.g. when the public URL's host is an IP address.
	RP        *webauthn.WebAuthn
	Store     Store
	Sessions  Sessions
	Limiter   Limiter
	Tokens    token.Hasher
	Portals   func(id string) (portal.Config, bool)
	ClientKey func(r *http.Request) string
	Secure    bool // __Host- prefix and Secure attribute on the ceremony cookies
	Limited   func(until time.Time) error
	Now       func() time.Time
	Log       *slog.Logger
}

// RelyingParty is the WebAuthn relying party of the public URL: its host
// without the port is the RP ID, scheme://host[:port] the only origin.
// Browsers refuse an IP address as RP ID, and so does this.
func RelyingParty(publicURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("passkey: public URL %q: want an http(s) origin", publicURL)
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); p == "443" && u.Scheme == "https" || p == "80" && u.Scheme == "http" {
		host = strings.ToLower(u.Hostname())
	}
	timeout := webauthn.TimeoutConfig{Timeout: CeremonyTTL, TimeoutUVD: CeremonyTTL}
	rp, err := webauthn.New(&webauthn.Config{
		RPID:                  strings.ToLower(u.Hostname()),
		RPDisplayName:         DisplayName,
		RPOrigins:             []string{u.Scheme + "://" + host},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification:   protocol.VerificationPreferred,
		},
		// Expiry is enforced on the server's clock (store.TakeCeremony),
		// not go-webauthn's.
		Timeouts: webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: relying party of %q: %w", publicURL, err)
	}
	return rp, nil
}

// Routes registers the endpoints.
func (h *Handler) Routes(mux *http.ServeMux, wrap func(func(http.ResponseWriter, *http.Request) error) http.Handler) {
	p := api.Prefix + "/portals/{portal}"
	mux.Handle("POST "+p+"/passkeys/register/begin", wrap(h.registerBegin))
	mux.Handle("POST "+p+"/passkeys/register/finish", wrap(h.registerFinish))
	mux.Handle("GET "+p+"/passkeys", wrap(h.list))
	mux.Handle("DELETE "+p+"/passkeys/{id}", wrap(h.delete))
	mux.Handle("POST "+p+"/session/passkey/begin", wrap(h.signInBegin))
	mux.Handle("POST "+p+"/session/passkey/finish", wrap(h.signInFinish))
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (h *Handler) portal(r *http.Request) (portal.Config, error) {
	p, ok := h.Portals(r.PathValue("portal"))
	if !ok {
		return portal.Config{}, problem.New(http.StatusNotFound, api.CodeUnknownPortal)
	}
	return p, nil
}

// ceremonies is the portal of a begin or finish call, or 503 when
// passkeys are off.
func (h *Handler) ceremonies(r *http.Request) (portal.Config, error) {
	p, err := h.portal(r)
	if err != nil {
		return p, err
	}
	if h.RP == nil {
		return p, problem.New(http.StatusServiceUnavailable, api.CodeUnavailable)
	}
	return p, nil
}

// allowBegin spends one ceremony start of the client's budget.
func (h *Handler) allowBegin(r *http.Request, p portal.Config) error {
	v, err := h.Limiter.Take(r.Context(), "passkey-begin", p.Limits.PasskeyBeginsPerIP, h.ClientKey(r))
	if err != nil {
		return err
	}
	if !v.Allowed {
		return h.Limited(v.Until)
	}
	return nil
}

// failed is the one answer to a passkey that does not verify; why is
// logged, without secrets.
func (h *Handler) failed(ctx context.Context, p portal.Config, step string, err error) error {
	h.log().InfoContext(ctx, "passkey refused", "portal", p.ID, "step", step, "reason", reason(err))
	return &problem.Error{Status: http.StatusUnauthorized, Code: api.CodePasskeyFailed, Err: err}
}

// reason is what go-webauthn says went wrong, without its debug
// information (which quotes challenges).
func reason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Type + ": " + pe.Details
	}
	return err.Error()
}
