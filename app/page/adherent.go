package page

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/identity"
	"sesame/shared/portal"
)

// The adherent portal (the mutual's « Espace Adhérent ») speaks the words
// of seed 004. Its screens: AdherentSignIn (/adherent/connexion, with the
// « Anti-Robot » challenge) and AdherentForgot (/adherent/mot-de-passe-oublie,
// the whole code flow on one page, which also serves « première
// connexion »); signed in, the generic Account and Password.

// Seed 004, word for word.
var (
	// adherentMutual is the mutual's name, said as it is.
	adherentMutual      = "Mutuelle des agents publics"
	adherentSignInTitle = text{FR: "Espace Adhérent - Connexion", EN: "Member area - Sign in"}
	adherentSignInLead  = text{FR: "Utilisez nos conseils pour un comportement adapté et sécurisé lors de vos opérations sur internet.",
		EN: "Follow our advice to stay safe in what you do online."}
	adherentIDLabel    = text{FR: "Identifiant (Nº adhérent)", EN: "Username (member No.)"} // Nº: U+00BA, as the seed prints it
	adherentPassLabel  = text{FR: "Merci de saisir votre code d'accès", EN: "Please enter your access code"}
	adherentAntiRobot  = text{FR: "Anti-Robot", EN: "Anti-robot"}
	adherentSignInBtn  = text{FR: "Connexion", EN: "Sign in"}
	adherentForgotLink = text{FR: "Mot de passe oublié, ou première connexion", EN: "Forgotten password, or first sign-in"}

	adherentForgotTitle = text{FR: "Mot de passe oublié", EN: "Forgotten password"}
	adherentForgotLead  = text{FR: "Vous connaissez votre identifiant, mais vous avez perdu votre mot de passe ou c'est votre première connexion",
		EN: "You know your username, but you have lost your password or this is your first sign-in"}
	adherentForgotIntro = text{FR: "Vous pouvez le réinitialiser tout de suite si vous nous avez communiqué un numéro de téléphone ou une adresse e-mail. Sinon, vous pouvez choisir de recevoir un nouveau mot de passe par courrier sous huit jours.",
		EN: "You can reset it right away if you gave us a phone number or an e-mail address. Otherwise, you can choose to receive a new password by post within eight days."}
	adherentNumberTitle = text{FR: "Merci d'indiquer votre numéro d'adhérent", EN: "Please give your member number"}
	adherentNumberLabel = text{FR: "N° Adhérent", EN: "Member No."} // N°: U+00B0, as the seed prints it
	adherentValidate    = text{FR: "Valider", EN: "Confirm"}
	adherentEmail       = text{FR: "Email : ", EN: "Email: "}
	adherentSendCode    = text{FR: "Recevoir mon code par Mail", EN: "Get my code by e-mail"}
	adherentKeepOpen    = text{FR: "Après avoir cliqué sur « Recevoir mon code par Mail », veillez toutefois à laisser cette page internet ouverte.",
		EN: "After clicking “Get my code by e-mail”, please keep this web page open."}
	adherentSpam = text{FR: "Si vous ne recevez pas cet e-mail, veuillez vérifier votre dossier de courrier indésirable ou spam.",
		EN: "If you do not receive this e-mail, please check your junk or spam folder."}
	adherentChannel   = text{FR: "Vous pouvez choisir de recevoir votre code d'activation par MAIL.", EN: "You can choose to receive your activation code by E-MAIL."}
	adherentCodeTitle = text{FR: "Merci de saisir votre code d'activation", EN: "Please enter your activation code"}
	adherentCodeLabel = text{FR: "Code d'activation", EN: "Activation code"}
	adherentSamePage  = text{FR: "Veuillez noter que pour finaliser votre demande, il est nécessaire d'enregistrer le code d'activation reçu, sur la même page internet où vous avez soumis votre demande.",
		EN: "Please note that to complete your request, you must enter the activation code you received on the same web page where you made your request."}
	adherentNewTitle  = text{FR: "Merci de saisir votre nouveau mot de passe", EN: "Please enter your new password"}
	adherentNewIntro  = text{FR: "Saisissez votre nouveau mot de passe*, confirmez le puis VALIDER.", EN: "Enter your new password*, confirm it, then CONFIRM."}
	adherentNewAdvice = text{FR: "*Pour garantir une sécurité optimale, assurez-vous d'avoir un mot de passe robuste incluant des chiffres, des caractères spéciaux et des majuscules (évitez les caractères suivants : apostrophe ('), pourcentage (%), antislash (\\), et underscore (_).",
		EN: "*For the best security, make sure your password is strong, with digits, special characters and capital letters (avoid these characters: apostrophe ('), percent (%), backslash (\\) and underscore (_))."}
	adherentNewSubmit = text{FR: "VALIDER", EN: "CONFIRM"}
	adherentDoneTitle = text{FR: "Félicitations !", EN: "Congratulations!"}
	adherentDoneText  = text{FR: "Vous pouvez désormais vous connecter à votre espace adhérent directement en indiquant votre numéro d'adhérent et votre nouveau mot de passe.",
		EN: "You can now sign in to your member area with your member number and your new password."}
	adherentDoneBye = text{FR: "Merci et à bientôt !", EN: "Thank you, and see you soon!"}
)

// Sentences seed 004 does not give.
var (
	adherentNumberHint    = text{FR: "6 à 10 chiffres", EN: "6 to 10 digits"}
	adherentNumberMissing = text{FR: "Saisissez votre numéro d'adhérent.", EN: "Enter your member number."}
	adherentNumberInvalid = text{FR: "Le numéro d'adhérent comporte de 6 à 10 chiffres, sans lettre.", EN: "The member number has 6 to 10 digits, and no letter."}
	adherentPassMissing   = text{FR: "Saisissez votre code d'accès.", EN: "Enter your access code."}
	adherentChangeNumber  = text{FR: "Modifier le numéro d'adhérent", EN: "Change the member number"}
	adherentBackToSignIn  = text{FR: "Retour à la connexion", EN: "Back to sign-in"}
	adherentPostal        = text{FR: "Vous n'avez plus accès à cette adresse e-mail, ou vous ne nous en avez jamais communiqué ? Pour recevoir un nouveau mot de passe par courrier sous huit jours, contactez votre mutuelle.",
		EN: "You no longer have access to this e-mail address, or never gave us one? To receive a new password by post within eight days, contact your mutual."}
	adherentCodeHint   = text{FR: "Code à %d chiffres reçu par mail", EN: "%d-digit code received by e-mail"}
	adherentCodeSent   = text{FR: "Un code d'activation vous a été envoyé par mail. Il est valable %d minutes.", EN: "An activation code has been e-mailed to you. It is valid for %d minutes."}
	adherentCodeResent = text{FR: "Un nouveau code d'activation vous a été envoyé par mail. Seul ce dernier code est valable.",
		EN: "A new activation code has been e-mailed to you. Only this latest code is valid."}
	adherentResendPre   = text{FR: "Vous n'avez pas reçu le code ? ", EN: "No code? "}
	adherentResend      = text{FR: "Recevoir un nouveau code par Mail", EN: "Get a new code by e-mail"}
	adherentRestart     = text{FR: "Recommencer ma demande", EN: "Start my request again"}
	adherentForeignHelp = text{FR: "Une demande plus récente a peut-être été faite depuis un autre onglet ou une autre fenêtre : seule la page de la dernière demande peut recevoir le code. Recommencez votre demande sur cette page.",
		EN: "A newer request may have been made from another tab or window: only the page of the latest request can take the code. Start your request again on this page."}
	adherentNewLabel     = text{FR: "Nouveau mot de passe*", EN: "New password*"}
	adherentConfirmLabel = text{FR: "Confirmation du nouveau mot de passe*", EN: "New password confirmation*"}
	adherentSignInLink   = text{FR: "Me connecter", EN: "Sign in"}
	adherentReminderText = text{FR: "Une réinitialisation régulière est recommandée par mesure de précaution, avec un changement souhaité tous les %d mois.",
		EN: "As a precaution, a regular reset is recommended, ideally every %d months."}
)

// adherentReminder is the seed's reminder of a periodic change (never
// enforced).
func adherentReminder(months int) text { return textf(adherentReminderText, months) }

// checkMemberNumber checks a member number as typed and returns it as bare
// digits, or the sentence that says what is wrong.
func checkMemberNumber(v string) (number string, problem text) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", adherentNumberMissing
	}
	n, err := identity.ParseMemberNumber(v)
	if err != nil {
		return "", adherentNumberInvalid
	}
	return n, text{}
}

// memberField is the member-number input of both adherent screens, in
// lang.
func memberField(lang string, label, errText text, value string, onInput func(app.Context, string)) *widget.Field {
	s := specs[portal.FieldMemberNumber] // id member-number, autocomplete username, numeric keypad
	s.Label, s.Hint = label, adherentNumberHint
	f := s.field(lang, errText, onInput)
	f.Value = value
	return f
}

// navigatorOnline is navigator.onLine in the browser, true elsewhere. It
// lies when true (a network may be there but unusable), never when false.
func navigatorOnline() bool {
	if !app.IsClient {
		return true
	}
	return app.Window().Get("navigator").Get("onLine").Bool()
}

// clearInput empties an uncontrolled input in the browser.
func clearInput(id string) {
	if !app.IsClient {
		return
	}
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("value", "")
	}
}
