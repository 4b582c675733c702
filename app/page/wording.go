package page

import (
	"errors"

	"sesame/app/client"
	"sesame/shared/api"
	"sesame/shared/message"
	"sesame/shared/portal"
)

// apiClient is the one API client every screen uses.
var apiClient = &client.Client{Lang: lang}

// lang is the UI language. French only for now; English is the second
// language (shared/message and the policy labels already speak it).
const lang = "fr"

// wording is what a portal's recovery screens say, word for word from its
// seed. Portals without their own wording use the employeur one, the most
// neutral.
type wording struct {
	// Forgotten password (seed 000, step 1).
	ForgotTitle string
	ForgotIntro string
	Send        string
	Back        string
	// Request accepted.
	SentTitle  string
	SentText   string
	ResendPre  string // before the resend link
	ResendLink string
	ResendPost string
	Resent     string // status after a resend
	// New password (step 3).
	ResetTitle    string
	PasswordLabel string
	ConfirmLabel  string
	ResetButton   string
	// Done.
	DoneTitle  string
	DoneText   string
	SignInLink string
	// Link that cannot be used.
	Restart string
	// Optional, on the new-password screen (assure, seed 001 step 5): the
	// advice above the rules, the sentence introducing them, and the note
	// on the fields marked *.
	ResetAdvice  string
	RulesIntro   string
	RequiredNote string
	// DoneSignInOnly: the done screen leads to the sign-in page only (Back
	// then names that link, and there is no link home).
	DoneSignInOnly bool
}

var employeurWording = wording{
	ForgotTitle: "Mot de passe oublié",
	ForgotIntro: "Renseignez l'adresse mail associée à votre compte afin de réinitialiser votre mot de passe.",
	Send:        "ENVOYER",
	Back:        "RETOUR",

	SentTitle:  "Consultez vos emails",
	SentText:   "Si l'adresse indiquée est associée à un compte, vous allez recevoir un lien pour réinitialiser votre mot de passe. Cliquez dessus afin de pouvoir définir un nouveau mot de passe.",
	ResendPre:  "Vous n'avez pas reçu d'email ? Vérifiez vos spams ou ",
	ResendLink: "envoyer à nouveau un lien de réinitialisation",
	ResendPost: ".",
	Resent:     "Votre demande a été envoyée à nouveau.",

	ResetTitle:    "Créer un nouveau mot de passe",
	PasswordLabel: "Mot de passe",
	ConfirmLabel:  "Vérification mot de passe",
	ResetButton:   "RÉINITIALISER LE MOT DE PASSE",

	DoneTitle:  "Réinitialisation du mot de passe",
	DoneText:   "Votre mot de passe a bien été modifié.",
	SignInLink: "CONNEXION",

	Restart: "Recommencer",
}

var wordings = map[string]wording{
	"employeur": employeurWording,
	"assure":    assureWording,
}

func wordingFor(p portal.Config) wording {
	if w, ok := wordings[p.ID]; ok {
		return w
	}
	return employeurWording
}

// Sentences the seeds do not give.
const (
	offlineText      = "Vous semblez hors connexion. Vérifiez votre connexion internet, puis réessayez."
	checkingLinkText = "Vérification du lien en cours…"
	retryText        = "Réessayer"
	emailMissing     = "Saisissez votre adresse mail."
	emailInvalid     = "Saisissez une adresse mail valide, par exemple nom@domaine.fr."
	passwordMissing  = "Saisissez votre mot de passe."
	confirmMissing   = "Saisissez à nouveau votre mot de passe."
	confirmMismatch  = "Les deux mots de passe ne sont pas identiques."
	loadingAccount   = "Chargement de vos informations…"
)

// failureOf turns a client error into its code and sentence.
func failureOf(err error) (code, detail string, p *api.Problem) {
	if p = client.ProblemOf(err); p != nil {
		return p.Code, p.Detail, p
	}
	if errors.Is(err, client.ErrOffline) {
		return "offline", offlineText, nil
	}
	return api.CodeInternal, message.Problem(api.CodeInternal, lang), nil
}
