package page

import (
	"sesame/app/widget"
	"sesame/shared/identity"
	"sesame/shared/portal"
)

// fieldSpec says how a screen asks one identity field.
type fieldSpec struct {
	ID           string // element id
	API          string // field name in the API (portal.Field*)
	Label        text
	Type         string
	Autocomplete string
	InputMode    string
	Hint         text
}

// specs of the fields portals ask, by API name.
var specs = map[string]fieldSpec{
	portal.FieldEmail: {
		ID: "email", API: portal.FieldEmail, Label: text{FR: "Email", EN: "Email"},
		Type: "email", Autocomplete: "email", InputMode: "email",
	},
	portal.FieldNIR: {
		ID: "nir", API: portal.FieldNIR, Label: text{FR: "Numéro de sécurité sociale", EN: "Social security number"},
		Type: "text", Autocomplete: "off", InputMode: "numeric",
		Hint: text{FR: "13 chiffres suivis de la clé de 2 chiffres", EN: "13 digits followed by the 2-digit key"},
	},
	portal.FieldBirthdate: {
		ID: "birthdate", API: portal.FieldBirthdate, Label: text{FR: "Date de naissance", EN: "Date of birth"},
		Type: "date", Autocomplete: "bday",
	},
	portal.FieldMemberNumber: {
		ID: "member-number", API: portal.FieldMemberNumber, Label: text{FR: "Numéro d'adhérent", EN: "Member number"},
		Type: "text", Autocomplete: "username", InputMode: "numeric",
	},
}

// identifierSpec is the field signing in asks: the portal's identifier,
// which password managers know as the username.
func identifierSpec(p portal.Config) fieldSpec {
	s := specs[string(p.Identifier)]
	s.Autocomplete = signInAutocomplete
	return s
}

// signInAutocomplete marks a sign-in screen's identifier field: the
// username of password managers, and the field whose autofill lists the
// passkeys (the conditional request of passkeySignIn).
const signInAutocomplete = "username webauthn"

// signInField marks f as a sign-in screen's identifier field.
func signInField(f *widget.Field) *widget.Field {
	f.Autocomplete = signInAutocomplete
	return f
}

// field builds the widget for a spec, in lang. The input keeps what is
// typed; the screen follows through onInput.
func (s fieldSpec) field(lang string, errText text, onInput widget.InputFunc) *widget.Field {
	return &widget.Field{
		ID: s.ID, Label: s.Label.In(lang), Type: s.Type,
		Autocomplete: s.Autocomplete, InputMode: s.InputMode, Hint: s.Hint.In(lang),
		Error: errText.In(lang), Required: true, OnInput: onInput,
	}
}

// checkEmail is the local check of an e-mail field, before any request.
func checkEmail(v string) text {
	if v == "" {
		return emailMissing
	}
	if _, err := identity.ParseEmail(v); err != nil {
		return emailInvalid
	}
	return text{}
}
