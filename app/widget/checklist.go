package widget

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/message"
	"sesame/shared/policy"
)

// Checklist shows the password rules, each ✓ or ✗, as the user types. The
// state is given in text too (visually hidden « respecté » / « non
// respecté »), and the list is a polite live region: a screen reader hears
// each rule that changes.
//
// Each item carries data-rule (the rule's stable id) and data-ok ("true" or
// "false") for tests and styles.
type Checklist struct {
	app.Compo

	ID    string // default "checklist"
	Rules []policy.RuleResult
	// Lang is "fr" (default) or "en".
	Lang string
}

// Checklist state words, for screen readers.
var (
	metText    = message.Text{FR: "respecté", EN: "met"}
	notMetText = message.Text{FR: "non respecté", EN: "not met"}
)

func (c *Checklist) id() string {
	if c.ID == "" {
		return "checklist"
	}
	return c.ID
}

// Render runs on both sides.
func (c *Checklist) Render() app.UI {
	return app.Ul().
		ID(c.id()).
		Class("checklist").
		Aria("live", "polite").
		Body(app.Range(c.Rules).Slice(func(i int) app.UI {
			r := c.Rules[i]
			class, mark, state := "ko", "✗", notMetText.In(c.Lang)
			if r.OK {
				class, mark, state = "ok", "✓", metText.In(c.Lang)
			}
			return app.Li().
				Class(class).
				DataSet("rule", r.ID).
				DataSet("ok", strconv.FormatBool(r.OK)).
				Aria("atomic", "true").
				Body(
					app.Span().Class("mark").Aria("hidden", "true").Text(mark),
					app.Span().Class("label").Text(r.Label),
					app.Span().Class("visually-hidden").Text(" : "+state),
				)
		}))
}

// StrengthLabel is the strength meter's caption (seed 003).
const StrengthLabel = "Niveau indicatif de sécurité"

var strengthLabel = message.Text{FR: StrengthLabel, EN: "Indicative security level"}

// labelSep ends a caption before its value (French puts a space before
// the colon).
var labelSep = message.Text{FR: " : ", EN: ": "}

// Strength shows the indicative strength of a password: « Niveau indicatif
// de sécurité : Moyen » and a meter from 0 to 4. It informs; the rules
// decide.
type Strength struct {
	app.Compo

	ID    string // default "strength"
	Value policy.Strength
	Label string // default StrengthLabel, in Lang
	// Lang is the caption's language, "fr" (default) or "en" (Value's
	// label is the caller's, in the same language).
	Lang string
}

// Render runs on both sides.
func (s *Strength) Render() app.UI {
	id, label := s.ID, s.Label
	if id == "" {
		id = "strength"
	}
	if label == "" {
		label = strengthLabel.In(s.Lang)
	}
	return app.Div().ID(id).Class("strength").DataSet("score", s.Value.Score).Body(
		app.P().Aria("live", "polite").Body(
			app.Text(label+labelSep.In(s.Lang)),
			app.Strong().Text(s.Value.Label),
		),
		// The text above says it all; the meter is for the eye.
		app.Meter().Aria("hidden", "true").Min(0).Max(4).Low(1.5).High(2.5).Optimum(4).Value(s.Value.Score),
	)
}
