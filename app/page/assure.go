package page

import (
	"errors"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/identity"
)

// The assure portal (compte ameli) speaks the words of seeds 001, 002 and
// 003. Its screens: AssureSignIn (/assure/connexion), AssureForgot
// (/assure/mot-de-passe-oublie), and the generic Reset, Account and
// Password with the wording below.

// assureWording is the new-password screen of seed 001, step 5, and its
// confirmation (step 6).
var assureWording = wording{
	ForgotTitle: "Mot de passe oublié",
	ForgotIntro: "Remplissez les champs suivants pour modifier votre mot de passe :",
	Send:        "Recevoir le mail",
	Back:        "Retourner à la page de connexion",

	SentTitle: "Mot de passe oublié",

	ResetTitle:    "Renouvellement de mot de passe",
	ResetAdvice:   passwordAdvice,
	RulesIntro:    rulesIntro,
	RequiredNote:  requiredNote,
	PasswordLabel: "Nouveau mot de passe *",
	ConfirmLabel:  "Confirmer le mot de passe *",
	ResetButton:   "Valider le nouveau mot de passe",

	// Step 6 gives no sentence: "L'assuré reçoit la confirmation que son
	// renouvellement de mot de passe a bien été enregistré".
	DoneTitle:      "Renouvellement de mot de passe",
	DoneText:       "Votre nouveau mot de passe est bien enregistré. Vous pouvez dès à présent vous connecter à votre compte ameli avec ce mot de passe.",
	SignInLink:     "Retourner à la page de connexion",
	DoneSignInOnly: true,

	Restart: "Renouveler mon mot de passe",
}

// Sentences of seeds 001 and 003 several screens share.
const (
	passwordAdvice = "Pour maintenir la confidentialité de vos informations, nous vous recommandons de ne pas choisir un mot de passe que vous utilisez déjà sur un autre site."
	rulesIntro     = "Votre mot de passe doit :"
	requiredNote   = "* Champs obligatoires"
)

// NIR messages (the seeds give none).
const (
	nirMissing    = "Saisissez votre numéro de sécurité sociale."
	nirCharacters = "Le numéro de sécurité sociale ne contient que des chiffres (et 2A ou 2B pour les personnes nées en Corse)."
	nirShort      = "Le numéro de sécurité sociale comporte 15 caractères : 13 chiffres et une clé de 2 chiffres."
	nirLong       = "Le numéro de sécurité sociale comporte 15 caractères : 13 chiffres et une clé de 2 chiffres. Vous en avez saisi davantage."
	nirFormat     = "Ce numéro de sécurité sociale n'est pas valide : vérifiez les premiers chiffres."
	nirKey        = "Ce numéro de sécurité sociale n'est pas valide : vérifiez les chiffres et la clé (les 2 derniers chiffres)."
	nirRefused    = "Le numéro de sécurité sociale n'est pas valide ou ne correspond pas à votre date de naissance."

	birthMissing  = "Saisissez votre date de naissance."
	birthFormat   = "Saisissez votre date de naissance au format jj/mm/aaaa, par exemple 05/03/1984."
	birthInvalid  = "Cette date n'existe pas. Saisissez votre date de naissance au format jj/mm/aaaa."
	birthRange    = "Vérifiez votre date de naissance : elle ne peut pas être dans le futur ni avant 1900."
	birthMismatch = "Cette date de naissance ne correspond pas à votre numéro de sécurité sociale (année et mois de naissance)."
)

// nirCount counts the significant characters of a NIR as typed.
func nirCount(s string) int {
	n := 0
	for _, r := range s {
		if r != ' ' && r != '\u00a0' && r != '\t' {
			n++
		}
	}
	return n
}

// checkNIR checks a NIR as it is typed: wrong characters and too many of
// them at once, the key once all 15 are there. A number still being typed
// is not an error unless final (the user moved on, or submits).
func checkNIR(v string, final bool) string {
	v = strings.TrimSpace(v)
	if v == "" {
		if final {
			return nirMissing
		}
		return ""
	}
	_, err := identity.ParseNIR(v)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, identity.ErrNIRCharacters):
		return nirCharacters
	case errors.Is(err, identity.ErrNIRLength):
		if nirCount(v) > 15 {
			return nirLong
		}
		if final {
			return nirShort
		}
		return ""
	case errors.Is(err, identity.ErrNIRFormat):
		return nirFormat
	default:
		return nirKey
	}
}

// birthDigits turns "05031984" (what a numeric keypad types) into
// "05/03/1984"; anything else is left as typed.
func birthDigits(v string) string {
	if len(v) != 8 {
		return v
	}
	for i := 0; i < 8; i++ {
		if v[i] < '0' || v[i] > '9' {
			return v
		}
	}
	return v[:2] + "/" + v[2:4] + "/" + v[4:]
}

// parseBirth parses a birth date as typed (jj/mm/aaaa, or its 8 digits).
func parseBirth(v string) (time.Time, error) {
	return identity.ParseBirthDate(birthDigits(strings.TrimSpace(v)), time.Now())
}

// checkBirth checks a birth date; an incomplete one is an error only when
// final.
func checkBirth(v string, final bool) string {
	v = strings.TrimSpace(v)
	if v == "" {
		if final {
			return birthMissing
		}
		return ""
	}
	_, err := parseBirth(v)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, identity.ErrBirthDateInvalid):
		return birthInvalid
	case errors.Is(err, identity.ErrBirthDateRange):
		return birthRange
	case final:
		return birthFormat
	}
	return ""
}

// checkBirthMatchesNIR is the consistency check once both are valid.
func checkBirthMatchesNIR(nir, birth string) string {
	n, err := identity.ParseNIR(nir)
	if err != nil {
		return ""
	}
	b, err := parseBirth(birth)
	if err != nil {
		return ""
	}
	if !n.MatchesBirthDate(b) {
		return birthMismatch
	}
	return ""
}

// nirHelp is the disclosure « Où trouver mon numéro de sécurité sociale ? ».
func nirHelp() app.UI {
	return app.Details().ID("nir-help").Class("disclosure").Body(
		app.Summary().ID("nir-help-summary").Text("Où trouver mon numéro de sécurité sociale ?"),
		app.Div().Class("disclosure-body").Body(
			app.P().Text("Votre numéro de sécurité sociale figure sur votre carte Vitale et sur votre attestation de droits (téléchargeable dans votre compte ameli ou disponible auprès de votre caisse)."),
			app.P().Text("Il comporte 15 chiffres : 13 chiffres suivis d'une clé de 2 chiffres. Vous pouvez le saisir avec ou sans espaces."),
		),
	)
}
