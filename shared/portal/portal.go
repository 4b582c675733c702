package portal

import (
	"time"

	"sesame/shared/policy"
)

// Identifier says what a member types to sign in.
type Identifier string

const (
	IdentifierNIR          Identifier = "nir"           // social security number (assure)
	IdentifierEmail        Identifier = "email"         // e-mail address (employeur)
	IdentifierMemberNumber Identifier = "member_number" // member number (adherent)
)

// Field names of the identity proofs, as the API spells them.
const (
	FieldNIR          = "nir"
	FieldBirthdate    = "birthdate"
	FieldEmail        = "email"
	FieldMemberNumber = "member_number"
)

// Channel says how a recovery reaches the member.
type Channel string

const (
	// ChannelLink e-mails a link; the token travels in the URL fragment.
	ChannelLink Channel = "link"
	// ChannelCode e-mails a one-time code typed in the browser that asked
	// for it.
	ChannelCode Channel = "code"
)

// Duration is a time.Duration written as "30m" in JSON.
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Limits are the request budgets of a portal, in ulule/limiter's notation
// ("5-H" is five an hour, "20-M" twenty a minute, "1000-D" a thousand a
// day).
type Limits struct {
	RecoveryPerIdentifier string `json:"recovery_per_identifier"`
	RecoveryPerIP         string `json:"recovery_per_ip"`
	CodeSendsPerFlow      string `json:"code_sends_per_flow"`
	LinkChecksPerIP       string `json:"link_checks_per_ip"`
	SignInPerIP           string `json:"sign_in_per_ip"`
	ChangeCodesPerAccount string `json:"change_codes_per_account"`
	// PasskeyBeginsPerIP caps the passkey ceremonies a client starts
	// (registration and sign-in begin calls together).
	PasskeyBeginsPerIP string `json:"passkey_begins_per_ip"`
}

// Config is one portal. The JSON form is what GET /api/v1/portals/{portal}
// returns, minus nothing secret: a portal holds no secret.
type Config struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Tagline string `json:"tagline"`
	// ServiceName is the site named in mails ("votre compte ameli").
	ServiceName string `json:"service_name"`
	// Identifier is what signing in asks.
	Identifier Identifier `json:"identifier"`
	// Proof lists the fields a recovery asks, in screen order.
	Proof []string `json:"proof"`
	// Captcha protects the recovery form; SignInCaptcha the sign-in form
	// (adherent's "Anti-Robot").
	Captcha       bool `json:"captcha"`
	SignInCaptcha bool `json:"sign_in_captcha"`
	// Channel, LinkTTL: a link valid this long; CodeDigits, CodeTries,
	// CodeTTL: a code of this many digits, dead after this many wrong
	// tries or this long.
	Channel    Channel  `json:"channel"`
	LinkTTL    Duration `json:"link_ttl"`
	CodeDigits int      `json:"code_digits"`
	CodeTries  int      `json:"code_tries"`
	CodeTTL    Duration `json:"code_ttl"`
	// ChangeCodeDigits is the length of the code that confirms a password
	// change of a signed-in member (seed 003: 4 on assure).
	ChangeCodeDigits int `json:"change_code_digits"`
	// MaskedEmail: the recovery answer shows a masked address.
	MaskedEmail bool `json:"masked_email"`
	// NoEmailScreen keeps the assure seed's "Merci de contacter votre
	// caisse au 36 46" answer for an account without a validated address.
	// It tells whoever knows a NIR and birth date that the account has no
	// usable address: a documented deviation, off in the strict profile.
	NoEmailScreen bool `json:"no_email_screen"`
	// PostalFallback mentions the letter sent "sous huit jours" (adherent).
	PostalFallback bool `json:"postal_fallback"`
	// PasswordReminder is the recommended change period shown as a
	// reminder, never enforced (adherent: 6 months).
	PasswordReminderMonths int `json:"password_reminder_months,omitempty"`
	// Policy is the password policy as data.
	Policy policy.Policy `json:"policy"`
	// ContextWords are words no password of the portal may contain.
	ContextWords []string `json:"context_words"`
	// Roles are the sign-in roles offered first (employeur: Salarié,
	// Employeur, Témoin).
	Roles []string `json:"roles,omitempty"`
	// Phone is the help line named on failure screens.
	Phone  string `json:"phone"`
	Limits Limits `json:"limits"`
}

// PolicyContext returns what the policy must check the password against,
// with the portal's own words added.
func (c Config) PolicyContext(ctx policy.Context) policy.Context {
	ctx.Words = append(append([]string(nil), ctx.Words...), c.ContextWords...)
	return ctx
}

// Find returns the portal with the given id.
func Find(portals []Config, id string) (Config, bool) {
	for _, p := range portals {
		if p.ID == id {
			return p, true
		}
	}
	return Config{}, false
}
