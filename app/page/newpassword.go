package page

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/api"
	"sesame/shared/policy"
)

// newPassword is what every screen that sets a password (Reset,
// AdherentForgot, Password) holds of the new one: the password and its
// confirmation, in memory only, their messages, and the server's checklist
// after a refusal, shown until either changes.
type newPassword struct {
	password string // in memory only
	confirm  string // in memory only
	server   []policy.RuleResult
	pwErr    text
	cfErr    text
}

// typePassword follows the password input.
func (n *newPassword) typePassword(_ app.Context, v string) {
	n.password, n.pwErr, n.server = v, text{}, nil
}

// typeConfirm follows the confirmation input.
func (n *newPassword) typeConfirm(_ app.Context, v string) {
	n.confirm, n.cfErr, n.server = v, text{}, nil
}

// checkPassword is the local check before the password is sent, the same on every
// screen, in this order: a missing password; the policy (policyOK is the
// local verdict), unless the confirmation is the only rule the checklist
// shown fails, since the confirmation's own messages say it better; a
// missing confirmation; a different one. It sets the field's message and
// returns the id of the field to fix, which takes the focus, or "" when the
// password may go. On the policy it returns the problem code instead of a
// message: the form's alert says it.
func (n *newPassword) checkPassword(ctx app.Context, policyOK bool, shown []policy.RuleResult) (field, code string) {
	n.pwErr, n.cfErr = text{}, text{}
	switch {
	case n.password == "":
		field, n.pwErr = "password", passwordMissing
	case !policyOK && !onlyConfirmFails(shown):
		field, code = "password", api.CodePasswordPolicy
	case n.confirm == "":
		field, n.cfErr = "confirm", confirmMissing
	case n.confirm != n.password:
		field, n.cfErr = "confirm", confirmMismatch
	default:
		return "", ""
	}
	focus(ctx, field)
	return field, code
}

// onlyConfirmFails reports whether the confirmation rule is the only one
// failing: the confirmation field's own messages say it better.
func onlyConfirmFails(rules []policy.RuleResult) bool {
	for _, rr := range rules {
		if !rr.OK && rr.ID != "confirm" {
			return false
		}
	}
	return true
}

// withoutDiffers is the local checklist of a screen that does not ask the
// current password: « différent de votre mot de passe actuel » cannot be
// checked without it (the server checks it, and its refusal shows it).
func withoutDiffers(rules []policy.RuleResult) []policy.RuleResult {
	out := make([]policy.RuleResult, 0, len(rules))
	for _, rr := range rules {
		if rr.ID != "differs" {
			out = append(out, rr)
		}
	}
	return out
}

// refused shows the server's checklist after a refusal that carries one
// (422 password_policy), and reports whether it did.
func (n *newPassword) refused(ctx app.Context, p *api.Problem) bool {
	if p == nil || len(p.Rules) == 0 {
		return false
	}
	n.server = p.Rules
	focus(ctx, "password")
	return true
}
