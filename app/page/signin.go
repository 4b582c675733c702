package page

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// signInScreen names the sign-in screen (and its role choice).
const signInScreen = "Connexion"

// SignIn is /{portal}/connexion: the portal's welcome, the role choice when
// the portal has roles, and the sign-in form. Success leads to
// /{portal}/mes-informations.
type SignIn struct {
	app.Compo

	Portal portal.Config

	role       string
	identifier string
	password   string // in memory only, until the answer
	idErr      string
	pwErr      string
	errCode    string
	errText    string
	busy       bool
	carry      *carry
	passkey    *passkeySignIn
}

// OnInit runs on both sides, before the first render.
func (s *SignIn) OnInit() {
	s.carry = takeCarry()
	s.passkey = &passkeySignIn{Portal: s.Portal.ID, Autofill: true}
	if s.role == "" && len(s.Portal.Roles) > 0 {
		s.role = defaultRole(s.Portal)
	}
}

// OnPreRender runs on the server only.
func (s *SignIn) OnPreRender(ctx app.Context) { s.setTitle(ctx) }

// OnMount runs in the browser only.
func (s *SignIn) OnMount(ctx app.Context) { mounted(ctx, s.carry); s.carry = nil }

// OnNav runs in the browser only.
func (s *SignIn) OnNav(ctx app.Context) { s.setTitle(ctx) }

func (s *SignIn) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(signInScreen, s.Portal.Name))
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

// Render runs on both sides.
func (s *SignIn) Render() app.UI {
	spec := identifierSpec(s.Portal)
	return layout(
		app.Section().ID("signin").Class("screen").DataSet("portal", s.Portal.ID).Body(
			welcome(s.Portal),
			app.Div().Class("card signin-card").Body(
				s.roles(),
				app.Form().ID("signin-form").Method("post").NoValidate(true).
					Aria("labelledby", "signin-brand").
					OnSubmit(s.submit).
					Body(
						brandBlock(s.Portal),
						&widget.Alert{ID: "form-error", Text: s.errText, Code: s.errCode},
						spec.field(s.idErr, func(_ app.Context, v string) {
							s.identifier, s.idErr = v, ""
						}),
						&widget.PasswordField{
							ID: "password", Label: "Mot de passe", Autocomplete: "current-password",
							Error: s.pwErr, Required: true,
							OnInput: func(_ app.Context, v string) { s.password, s.pwErr = v, "" },
						},
						app.Div().Class("actions").Body(
							&widget.Button{ID: "submit", Text: "SE CONNECTER", Primary: true, Submit: true, Busy: s.busy},
						),
						app.P().Class("forgot").Body(
							app.A().ID("forgot-link").Href(PortalPath(s.Portal.ID, "mot-de-passe-oublie")).
								Text("Mot de passe oublié?"),
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
		return app.H2().Text(signInScreen)
	}
	opts := make([]widget.Option, len(s.Portal.Roles))
	for i, r := range s.Portal.Roles {
		opts[i] = widget.Option{ID: "role-" + roleID(r), Value: r, Label: r}
	}
	return &widget.Radios{
		Name: "role", Legend: signInScreen, LegendClass: "legend-title", Options: opts, Value: s.role,
		OnChange: func(_ app.Context, v string) { s.role = v },
	}
}

func (s *SignIn) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if s.busy {
		return
	}
	s.errCode, s.errText = "", ""
	s.idErr, s.pwErr = "", ""
	if s.Portal.Identifier == portal.IdentifierEmail {
		s.idErr = checkEmail(strings.TrimSpace(s.identifier))
	} else if strings.TrimSpace(s.identifier) == "" {
		s.idErr = "Ce champ est obligatoire."
	}
	if s.password == "" {
		s.pwErr = passwordMissing
	}
	switch {
	case s.idErr != "":
		focus(ctx, identifierSpec(s.Portal).ID)
		return
	case s.pwErr != "":
		focus(ctx, "password")
		return
	}
	s.busy = true
	req := api.SignIn{Identifier: strings.TrimSpace(s.identifier), Password: s.password}
	id := s.Portal.ID
	ctx.Async(func() {
		_, err := apiClient.SignIn(id, req)
		ctx.Dispatch(func(ctx app.Context) {
			s.busy = false
			if err == nil {
				s.password = ""
				ctx.Navigate(PortalPath(id, "mes-informations"))
				return
			}
			s.errCode, s.errText, _ = failureOf(err)
		})
	})
}

// welcome is the portal's presentation above the form.
func welcome(p portal.Config) app.UI {
	if p.ID == "employeur" {
		return employeurWelcome()
	}
	return app.Div().Class("welcome").Body(
		title(p.Name),
		app.P().Class("lead").Text(p.Tagline),
	)
}

// brandBlock heads the sign-in form.
func brandBlock(p portal.Config) app.UI {
	if p.ID == "employeur" {
		return app.H2().ID("signin-brand").Class("brand-block").Body(
			app.Span().Class("brand-am").Text("l'Assurance Maladie"),
			app.Text(" "),
			app.Span().Class("brand-rp").Text("RISQUES PROFESSIONNELS"),
		)
	}
	return app.H2().ID("signin-brand").Text(p.Name)
}

// promise is one of the employeur portal's six promises.
type promise struct{ Name, Text string }

// employeurPromises are seed 000's, word for word.
var employeurPromises = []promise{
	{"Simple", "Vous serez guidé tout au long du remplissage du questionnaire"},
	{"Adaptatif", "Remplissez ce questionnaire à votre rythme, arrêtez et reprendre la saisie simplement"},
	{"Economique", "Economisez le coût d'envoi postaux vers la caisse primaire"},
	{"Efficace", "Joignez tous les documents que vous souhaitez porter à la connaissance des agents spécialisés"},
	{"Pratique", "Questionnaires et télécharger les questionnaires déjà complétés"},
	{"Interactif", "Consulter votre dossier en ligne et formuler vos observations"},
}

// EmployeurTitle and EmployeurIntro open the employeur sign-in page.
const (
	EmployeurTitle = "Questionnaires Risques Professionnels"
	EmployeurIntro = "Ce questionnaire permet de fournir à votre caisse d'assurance maladie, l'ensemble des éléments nécessaires à l'étude de votre dossier dans un délai réduit."
)

func employeurWelcome() app.UI {
	return app.Div().Class("welcome").Body(
		title(EmployeurTitle),
		app.P().Class("lead").Text(EmployeurIntro),
		app.Ul().Class("promises").Body(
			app.Range(employeurPromises).Slice(func(i int) app.UI {
				p := employeurPromises[i]
				return app.Li().Body(
					app.Strong().Text(p.Name),
					app.Span().Text(p.Text),
				)
			}),
		),
	)
}
