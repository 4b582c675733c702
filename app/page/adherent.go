package page

import (
	"strconv"
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
const (
	adherentMutual      = "Mutuelle des agents publics"
	adherentSignInTitle = "Espace Adhérent - Connexion"
	adherentSignInLead  = "Utilisez nos conseils pour un comportement adapté et sécurisé lors de vos opérations sur internet."
	adherentIDLabel     = "Identifiant (Nº adhérent)" // Nº: U+00BA, as the seed prints it
	adherentPassLabel   = "Merci de saisir votre code d'accès"
	adherentAntiRobot   = "Anti-Robot"
	adherentSignInBtn   = "Connexion"
	adherentForgotLink  = "Mot de passe oublié, ou première connexion"

	adherentForgotTitle = "Mot de passe oublié"
	adherentForgotLead  = "Vous connaissez votre identifiant, mais vous avez perdu votre mot de passe ou c'est votre première connexion"
	adherentForgotIntro = "Vous pouvez le réinitialiser tout de suite si vous nous avez communiqué un numéro de téléphone ou une adresse e-mail. Sinon, vous pouvez choisir de recevoir un nouveau mot de passe par courrier sous huit jours."
	adherentNumberTitle = "Merci d'indiquer votre numéro d'adhérent"
	adherentNumberLabel = "N° Adhérent" // N°: U+00B0, as the seed prints it
	adherentValidate    = "Valider"
	adherentEmail       = "Email : "
	adherentSendCode    = "Recevoir mon code par Mail"
	adherentKeepOpen    = "Après avoir cliqué sur « Recevoir mon code par Mail », veillez toutefois à laisser cette page internet ouverte."
	adherentSpam        = "Si vous ne recevez pas cet e-mail, veuillez vérifier votre dossier de courrier indésirable ou spam."
	adherentChannel     = "Vous pouvez choisir de recevoir votre code d'activation par MAIL."
	adherentCodeTitle   = "Merci de saisir votre code d'activation"
	adherentCodeLabel   = "Code d'activation"
	adherentSamePage    = "Veuillez noter que pour finaliser votre demande, il est nécessaire d'enregistrer le code d'activation reçu, sur la même page internet où vous avez soumis votre demande."
	adherentNewTitle    = "Merci de saisir votre nouveau mot de passe"
	adherentNewIntro    = "Saisissez votre nouveau mot de passe*, confirmez le puis VALIDER."
	adherentNewAdvice   = "*Pour garantir une sécurité optimale, assurez-vous d'avoir un mot de passe robuste incluant des chiffres, des caractères spéciaux et des majuscules (évitez les caractères suivants : apostrophe ('), pourcentage (%), antislash (\\), et underscore (_)."
	adherentNewSubmit   = "VALIDER"
	adherentDoneTitle   = "Félicitations !"
	adherentDoneText    = "Vous pouvez désormais vous connecter à votre espace adhérent directement en indiquant votre numéro d'adhérent et votre nouveau mot de passe."
	adherentDoneBye     = "Merci et à bientôt !"
)

// Sentences seed 004 does not give.
const (
	adherentNumberHint    = "6 à 10 chiffres"
	adherentNumberMissing = "Saisissez votre numéro d'adhérent."
	adherentNumberInvalid = "Le numéro d'adhérent comporte de 6 à 10 chiffres, sans lettre."
	adherentPassMissing   = "Saisissez votre code d'accès."
	adherentChangeNumber  = "Modifier le numéro d'adhérent"
	adherentBackToSignIn  = "Retour à la connexion"
	adherentPostal        = "Vous n'avez plus accès à cette adresse e-mail, ou vous ne nous en avez jamais communiqué ? Pour recevoir un nouveau mot de passe par courrier sous huit jours, contactez votre mutuelle."
	adherentCodeHint      = "Code à %d chiffres reçu par mail"
	adherentCodeSent      = "Un code d'activation vous a été envoyé par mail. Il est valable %d minutes."
	adherentCodeResent    = "Un nouveau code d'activation vous a été envoyé par mail. Seul ce dernier code est valable."
	adherentResendPre     = "Vous n'avez pas reçu le code ? "
	adherentResend        = "Recevoir un nouveau code par Mail"
	adherentRestart       = "Recommencer ma demande"
	adherentForeignHelp   = "Une demande plus récente a peut-être été faite depuis un autre onglet ou une autre fenêtre : seule la page de la dernière demande peut recevoir le code. Recommencez votre demande sur cette page."
	adherentNewLabel      = "Nouveau mot de passe*"
	adherentConfirmLabel  = "Confirmation du nouveau mot de passe*"
	adherentSignInLink    = "Me connecter"
)

// adherentReminder is the seed's reminder of a periodic change (never
// enforced).
func adherentReminder(months int) string {
	return "Une réinitialisation régulière est recommandée par mesure de précaution, avec un changement souhaité tous les " +
		strconv.Itoa(months) + " mois."
}

// checkMemberNumber checks a member number as typed and returns it as bare
// digits, or the sentence that says what is wrong.
func checkMemberNumber(v string) (number, problem string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", adherentNumberMissing
	}
	n, err := identity.ParseMemberNumber(v)
	if err != nil {
		return "", adherentNumberInvalid
	}
	return n, ""
}

// memberField is the member-number input of both adherent screens.
func memberField(label, errText string, value string, onInput func(app.Context, string)) *widget.Field {
	s := specs[portal.FieldMemberNumber] // id member-number, autocomplete username, numeric keypad
	f := s.field(errText, onInput)
	f.Label, f.Hint, f.Value = label, adherentNumberHint, value
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
