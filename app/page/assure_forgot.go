package page

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/portal"
)

// Seed 001, steps 2, 3 and 3bis, word for word.
const (
	assureForgotInfo  = "Vous allez recevoir un mail à l'adresse que vous avez indiquée dans votre compte ameli. Il vous permettra de renouveler votre mot de passe en quelques clics."
	assureNIRField    = "Numéro de sécurité sociale *"
	assureBirthField  = "Date de naissance (jj/mm/aaaa) *"
	assureEmailField  = "Adresse mail associée à votre compte ameli *"
	assureSentPre     = "Le mail a bien été envoyé à "
	assureSentNext    = "Vous pouvez dès à présent vous connecter sur votre adresse mail pour continuer la procédure."
	assureNoAccessQ   = "Vous n'avez plus accès à votre adresse mail ?"
	assureNoAccessA   = "Merci de contacter votre caisse au 3646."
	assureNoEmail     = "L'envoi d'un mail pour renouveler votre mot de passe n'est pas possible."
	assureNoEmailCall = "Merci de contacter votre caisse au 36 46."
	assureBlockedText = "Le nombre maximum de demandes de renouvellement de mot de passe a été atteint."
)

// AssureForgot is /assure/mot-de-passe-oublie: NIR, birth date, the
// account's address and the captcha, then one of the seed's answers: the
// mail is sent (to the masked address), the account has no validated
// address (3bis cas 1), or too many requests (3bis cas 2, « bloqué
// jusqu'au … (heure de Paris) »).
type AssureForgot struct {
	app.Compo

	Portal portal.Config

	state    string
	nir      string
	birth    string
	email    string
	nirErr   string
	birthErr string
	emailErr string
	errCode  string
	errText  string
	masked   string
	blocked  string // the server's « bloqué jusqu'au … » sentence
	busy     bool
	carry    *carry
	passkey  *passkeySignIn

	captcha       *widget.Captcha
	captchaID     string
	captchaAnswer string
}

// AssureForgot's states, in data-state.
const (
	assureForm    = "form"
	assureSent    = "sent"
	assureNoMail  = "no-email"
	assureBlocked = "blocked"
)

// OnInit runs on both sides, before the first render.
func (f *AssureForgot) OnInit() {
	f.carry = takeCarry()
	f.passkey = &passkeySignIn{Portal: f.Portal.ID, Lead: passkeyForgotLead}
	f.state = assureForm
	f.captcha = &widget.Captcha{Client: apiClient, Asterisk: true, OnChange: func(id, answer string) {
		f.captchaID, f.captchaAnswer = id, answer
	}}
}

// OnPreRender runs on the server only.
func (f *AssureForgot) OnPreRender(ctx app.Context) { f.setTitle(ctx) }

// OnMount runs in the browser only.
func (f *AssureForgot) OnMount(ctx app.Context) { mounted(ctx, f.carry); f.carry = nil }

// OnNav runs in the browser only.
func (f *AssureForgot) OnNav(ctx app.Context) { f.setTitle(ctx) }

func (f *AssureForgot) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(assureWording.ForgotTitle, f.Portal.Name))
}

// Render runs on both sides.
func (f *AssureForgot) Render() app.UI {
	var body app.UI
	switch f.state {
	case assureSent:
		body = f.sentScreen()
	case assureNoMail:
		body = f.endScreen("no-email", app.P().Text(assureNoEmail), app.P().Text(assureNoEmailCall))
	case assureBlocked:
		body = f.endScreen("blocked", app.P().Text(assureBlockedText), app.P().ID("blocked-until").Text(f.blocked))
	default:
		body = f.form()
	}
	return layout(
		app.Section().ID("forgot").Class("screen assure").DataSet("state", f.state).DataSet("portal", f.Portal.ID).Body(body),
	)
}

func (f *AssureForgot) form() app.UI {
	w := assureWording
	return app.Div().Class("card").Body(
		title(w.ForgotTitle),
		f.passkey,
		app.P().Class("lead").Text(w.ForgotIntro),
		app.P().ID("forgot-info").Text(assureForgotInfo),
		app.Form().ID("forgot-form").Method("post").NoValidate(true).
			Aria("labelledby", titleID).
			OnSubmit(f.submit).
			Body(
				&widget.Alert{ID: "form-error", Text: f.errText, Code: f.errCode},
				app.P().ID("required-note").Class("required-note").Text(requiredNote),
				&widget.Field{
					ID: "nir", Label: assureNIRField, Autocomplete: "off", InputMode: "numeric",
					Error: f.nirErr, Required: true, Live: true,
					OnInput: func(_ app.Context, v string) { f.nir, f.nirErr = v, checkNIR(v, false); f.crossCheck() },
					OnBlur:  func(_ app.Context, v string) { f.nir, f.nirErr = v, checkNIR(v, true) },
				},
				&widget.Field{
					ID: "birthdate", Label: assureBirthField, Autocomplete: "bday", InputMode: "numeric",
					Error: f.birthErr, Required: true, Live: true,
					OnInput: func(_ app.Context, v string) {
						f.birth, f.birthErr = v, checkBirth(v, false)
						f.crossCheck()
					},
					OnBlur: func(_ app.Context, v string) {
						f.birth, f.birthErr = v, checkBirth(v, true)
						f.crossCheck()
					},
				},
				&widget.Field{
					ID: "email", Label: assureEmailField, Type: "email", Autocomplete: "email", InputMode: "email",
					Error: f.emailErr, Required: true,
					OnInput: func(_ app.Context, v string) { f.email, f.emailErr = v, "" },
				},
				f.captcha,
				app.Div().Class("actions").Body(
					app.A().ID("back").Class("btn").Href(PortalPath(f.Portal.ID, "connexion")).Text(w.Back),
					&widget.Button{ID: "submit", Text: w.Send, Primary: true, Submit: true, Busy: f.busy},
				),
			),
	)
}

// crossCheck compares the NIR with the birth date once both are valid: the
// NIR holds the year and month of birth.
func (f *AssureForgot) crossCheck() {
	if f.birthErr == birthMismatch {
		f.birthErr = ""
	}
	if f.nirErr == "" && f.birthErr == "" {
		f.birthErr = checkBirthMatchesNIR(f.nir, f.birth)
	}
}

func (f *AssureForgot) sentScreen() app.UI {
	w := assureWording
	return app.Div().Class("card").Body(
		title(w.SentTitle),
		app.Div().ID("sent-status").Class("alert alert-success").Role("status").Body(
			app.P().ID("sent-text").Body(
				app.Text(assureSentPre),
				app.Strong().ID("masked-email").Text(f.masked),
			),
		),
		app.P().Text(assureSentNext),
		app.P().ID("no-access").Body(
			app.Strong().Text(assureNoAccessQ),
			app.Br(),
			app.Text(assureNoAccessA),
		),
		mailHelp(),
		app.Div().Class("actions").Body(
			app.A().ID("back").Class("btn btn-primary").Href(PortalPath(f.Portal.ID, "connexion")).Text(w.Back),
		),
	)
}

// endScreen is a 3bis answer: the seed's sentences and the way back.
func (f *AssureForgot) endScreen(id string, text ...app.UI) app.UI {
	return app.Div().Class("card").Body(
		title(assureWording.ForgotTitle),
		app.Div().ID(id).Class("alert alert-error").Role("alert").Body(text...),
		app.Div().Class("actions").Body(
			app.A().ID("back").Class("btn btn-primary").Href(PortalPath(f.Portal.ID, "connexion")).Text(assureWording.Back),
		),
	)
}

// mailHelp is seed 001's « si l'assuré n'a pas reçu le mail » checks.
func mailHelp() app.UI {
	li := func(strong, text string) app.UI {
		if strong == "" {
			return app.Li().Text(text)
		}
		return app.Li().Body(app.Strong().Text(strong), app.Text(text))
	}
	return app.Details().ID("mail-help").Class("disclosure").Body(
		app.Summary().ID("mail-help-summary").Text("Vous n'avez pas reçu le mail ?"),
		app.Div().Class("disclosure-body").Body(
			app.P().Text("Vérifiez :"),
			app.Ul().Body(
				li("", "que l'adresse mail renseignée dans votre compte ameli est exacte ;"),
				li("", "que le mail n'est pas dans vos courriels indésirables (spams) ;"),
				li("", "si le mail arrive sur une autre adresse, créée chez le même fournisseur ou chez un autre ;"),
				li("", "avec Outlook : que vous pouvez consulter votre messagerie sans passer par le logiciel de votre fournisseur d'accès (renseignez-vous auprès de lui)."),
			),
			app.P().Text("Le mail peut aussi avoir été :"),
			app.Ul().Body(
				li("", "supprimé automatiquement par les paramètres de votre messagerie (chez Orange, par exemple, une liste rouge supprime parfois les mails contenant le mot « confirmation ») ;"),
				li("", "bloqué, ou son lien bloqué, par un antivirus, votre logiciel de messagerie ou le fournisseur de votre adresse mail."),
			),
			app.P().Text("Pour le retrouver :"),
			app.Ul().Body(
				li("", "n'utilisez pas le lien d'un ancien mail de mot de passe oublié : seul le mail le plus récent fonctionne ;"),
				li("", "cherchez dans votre boîte de réception et vos anciennes conversations les mots « Votre compte ameli – renouveler mon mot de passe » et l'expéditeur « Votre Assurance Maladie »."),
			),
		),
	)
}

// validate checks every field, shows their errors and returns the id of the
// first one to fix, or "".
func (f *AssureForgot) validate() string {
	f.nirErr = checkNIR(f.nir, true)
	f.birthErr = checkBirth(f.birth, true)
	f.crossCheck()
	f.emailErr = checkEmail(strings.TrimSpace(f.email))
	switch {
	case f.nirErr != "":
		return "nir"
	case f.birthErr != "":
		return "birthdate"
	case f.emailErr != "":
		return "email"
	case f.captcha.Missing():
		return f.captcha.AnswerID()
	}
	return ""
}

func (f *AssureForgot) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy {
		return
	}
	f.errCode, f.errText = "", ""
	if id := f.validate(); id != "" {
		if id == f.captcha.AnswerID() {
			f.captcha.SetError(ctx, widget.CaptchaMissing)
		}
		focus(ctx, id)
		return
	}
	nir, _ := identity.ParseNIR(f.nir)
	birth, _ := parseBirth(f.birth)
	req := api.RecoveryRequest{
		NIR: nir.String(), Birthdate: birth.Format("2006-01-02"), Email: strings.TrimSpace(f.email),
		CaptchaID: f.captchaID, CaptchaAnswer: strings.TrimSpace(f.captchaAnswer),
	}
	f.busy = true
	id := f.Portal.ID
	ctx.Async(func() {
		res, err := apiClient.StartRecovery(id, req)
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			if err != nil {
				f.fail(ctx, err)
				return
			}
			f.masked = res.MaskedEmail
			if f.masked == "" {
				f.masked = identity.MaskEmail(req.Email)
			}
			f.show(ctx, assureSent)
		})
	})
}

// show moves to another state of the screen and reads it out.
func (f *AssureForgot) show(ctx app.Context, state string) {
	f.state = state
	focus(ctx, titleID)
}

// fail shows the seed's answer to a refusal. The captcha was spent (or
// never checked): a new one is drawn for the next try.
func (f *AssureForgot) fail(ctx app.Context, err error) {
	code, detail, p := failureOf(err)
	switch {
	case code == api.CodeNoValidatedEmail:
		f.show(ctx, assureNoMail)
		return
	case p != nil && p.Status == 429:
		f.blocked = strings.TrimSpace(strings.TrimPrefix(detail, assureBlockedText))
		f.show(ctx, assureBlocked)
		return
	}
	if !f.captcha.Off() {
		f.captcha.Refresh(ctx)
	}
	switch code {
	case api.CodeCaptchaInvalid, api.CodeCaptchaRequired:
		f.captcha.SetError(ctx, detail)
		focus(ctx, f.captcha.AnswerID())
	case api.CodeInvalidFields:
		first := ""
		for _, name := range p.Fields {
			switch name {
			case portal.FieldNIR:
				f.nirErr = nirRefused
			case portal.FieldBirthdate:
				f.birthErr = birthFormat
			case portal.FieldEmail:
				f.emailErr = emailInvalid
			default:
				continue
			}
			if first == "" {
				first = specs[name].ID
			}
		}
		if first == "" {
			f.errCode, f.errText = code, detail
			return
		}
		focus(ctx, first)
	default:
		f.errCode, f.errText = code, detail
	}
}
