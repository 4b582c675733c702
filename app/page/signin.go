package page

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// The sign-in screen's sentences.
var (
	// signInScreen names the sign-in screen (and its role choice).
	signInScreen   = text{FR: "Connexion", EN: "Sign in"}
	signInPassword = text{FR: "Mot de passe", EN: "Password"}
	signInButton   = text{FR: "SE CONNECTER", EN: "SIGN IN"}
	signInForgot   = text{FR: "Mot de passe oublié?", EN: "Forgotten password?"}
)

// roleLabels are the presets' roles in both languages.
var roleLabels = map[string]text{
	"Salarié":   {FR: "Salarié", EN: "Employee"},
	"Employeur": {FR: "Employeur", EN: "Employer"},
	"Témoin":    {FR: "Témoin", EN: "Witness"},
}

// SignIn is /{portal}/connexion: the portal's welcome, the role choice when
// the portal has roles, and the sign-in form. Success leads to
// /{portal}/mes-informations.
type SignIn struct {
	app.Compo

	Portal portal.Config

	lang       string
	role       string
	identifier string
	password   string // in memory only, until the answer
	idErr      text
	pwErr      text
	errCode    string
	errText    text
	busy       bool
	carry      *carry
	passkey    *passkeySignIn
}

// OnInit runs on both sides, before the first render.
func (s *SignIn) OnInit() {
	s.lang = startLang(s.lang)
	s.carry = takeCarry()
	s.passkey = &passkeySignIn{Portal: s.Portal.ID, Autofill: true, lang: s.lang}
	if s.role == "" && len(s.Portal.Roles) > 0 {
		s.role = defaultRole(s.Portal)
	}
}

// OnPreRender runs on the server only.
func (s *SignIn) OnPreRender(ctx app.Context) { s.setTitle(ctx) }

// OnMount runs in the browser only.
func (s *SignIn) OnMount(ctx app.Context) { mounted(ctx, &s.lang, s.setTitle, &s.carry) }

// OnNav runs in the browser only.
func (s *SignIn) OnNav(ctx app.Context) { s.setTitle(ctx) }

func (s *SignIn) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(signInScreen, s.Portal.Name, s.lang))
}

// defaultRole is the role the portal's own id names (employeur →
// Employeur), else none.
func defaultRole(p portal.Config) string {
	for _, r := range p.Roles {
		if strings.EqualFold(roleID(r), p.ID) {
			return r
		}
	}
	return ""
}

// roleID turns a role's name into an id: "Salarié" → "salarie".
func roleID(r string) string {
	return strings.NewReplacer("é", "e", "è", "e", "É", "e", " ", "-").Replace(strings.ToLower(r))
}

// roleLabel is a role's name in lang.
func roleLabel(r, lang string) string {
	if t, ok := roleLabels[r]; ok {
		return t.In(lang)
	}
	return r
}

// Render runs on both sides.
func (s *SignIn) Render() app.UI {
	spec := identifierSpec(s.Portal)
	return layout(s.lang,
		app.Section().ID("signin").Class("screen").DataSet("portal", s.Portal.ID).Body(
			welcome(s.Portal, s.lang),
			app.Div().Class("card signin-card").Body(
				s.roles(),
				app.Form().ID("signin-form").Method("post").NoValidate(true).
					Aria("labelledby", "signin-brand").
					OnSubmit(s.submit).
					Body(
						brandBlock(s.Portal, s.lang),
						&widget.Alert{ID: "form-error", Text: s.errText.In(s.lang), Code: s.errCode},
						spec.field(s.lang, s.idErr, func(_ app.Context, v string) {
							s.identifier, s.idErr = v, text{}
						}),
						&widget.PasswordField{
							ID: "password", Label: signInPassword.In(s.lang), Autocomplete: "current-password",
							Error: s.pwErr.In(s.lang), Required: true, Lang: s.lang,
							OnInput: func(_ app.Context, v string) { s.password, s.pwErr = v, text{} },
						},
						app.Div().Class("actions").Body(
							&widget.Button{ID: "submit", Text: signInButton.In(s.lang), Primary: true, Submit: true, Busy: s.busy},
						),
						app.P().Class("forgot").Body(
							app.A().ID("forgot-link").Href(PortalPath(s.Portal.ID, "mot-de-passe-oublie")).
								Text(signInForgot.In(s.lang)),
						),
					),
				s.passkey,
			),
		),
	)
}

// roles is the role choice ("Connexion": Salarié, Employeur, Témoin).
func (s *SignIn) roles() app.UI {
	if len(s.Portal.Roles) == 0 {
		return app.H2().Text(signInScreen.In(s.lang))
	}
	opts := make([]widget.Option, len(s.Portal.Roles))
	for i, r := range s.Portal.Roles {
		opts[i] = widget.Option{ID: "role-" + roleID(r), Value: r, Label: roleLabel(r, s.lang)}
	}
	return &widget.Radios{
		Name: "role", Legend: signInScreen.In(s.lang), LegendClass: "legend-title", Options: opts, Value: s.role,
		OnChange: func(_ app.Context, v string) { s.role = v },
	}
}

func (s *SignIn) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if s.busy {
		return
	}
	s.errCode, s.errText = "", text{}
	s.idErr, s.pwErr = text{}, text{}
	if s.Portal.Identifier == portal.IdentifierEmail {
		s.idErr = checkEmail(strings.TrimSpace(s.identifier))
	} else if strings.TrimSpace(s.identifier) == "" {
		s.idErr = fieldRequired
	}
	if s.password == "" {
		s.pwErr = passwordMissing
	}
	switch {
	case said(s.idErr):
		focus(ctx, identifierSpec(s.Portal).ID)
		return
	case said(s.pwErr):
		focus(ctx, "password")
		return
	}
	s.busy = true
	req := api.SignIn{Identifier: strings.TrimSpace(s.identifier), Password: s.password}
	signIn(ctx, s.lang, s.Portal.ID, req, func(ctx app.Context, err error) {
		s.busy = false
		if err == nil {
			s.password = ""
			return
		}
		s.errCode, s.errText, _ = failureOf(err)
	})
}

// signIn sends a sign-in screen's request. Its answer comes back to
// answered, on the UI goroutine; success then leads to « Mes
// informations ».
func signIn(ctx app.Context, lang, portalID string, req api.SignIn, answered func(app.Context, error)) {
	cl := apiIn(lang)
	ctx.Async(func() {
		_, err := cl.SignIn(portalID, req)
		ctx.Dispatch(func(ctx app.Context) {
			answered(ctx, err)
			if err == nil {
				ctx.Navigate(PortalPath(portalID, "mes-informations"))
			}
		})
	})
}

// welcome is the portal's presentation above the form.
func welcome(p portal.Config, lang string) app.UI {
	if p.ID == "employeur" {
		return employeurWelcome(lang)
	}
	return app.Div().Class("welcome").Body(
		title(p.Name),
		app.P().Class("lead").Text(tagline(p.ID, p.Tagline, lang)),
	)
}

// brandBlock heads the sign-in form: names, said as they are (in French).
func brandBlock(p portal.Config, lang string) app.UI {
	if p.ID == "employeur" {
		return asFrench(app.H2().ID("signin-brand").Class("brand-block"), lang).Body(
			app.Span().Class("brand-am").Text("l'Assurance Maladie"),
			app.Text(" "),
			app.Span().Class("brand-rp").Text("RISQUES PROFESSIONNELS"),
		)
	}
	return app.H2().ID("signin-brand").Text(p.Name)
}

// promise is one of the employeur portal's six promises.
type promise struct{ Name, Text text }

// employeurPromises are seed 000's, word for word.
var employeurPromises = []promise{
	{text{FR: "Simple", EN: "Simple"}, text{FR: "Vous serez guidé tout au long du remplissage du questionnaire",
		EN: "You will be guided all along as you fill in the questionnaire"}},
	{text{FR: "Adaptatif", EN: "Adaptive"}, text{FR: "Remplissez ce questionnaire à votre rythme, arrêtez et reprendre la saisie simplement",
		EN: "Fill in this questionnaire at your own pace, stop and resume easily"}},
	{text{FR: "Economique", EN: "Economical"}, text{FR: "Economisez le coût d'envoi postaux vers la caisse primaire",
		EN: "Save the cost of posting to your local health insurance office"}},
	{text{FR: "Efficace", EN: "Efficient"}, text{FR: "Joignez tous les documents que vous souhaitez porter à la connaissance des agents spécialisés",
		EN: "Attach every document you want the specialised staff to see"}},
	{text{FR: "Pratique", EN: "Practical"}, text{FR: "Questionnaires et télécharger les questionnaires déjà complétés",
		EN: "Questionnaires, and download the ones already completed"}},
	{text{FR: "Interactif", EN: "Interactive"}, text{FR: "Consulter votre dossier en ligne et formuler vos observations",
		EN: "View your file online and make your comments"}},
}

// EmployeurTitle opens the employeur sign-in page: the portal's name, said
// as it is.
const EmployeurTitle = "Questionnaires Risques Professionnels"

// employeurIntro follows it.
var employeurIntro = text{
	FR: "Ce questionnaire permet de fournir à votre caisse d'assurance maladie, l'ensemble des éléments nécessaires à l'étude de votre dossier dans un délai réduit.",
	EN: "This questionnaire gives your health insurance office everything it needs to study your file in less time.",
}

func employeurWelcome(lang string) app.UI {
	return app.Div().Class("welcome").Body(
		asFrench(app.H1().ID(titleID).TabIndex(-1), lang).Text(EmployeurTitle),
		app.P().Class("lead").Text(employeurIntro.In(lang)),
		app.Ul().Class("promises").Body(
			app.Range(employeurPromises).Slice(func(i int) app.UI {
				p := employeurPromises[i]
				return app.Li().Body(
					app.Strong().Text(p.Name.In(lang)),
					app.Span().Text(p.Text.In(lang)),
				)
			}),
		),
	)
}
