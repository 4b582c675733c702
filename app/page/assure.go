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
	ForgotTitle: text{FR: "Mot de passe oublié", EN: "Forgotten password"},
	ForgotIntro: text{FR: "Remplissez les champs suivants pour modifier votre mot de passe :", EN: "Fill in the following fields to change your password:"},
	Send:        text{FR: "Recevoir le mail", EN: "Get the e-mail"},
	Back:        text{FR: "Retourner à la page de connexion", EN: "Back to the sign-in page"},

	SentTitle: text{FR: "Mot de passe oublié", EN: "Forgotten password"},

	ResetTitle:    text{FR: "Renouvellement de mot de passe", EN: "Password renewal"},
	ResetAdvice:   passwordAdvice,
	RulesIntro:    rulesIntro,
	RequiredNote:  requiredNote,
	PasswordLabel: text{FR: "Nouveau mot de passe *", EN: "New password *"},
	ConfirmLabel:  text{FR: "Confirmer le mot de passe *", EN: "Confirm the password *"},
	ResetButton:   text{FR: "Valider le nouveau mot de passe", EN: "Confirm the new password"},

	// Step 6 gives no sentence: "L'assuré reçoit la confirmation que son
	// renouvellement de mot de passe a bien été enregistré".
	DoneTitle: text{FR: "Renouvellement de mot de passe", EN: "Password renewal"},
	DoneText: text{FR: "Votre nouveau mot de passe est bien enregistré. Vous pouvez dès à présent vous connecter à votre compte ameli avec ce mot de passe.",
		EN: "Your new password has been saved. You can now sign in to your ameli account with it."},
	SignInLink:     text{FR: "Retourner à la page de connexion", EN: "Back to the sign-in page"},
	DoneSignInOnly: true,

	Restart: text{FR: "Renouveler mon mot de passe", EN: "Renew my password"},
}

// Sentences of seeds 001 and 003 several screens share.
var (
	passwordAdvice = text{FR: "Pour maintenir la confidentialité de vos informations, nous vous recommandons de ne pas choisir un mot de passe que vous utilisez déjà sur un autre site.",
		EN: "To keep your information confidential, we recommend that you do not choose a password you already use on another site."}
	rulesIntro   = text{FR: "Votre mot de passe doit :", EN: "Your password must:"}
	requiredNote = text{FR: "* Champs obligatoires", EN: "* Required fields"}
)

// NIR messages (the seeds give none).
var (
	nirMissing    = text{FR: "Saisissez votre numéro de sécurité sociale.", EN: "Enter your social security number."}
	nirCharacters = text{FR: "Le numéro de sécurité sociale ne contient que des chiffres (et 2A ou 2B pour les personnes nées en Corse).",
		EN: "The social security number holds digits only (and 2A or 2B for people born in Corsica)."}
	nirShort = text{FR: "Le numéro de sécurité sociale comporte 15 caractères : 13 chiffres et une clé de 2 chiffres.",
		EN: "The social security number has 15 characters: 13 digits and a 2-digit key."}
	nirLong = text{FR: "Le numéro de sécurité sociale comporte 15 caractères : 13 chiffres et une clé de 2 chiffres. Vous en avez saisi davantage.",
		EN: "The social security number has 15 characters: 13 digits and a 2-digit key. You typed more."}
	nirFormat = text{FR: "Ce numéro de sécurité sociale n'est pas valide : vérifiez les premiers chiffres.",
		EN: "This social security number is not valid: check the first digits."}
	nirKey = text{FR: "Ce numéro de sécurité sociale n'est pas valide : vérifiez les chiffres et la clé (les 2 derniers chiffres).",
		EN: "This social security number is not valid: check the digits and the key (the last 2 digits)."}
	nirRefused = text{FR: "Le numéro de sécurité sociale n'est pas valide ou ne correspond pas à votre date de naissance.",
		EN: "The social security number is not valid or does not match your date of birth."}

	birthMissing = text{FR: "Saisissez votre date de naissance.", EN: "Enter your date of birth."}
	birthFormat  = text{FR: "Saisissez votre date de naissance au format jj/mm/aaaa, par exemple 05/03/1984.",
		EN: "Enter your date of birth as dd/mm/yyyy, for example 05/03/1984."}
	birthInvalid = text{FR: "Cette date n'existe pas. Saisissez votre date de naissance au format jj/mm/aaaa.",
		EN: "This date does not exist. Enter your date of birth as dd/mm/yyyy."}
	birthRange = text{FR: "Vérifiez votre date de naissance : elle ne peut pas être dans le futur ni avant 1900.",
		EN: "Check your date of birth: it can be neither in the future nor before 1900."}
	birthMismatch = text{FR: "Cette date de naissance ne correspond pas à votre numéro de sécurité sociale (année et mois de naissance).",
		EN: "This date of birth does not match your social security number (year and month of birth)."}
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
func checkNIR(v string, final bool) text {
	v = strings.TrimSpace(v)
	if v == "" {
		if final {
			return nirMissing
		}
		return text{}
	}
	_, err := identity.ParseNIR(v)
	switch {
	case err == nil:
		return text{}
	case errors.Is(err, identity.ErrNIRCharacters):
		return nirCharacters
	case errors.Is(err, identity.ErrNIRLength):
		if nirCount(v) > 15 {
			return nirLong
		}
		if final {
			return nirShort
		}
		return text{}
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
func checkBirth(v string, final bool) text {
	v = strings.TrimSpace(v)
	if v == "" {
		if final {
			return birthMissing
		}
		return text{}
	}
	_, err := parseBirth(v)
	switch {
	case err == nil:
		return text{}
	case errors.Is(err, identity.ErrBirthDateInvalid):
		return birthInvalid
	case errors.Is(err, identity.ErrBirthDateRange):
		return birthRange
	case final:
		return birthFormat
	}
	return text{}
}

// checkBirthMatchesNIR is the consistency check once both are valid.
func checkBirthMatchesNIR(nir, birth string) text {
	n, err := identity.ParseNIR(nir)
	if err != nil {
		return text{}
	}
	b, err := parseBirth(birth)
	if err != nil {
		return text{}
	}
	if !n.MatchesBirthDate(b) {
		return birthMismatch
	}
	return text{}
}

// The disclosure « Où trouver mon numéro de sécurité sociale ? ».
var nirHelpText = []text{
	{FR: "Où trouver mon numéro de sécurité sociale ?", EN: "Where do I find my social security number?"},
	{FR: "Votre numéro de sécurité sociale figure sur votre carte Vitale et sur votre attestation de droits (téléchargeable dans votre compte ameli ou disponible auprès de votre caisse).",
		EN: "Your social security number is on your Vitale card and on your certificate of entitlement (which you can download from your ameli account or get from your health insurance office)."},
	{FR: "Il comporte 15 chiffres : 13 chiffres suivis d'une clé de 2 chiffres. Vous pouvez le saisir avec ou sans espaces.",
		EN: "It has 15 digits: 13 digits followed by a 2-digit key. You can type it with or without spaces."},
}

// nirHelp is the disclosure « Où trouver mon numéro de sécurité sociale ? ».
func nirHelp(lang string) app.UI {
	t := nirHelpText
	return app.Details().ID("nir-help").Class("disclosure").Body(
		app.Summary().ID("nir-help-summary").Text(t[0].In(lang)),
		app.Div().Class("disclosure-body").Body(
			app.P().Text(t[1].In(lang)),
			app.P().Text(t[2].In(lang)),
		),
	)
}
