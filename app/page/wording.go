package page

import (
	"errors"
	"fmt"

	"sesame/app/client"
	"sesame/app/locale"
	"sesame/shared/api"
	"sesame/shared/message"
	"sesame/shared/portal"
)

// text is a sentence in both languages: French, the seeds' word for word,
// and English. Screens keep their sentences as texts (their messages too),
// and say them in their language at each render: the language toggle
// renders every screen again.
type text = message.Text

// textf formats both languages of t with args.
func textf(t text, args ...any) text {
	return text{FR: fmt.Sprintf(t.FR, args...), EN: fmt.Sprintf(t.EN, args...)}
}

// verbatim is a sentence that came as it is (a server's detail, already
// in the language the request asked for): the same in both languages.
func verbatim(s string) text { return text{FR: s, EN: s} }

// problemText is the sentence of an API problem code (shared/message).
func problemText(code string) text {
	return text{FR: message.Problem(code, locale.French), EN: message.Problem(code, locale.English)}
}

// said reports whether there is something to say.
func said(t text) bool { return t != text{} }

// asFrench marks el, a name said as it is in French (a portal, a brand),
// as French on an English page, so that a screen reader says it right.
func asFrench[T interface{ Lang(string, ...any) T }](el T, lang string) T {
	if locale.Of(lang) == locale.English {
		return el.Lang(locale.French)
	}
	return el
}

// apiIn is the API client, speaking lang: the problems' details and the
// mails come in it (Accept-Language).
func apiIn(lang string) *client.Client { return &client.Client{Lang: locale.Of(lang)} }

// wording is what a portal's recovery screens say, word for word from its
// seed. Portals without their own wording use the employeur one, the most
// neutral.
type wording struct {
	// Forgotten password (seed 000, step 1).
	ForgotTitle text
	ForgotIntro text
	Send        text
	Back        text
	// Request accepted.
	SentTitle  text
	SentText   text
	ResendPre  text // before the resend link
	ResendLink text
	ResendPost text
	Resent     text // status after a resend
	// New password (step 3).
	ResetTitle    text
	PasswordLabel text
	ConfirmLabel  text
	ResetButton   text
	// Done.
	DoneTitle  text
	DoneText   text
	SignInLink text
	// Link that cannot be used.
	Restart text
	// Optional, on the new-password screen (assure, seed 001 step 5): the
	// advice above the rules, the sentence introducing them, and the note
	// on the fields marked *.
	ResetAdvice  text
	RulesIntro   text
	RequiredNote text
	// DoneSignInOnly: the done screen leads to the sign-in page only (Back
	// then names that link, and there is no link home).
	DoneSignInOnly bool
}

var employeurWording = wording{
	ForgotTitle: text{FR: "Mot de passe oublié", EN: "Forgotten password"},
	ForgotIntro: text{FR: "Renseignez l'adresse mail associée à votre compte afin de réinitialiser votre mot de passe.",
		EN: "Enter the e-mail address of your account to reset your password."},
	Send: text{FR: "ENVOYER", EN: "SEND"},
	Back: text{FR: "RETOUR", EN: "BACK"},

	SentTitle: text{FR: "Consultez vos emails", EN: "Check your e-mails"},
	SentText: text{FR: "Si l'adresse indiquée est associée à un compte, vous allez recevoir un lien pour réinitialiser votre mot de passe. Cliquez dessus afin de pouvoir définir un nouveau mot de passe.",
		EN: "If the address you entered belongs to an account, you will receive a link to reset your password. Click it to set a new password."},
	ResendPre:  text{FR: "Vous n'avez pas reçu d'email ? Vérifiez vos spams ou ", EN: "No e-mail? Check your spam folder or "},
	ResendLink: text{FR: "envoyer à nouveau un lien de réinitialisation", EN: "send a new reset link"},
	ResendPost: text{FR: ".", EN: "."},
	Resent:     text{FR: "Votre demande a été envoyée à nouveau.", EN: "Your request has been sent again."},

	ResetTitle:    text{FR: "Créer un nouveau mot de passe", EN: "Create a new password"},
	PasswordLabel: text{FR: "Mot de passe", EN: "Password"},
	ConfirmLabel:  text{FR: "Vérification mot de passe", EN: "Password check"},
	ResetButton:   text{FR: "RÉINITIALISER LE MOT DE PASSE", EN: "RESET THE PASSWORD"},

	DoneTitle:  text{FR: "Réinitialisation du mot de passe", EN: "Password reset"},
	DoneText:   text{FR: "Votre mot de passe a bien été modifié.", EN: "Your password has been changed."},
	SignInLink: text{FR: "CONNEXION", EN: "SIGN IN"},

	Restart: text{FR: "Recommencer", EN: "Start again"},
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
var (
	offlineText = text{FR: "Vous semblez hors connexion. Vérifiez votre connexion internet, puis réessayez.",
		EN: "You seem to be offline. Check your internet connection, then try again."}
	checkingLinkText = text{FR: "Vérification du lien en cours…", EN: "Checking the link…"}
	retryText        = text{FR: "Réessayer", EN: "Try again"}
	fieldRequired    = text{FR: "Ce champ est obligatoire.", EN: "This field is required."}
	emailMissing     = text{FR: "Saisissez votre adresse mail.", EN: "Enter your e-mail address."}
	emailInvalid     = text{FR: "Saisissez une adresse mail valide, par exemple nom@domaine.fr.",
		EN: "Enter a valid e-mail address, for example name@domain.com."}
	passwordMissing = text{FR: "Saisissez votre mot de passe.", EN: "Enter your password."}
	confirmMissing  = text{FR: "Saisissez à nouveau votre mot de passe.", EN: "Enter your password again."}
	confirmMismatch = text{FR: "Les deux mots de passe ne sont pas identiques.", EN: "The two passwords are not the same."}
	loadingAccount  = text{FR: "Chargement de vos informations…", EN: "Loading your details…"}
	// labelSep ends a label before its value (French puts a space before
	// the colon).
	labelSep = text{FR: " : ", EN: ": "}
)

// failureOf turns a client error into its code and sentence. A problem
// whose detail is the code's usual sentence gets both languages; another
// detail (« bloqué jusqu'au … ») is kept as the server said it.
func failureOf(err error) (code string, detail text, p *api.Problem) {
	if p = client.ProblemOf(err); p != nil {
		t := problemText(p.Code)
		if p.Detail != "" && p.Detail != t.FR && p.Detail != t.EN {
			t = verbatim(p.Detail)
		}
		return p.Code, t, p
	}
	if errors.Is(err, client.ErrOffline) {
		return "offline", offlineText, nil
	}
	return api.CodeInternal, problemText(api.CodeInternal), nil
}
