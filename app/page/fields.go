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
	Label        string
	Type         string
	Autocomplete string
	InputMode    string
	Hint         string
}

// specs of the fields portals ask, by API name.
var specs = map[string]fieldSpec{
	portal.FieldEmail: {
		ID: "email", API: portal.FieldEmail, Label: "Email",
		Type: "email", Autocomplete: "email", InputMode: "email",
	},
	portal.FieldNIR: {
		ID: "nir", API: portal.FieldNIR, Label: "Numéro de sécurité sociale",
		Type: "text", Autocomplete: "off", InputMode: "numeric",
		Hint: "13 chiffres suivis de la clé de 2 chiffres",
	},
	portal.FieldBirthdate: {
		ID: "birthdate", API: portal.FieldBirthdate, Label: "Date de naissance",
		Type: "date", Autocomplete: "bday",
	},
	portal.FieldMemberNumber: {
		ID: "member-number", API: portal.FieldMemberNumber, Label: "Numéro d'adhérent",
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

// field builds the widget for a spec. The input keeps what is typed; the
// screen follows through onInput.
func (s fieldSpec) field(errText string, onInput widget.InputFunc) *widget.Field {
	return &widget.Field{
		ID: s.ID, Label: s.Label, Type: s.Type,
		Autocomplete: s.Autocomplete, InputMode: s.InputMode, Hint: s.Hint,
		Error: errText, Required: true, OnInput: onInput,
	}
}

// checkEmail is the local check of an e-mail field, before any request.
func checkEmail(v string) string {
	if v == "" {
		return emailMissing
	}
	if _, err := identity.ParseEmail(v); err != nil {
		return emailInvalid
	}
	return ""
}
