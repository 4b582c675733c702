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
var (
	assureForgotInfo = text{FR: "Vous allez recevoir un mail à l'adresse que vous avez indiquée dans votre compte ameli. Il vous permettra de renouveler votre mot de passe en quelques clics.",
		EN: "You will receive an e-mail at the address given in your ameli account. It will let you renew your password in a few clicks."}
	assureNIRField   = text{FR: "Numéro de sécurité sociale *", EN: "Social security number *"}
	assureBirthField = text{FR: "Date de naissance (jj/mm/aaaa) *", EN: "Date of birth (dd/mm/yyyy) *"}
	assureEmailField = text{FR: "Adresse mail associée à votre compte ameli *", EN: "E-mail address of your ameli account *"}
	assureSentPre    = text{FR: "Le mail a bien été envoyé à ", EN: "The e-mail has been sent to "}
	assureSentNext   = text{FR: "Vous pouvez dès à présent vous connecter sur votre adresse mail pour continuer la procédure.",
		EN: "You can now open your mailbox to go on."}
	assureNoAccessQ   = text{FR: "Vous n'avez plus accès à votre adresse mail ?", EN: "You no longer have access to your e-mail address?"}
	assureNoAccessA   = text{FR: "Merci de contacter votre caisse au 3646.", EN: "Please call your health insurance office on 3646."}
	assureNoEmail     = text{FR: "L'envoi d'un mail pour renouveler votre mot de passe n'est pas possible.", EN: "We cannot send you an e-mail to renew your password."}
	assureNoEmailCall = text{FR: "Merci de contacter votre caisse au 36 46.", EN: "Please call your health insurance office on 36 46."}
	// assureBlockedText opens the server's « bloqué jusqu'au … » detail
	// (message.RecoveryBlocked), in both languages.
	assureBlockedText = text{FR: "Le nombre maximum de demandes de renouvellement de mot de passe a été atteint.",
		EN: "The maximum number of password renewal requests has been reached."}
)

// AssureForgot is /assure/mot-de-passe-oublie: NIR, birth date, the
// account's address and the captcha, then one of the seed's answers: the
// mail is sent (to the masked address), the account has no validated
// address (3bis cas 1), or too many requests (3bis cas 2, « bloqué
// jusqu'au … (heure de Paris) »).
type AssureForgot struct {
	app.Compo

	Portal portal.Config

	lang     string
	state    string
	nir      string
	birth    string
	email    string
	nirErr   text
	birthErr text
	emailErr text
	errCode  string
	errText  text
	masked   string
	blocked  string // the server's « bloqué jusqu'au … » sentence, as it said it
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
	f.lang = startLang(f.lang)
	f.carry = takeCarry()
	f.passkey = &passkeySignIn{Portal: f.Portal.ID, Lead: passkeyForgotLead, lang: f.lang}
	f.state = assureForm
	f.captcha = &widget.Captcha{Asterisk: true, Lang: f.lang, OnChange: func(id, answer string) {
		f.captchaID, f.captchaAnswer = id, answer
	}}
}

// OnPreRender runs on the server only.
func (f *AssureForgot) OnPreRender(ctx app.Context) { f.setTitle(ctx) }

// OnMount runs in the browser only.
func (f *AssureForgot) OnMount(ctx app.Context) { mounted(ctx, &f.lang, f.setTitle, &f.carry) }

// OnNav runs in the browser only.
func (f *AssureForgot) OnNav(ctx app.Context) { f.setTitle(ctx) }

func (f *AssureForgot) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(assureWording.ForgotTitle, f.Portal.Name, f.lang))
}

// Render runs on both sides.
func (f *AssureForgot) Render() app.UI {
	var body app.UI
	l := f.lang
	switch f.state {
	case assureSent:
		body = f.sentScreen()
	case assureNoMail:
		body = f.endScreen("no-email", app.P().Text(assureNoEmail.In(l)), app.P().Text(assureNoEmailCall.In(l)))
	case assureBlocked:
		body = f.endScreen("blocked", app.P().Text(assureBlockedText.In(l)), app.P().ID("blocked-until").Text(f.blocked))
	default:
		body = f.form()
	}
	return layout(l,
		app.Section().ID("forgot").Class("screen assure").DataSet("state", f.state).DataSet("portal", f.Portal.ID).Body(body),
	)
}

func (f *AssureForgot) form() app.UI {
	w, l := assureWording, f.lang
	return app.Div().Class("card").Body(
		title(w.ForgotTitle.In(l)),
		f.passkey,
		app.P().Class("lead").Text(w.ForgotIntro.In(l)),
		app.P().ID("forgot-info").Text(assureForgotInfo.In(l)),
		app.Form().ID("forgot-form").Method("post").NoValidate(true).
			Aria("labelledby", titleID).
			OnSubmit(f.submit).
			Body(
				&widget.Alert{ID: "form-error", Text: f.errText.In(l), Code: f.errCode},
				app.P().ID("required-note").Class("required-note").Text(requiredNote.In(l)),
				&widget.Field{
					ID: "nir", Label: assureNIRField.In(l), Autocomplete: "off", InputMode: "numeric",
					Error: f.nirErr.In(l), Required: true, Live: true,
					OnInput: func(_ app.Context, v string) { f.nir, f.nirErr = v, checkNIR(v, false); f.crossCheck() },
					OnBlur:  func(_ app.Context, v string) { f.nir, f.nirErr = v, checkNIR(v, true) },
				},
				&widget.Field{
					ID: "birthdate", Label: assureBirthField.In(l), Autocomplete: "bday", InputMode: "numeric",
					Error: f.birthErr.In(l), Required: true, Live: true,
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
					ID: "email", Label: assureEmailField.In(l), Type: "email", Autocomplete: "email", InputMode: "email",
					Error: f.emailErr.In(l), Required: true,
					OnInput: func(_ app.Context, v string) { f.email, f.emailErr = v, text{} },
				},
				f.captcha,
				app.Div().Class("actions").Body(
					app.A().ID("back").Class("btn").Href(PortalPath(f.Portal.ID, "connexion")).Text(w.Back.In(l)),
					&widget.Button{ID: "submit", Text: w.Send.In(l), Primary: true, Submit: true, Busy: f.busy},
				),
			),
	)
}

// crossCheck compares the NIR with the birth date once both are valid: the
// NIR holds the year and month of birth.
func (f *AssureForgot) crossCheck() {
	if f.birthErr == birthMismatch {
		f.birthErr = text{}
	}
	if !said(f.nirErr) && !said(f.birthErr) {
		f.birthErr = checkBirthMatchesNIR(f.nir, f.birth)
	}
}

func (f *AssureForgot) sentScreen() app.UI {
	w, l := assureWording, f.lang
	return app.Div().Class("card").Body(
		title(w.SentTitle.In(l)),
		app.Div().ID("sent-status").Class("alert alert-success").Role("status").Body(
			app.P().ID("sent-text").Body(
				app.Text(assureSentPre.In(l)),
				app.Strong().ID("masked-email").Text(f.masked),
			),
		),
		app.P().Text(assureSentNext.In(l)),
		app.P().ID("no-access").Body(
			app.Strong().Text(assureNoAccessQ.In(l)),
			app.Br(),
			app.Text(assureNoAccessA.In(l)),
		),
		mailHelp(l),
		app.Div().Class("actions").Body(
			app.A().ID("back").Class("btn btn-primary").Href(PortalPath(f.Portal.ID, "connexion")).Text(w.Back.In(l)),
		),
	)
}

// endScreen is a 3bis answer: the seed's sentences and the way back.
func (f *AssureForgot) endScreen(id string, text ...app.UI) app.UI {
	return app.Div().Class("card").Body(
		title(assureWording.ForgotTitle.In(f.lang)),
		app.Div().ID(id).Class("alert alert-error").Role("alert").Body(text...),
		app.Div().Class("actions").Body(
			app.A().ID("back").Class("btn btn-primary").Href(PortalPath(f.Portal.ID, "connexion")).Text(assureWording.Back.In(f.lang)),
		),
	)
}

// helpPart is a paragraph of a disclosure and the list under it.
type helpPart struct {
	Lead  text
	Items []text
}

// Seed 001's « si l'assuré n'a pas reçu le mail »: the disclosure's
// summary, then its parts.
var (
	mailHelpSummary = text{FR: "Vous n'avez pas reçu le mail ?", EN: "Did not get the e-mail?"}
	mailHelpParts   = []helpPart{
		{text{FR: "Vérifiez :", EN: "Check:"}, []text{
			{FR: "que l'adresse mail renseignée dans votre compte ameli est exacte ;", EN: "that the e-mail address in your ameli account is right;"},
			{FR: "que le mail n'est pas dans vos courriels indésirables (spams) ;", EN: "that the e-mail is not in your junk mail (spam);"},
			{FR: "si le mail arrive sur une autre adresse, créée chez le même fournisseur ou chez un autre ;",
				EN: "whether the e-mail goes to another address, created with the same provider or another one;"},
			{FR: "avec Outlook : que vous pouvez consulter votre messagerie sans passer par le logiciel de votre fournisseur d'accès (renseignez-vous auprès de lui).",
				EN: "with Outlook: that you can read your mail without your internet provider's software (ask your provider)."},
		}},
		{text{FR: "Le mail peut aussi avoir été :", EN: "The e-mail may also have been:"}, []text{
			{FR: "supprimé automatiquement par les paramètres de votre messagerie (chez Orange, par exemple, une liste rouge supprime parfois les mails contenant le mot « confirmation ») ;",
				EN: "deleted automatically by your mailbox's settings (at Orange, for example, a blocklist sometimes deletes e-mails containing the word “confirmation”);"},
			{FR: "bloqué, ou son lien bloqué, par un antivirus, votre logiciel de messagerie ou le fournisseur de votre adresse mail.",
				EN: "blocked, or its link blocked, by an antivirus, your e-mail software or your e-mail provider."},
		}},
		{text{FR: "Pour le retrouver :", EN: "To find it:"}, []text{
			{FR: "n'utilisez pas le lien d'un ancien mail de mot de passe oublié : seul le mail le plus récent fonctionne ;",
				EN: "do not use the link of an older forgotten-password e-mail: only the most recent one works;"},
			{FR: "cherchez dans votre boîte de réception et vos anciennes conversations les mots « Votre compte ameli – renouveler mon mot de passe » et l'expéditeur « Votre Assurance Maladie ».",
				EN: "search your inbox and older conversations for the words “Your ameli account – renew my password” and the sender “Votre Assurance Maladie”."},
		}},
	}
)

// mailHelp is seed 001's « si l'assuré n'a pas reçu le mail » checks.
func mailHelp(lang string) app.UI {
	body := make([]app.UI, 0, 2*len(mailHelpParts))
	for _, part := range mailHelpParts {
		items := make([]app.UI, len(part.Items))
		for i, it := range part.Items {
			items[i] = app.Li().Text(it.In(lang))
		}
		body = append(body, app.P().Text(part.Lead.In(lang)), app.Ul().Body(items...))
	}
	return app.Details().ID("mail-help").Class("disclosure").Body(
		app.Summary().ID("mail-help-summary").Text(mailHelpSummary.In(lang)),
		app.Div().Class("disclosure-body").Body(body...),
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
	case said(f.nirErr):
		return "nir"
	case said(f.birthErr):
		return "birthdate"
	case said(f.emailErr):
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
	f.errCode, f.errText = "", text{}
	if id := f.validate(); id != "" {
		if id == f.captcha.AnswerID() {
			f.captcha.SetMissing(ctx)
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
	id, cl := f.Portal.ID, apiIn(f.lang)
	ctx.Async(func() {
		res, err := cl.StartRecovery(id, req)
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
		d := p.Detail
		for _, lead := range []string{assureBlockedText.FR, assureBlockedText.EN} {
			d = strings.TrimPrefix(d, lead)
		}
		f.blocked = strings.TrimSpace(d)
		f.show(ctx, assureBlocked)
		return
	}
	if !f.captcha.Off() {
		f.captcha.Refresh(ctx)
	}
	switch code {
	case api.CodeCaptchaInvalid, api.CodeCaptchaRequired:
		f.captcha.SetError(ctx, detail.In(f.lang))
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
