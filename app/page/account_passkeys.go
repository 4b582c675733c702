package page

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/passkey"
	"sesame/app/widget"
	"sesame/shared/api"
)

// Sentences of « Clés d'accès ».
const (
	passkeysTitle       = "Clés d'accès"
	passkeysIntro       = "Une clé d'accès vous connecte sans mot de passe : votre appareil vous reconnaît à votre empreinte, à votre visage ou à son code de verrouillage."
	passkeysLoading     = "Chargement de vos clés d'accès…"
	passkeysEmpty       = "Vous n'avez pas encore de clé d'accès."
	passkeysNoBrowser   = "Votre navigateur ne permet pas de créer de clé d'accès. Vous pouvez toujours supprimer les clés d'accès de cette liste."
	passkeyNameLabel    = "Nom de la clé d'accès (facultatif)"
	passkeyNameHint     = "Par exemple : Téléphone de Claire. Il vous aide à la reconnaître dans cette liste."
	passkeyCreateText   = "Créer une clé d'accès"
	passkeyCreated      = "La clé d'accès «\u00a0%s\u00a0» a été créée."
	passkeyNotCreated   = "La clé d'accès n'a pas été créée : l'opération a été annulée ou le délai est dépassé."
	passkeyExists       = "Cet appareil contient déjà une clé d'accès pour votre compte."
	passkeyCreatedOn    = "Créée le "
	passkeyUsedOn       = "Dernière utilisation le "
	passkeyNeverUsed    = "Jamais utilisée"
	passkeyDeleteText   = "Supprimer"
	passkeyDeleteAsk    = "Pour supprimer la clé d'accès «\u00a0%s\u00a0», saisissez votre mot de passe."
	passkeyDeleteOK     = "Confirmer la suppression"
	passkeyDeleteCancel = "Annuler"
	passkeyDeleted      = "La clé d'accès «\u00a0%s\u00a0» a été supprimée."
	passkeyWrongPass    = "Le mot de passe saisi est incorrect."
)

// accountPasskeys is the « Clés d'accès » section of « Mes informations »:
// the member's passkeys (name, creation, last use, in Paris time), a form
// that creates one, and « Supprimer » for each.
//
// Deleting first asks without the password: a session opened with another
// passkey a moment ago is proof enough for the server. Otherwise it
// answers reauthentication_required, and the passkey's row asks the
// password. The password lives in memory only, until the answer.
type accountPasskeys struct {
	app.Compo

	Portal     string // portal id
	Identifier string // the signed-in member, for password managers

	supported bool
	loaded    bool
	list      []api.Passkey
	name      string // the new passkey's name, as typed
	busy      bool   // a creation or deletion is under way
	status    string // role="status": what was done
	errCode   string
	errText   string

	confirm  string // id of the passkey whose deletion awaits the password
	password string // in memory only
	pwErr    string
}

// OnMount runs in the browser only.
func (s *accountPasskeys) OnMount(ctx app.Context) {
	s.supported = passkey.Supported()
	s.load(ctx)
}

// OnDismount forgets the password.
func (s *accountPasskeys) OnDismount() { s.password = "" }

func (s *accountPasskeys) load(ctx app.Context) {
	id := s.Portal
	ctx.Async(func() {
		l, err := apiClient.Passkeys(id)
		dispatchOn(ctx, s, func(ctx app.Context) {
			if err != nil {
				s.errCode, s.errText, _ = failureOf(err)
				return
			}
			s.loaded, s.list = true, l.Passkeys
		})
	})
}

// Render runs on both sides.
func (s *accountPasskeys) Render() app.UI {
	state := "loading"
	if s.loaded {
		state = "ready"
	}
	return app.Section().ID("passkeys").Class("passkeys settings").
		Aria("labelledby", "passkeys-title").
		DataSet("state", state).DataSet("count", len(s.list)).
		Body(
			app.H2().ID("passkeys-title").TabIndex(-1).Text(passkeysTitle),
			app.P().Class("passkeys-intro").Text(passkeysIntro),
			&widget.Alert{ID: "passkeys-status", Level: widget.AlertSuccess, Text: s.status},
			&widget.Alert{ID: "passkeys-error", Text: s.errText, Code: s.errCode},
			s.listing(),
			s.createForm(),
		)
}

func (s *accountPasskeys) listing() app.UI {
	switch {
	case !s.loaded && s.errText == "":
		return app.P().ID("passkeys-loading").Role("status").Text(passkeysLoading)
	case !s.loaded:
		return nil
	case len(s.list) == 0:
		return app.P().ID("passkeys-empty").Text(passkeysEmpty)
	}
	return app.Ul().ID("passkey-list").Class("passkey-list").Body(
		app.Range(s.list).Slice(func(i int) app.UI { return s.row(i) }),
	)
}

// row is one passkey: its name, its dates, and « Supprimer » or the
// password that confirms it.
func (s *accountPasskeys) row(i int) app.UI {
	pk := s.list[i]
	n := strconv.Itoa(i)
	used := passkeyNeverUsed
	if pk.LastUsedAt != nil {
		used = passkeyUsedOn + parisDateTime(*pk.LastUsedAt)
	}
	var action app.UI
	if s.confirm == pk.ID {
		action = s.confirmForm(pk)
	} else {
		action = app.Button().ID("passkey-delete-"+n).Type("button").Class("btn passkey-delete").
			Aria("describedby", "passkey-name-"+n).
			OnClick(func(ctx app.Context, e app.Event) { s.remove(ctx, pk, "") }).
			Text(passkeyDeleteText)
	}
	return app.Li().ID("passkey-"+n).Class("passkey").DataSet("id", pk.ID).Body(
		app.P().ID("passkey-name-"+n).Class("passkey-name").Text(displayName(pk)),
		app.P().Class("passkey-date").Text(passkeyCreatedOn+parisDateTime(pk.CreatedAt)),
		app.P().Class("passkey-date").Text(used),
		action,
	)
}

// confirmForm asks the password that confirms a deletion.
func (s *accountPasskeys) confirmForm(pk api.Passkey) app.UI {
	return app.Form().ID("passkey-confirm-form").Class("passkey-confirm").Method("post").NoValidate(true).
		Aria("labelledby", "passkey-confirm-text").
		OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			if s.password == "" {
				s.pwErr = passwordMissing
				focus(ctx, "passkey-password")
				return
			}
			s.remove(ctx, pk, s.password)
		}).
		Body(
			app.P().ID("passkey-confirm-text").Text(fmt.Sprintf(passkeyDeleteAsk, displayName(pk))),
			// For password managers: whose password this is.
			app.Input().ID("passkey-username").Type("text").Hidden(true).
				Attr("autocomplete", "username").ReadOnly(true).Value(s.Identifier),
			&widget.PasswordField{
				ID: "passkey-password", Label: "Mot de passe", Autocomplete: "current-password",
				Error: s.pwErr, Required: true,
				OnInput: func(_ app.Context, v string) { s.password, s.pwErr = v, "" },
			},
			app.Div().Class("actions").Body(
				app.Button().ID("passkey-cancel").Type("button").Class("btn").OnClick(s.cancel).Text(passkeyDeleteCancel),
				&widget.Button{ID: "passkey-confirm", Text: passkeyDeleteOK, Primary: true, Submit: true, Busy: s.busy},
			),
		)
}

// createForm is « Créer une clé d'accès », in a browser that can.
func (s *accountPasskeys) createForm() app.UI {
	if !s.supported {
		return app.P().ID("passkeys-unsupported").Class("note").Text(passkeysNoBrowser)
	}
	return app.Form().ID("passkey-create-form").Class("passkey-create").Method("post").NoValidate(true).
		OnSubmit(s.create).
		Body(
			&widget.Field{
				ID: "passkey-name", Label: passkeyNameLabel, Hint: passkeyNameHint, Autocomplete: "off",
				OnInput: func(_ app.Context, v string) { s.name = v },
			},
			app.Div().Class("actions").Body(
				&widget.Button{ID: "passkey-create", Text: passkeyCreateText, Primary: true, Submit: true, Busy: s.busy && s.confirm == ""},
			),
		)
}

// displayName is the passkey's name, or the start of its id when the
// server gave none.
func displayName(pk api.Passkey) string {
	if pk.Name != "" {
		return pk.Name
	}
	if len(pk.ID) > 8 {
		return pk.ID[:8] + "…"
	}
	return pk.ID
}

func (s *accountPasskeys) create(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if s.busy {
		return
	}
	s.busy = true
	s.status, s.errCode, s.errText = "", "", ""
	s.confirm, s.password, s.pwErr = "", "", ""
	id, name := s.Portal, s.name
	ctx.Async(func() {
		opts, err := apiClient.PasskeyRegisterBegin(id, name)
		var cred []byte
		if err == nil {
			cred, err = passkey.Create(opts)
		}
		var pk api.Passkey
		if err == nil {
			pk, err = apiClient.PasskeyRegisterFinish(id, cred)
		}
		dispatchOn(ctx, s, func(ctx app.Context) {
			s.busy = false
			switch {
			case err == nil:
				s.list = append(s.list, pk)
				s.loaded = true
				s.status = fmt.Sprintf(passkeyCreated, displayName(pk))
				s.name = ""
				clearInput("passkey-name")
			case errors.Is(err, passkey.ErrCancelled), errors.Is(err, passkey.ErrAborted):
				s.errCode, s.errText = "cancelled", passkeyNotCreated
			case errors.Is(err, passkey.ErrExists):
				s.errCode, s.errText = "exists", passkeyExists
			default:
				s.errCode, s.errText = passkeyFailure(err)
			}
		})
	})
}

// remove deletes pk, with the password or, first, without.
func (s *accountPasskeys) remove(ctx app.Context, pk api.Passkey, password string) {
	if s.busy {
		return
	}
	s.busy = true
	s.status, s.errCode, s.errText = "", "", ""
	id := s.Portal
	ctx.Async(func() {
		err := apiClient.DeletePasskey(id, pk.ID, password)
		dispatchOn(ctx, s, func(ctx app.Context) {
			s.busy = false
			code, detail, p := failureOf(err)
			switch {
			case err == nil || (p != nil && p.Code == api.CodePasskeyUnknown):
				s.drop(pk.ID)
				s.confirm, s.password, s.pwErr = "", "", ""
				s.status = fmt.Sprintf(passkeyDeleted, displayName(pk))
				focus(ctx, "passkeys-title")
			case p != nil && p.Code == api.CodeReauthRequired && password != "":
				s.password, s.pwErr = "", passkeyWrongPass
				clearInput("passkey-password")
				focus(ctx, "passkey-password")
			case p != nil && p.Code == api.CodeReauthRequired:
				s.confirm, s.password, s.pwErr = pk.ID, "", ""
				focus(ctx, "passkey-password")
			default:
				s.errCode, s.errText = code, detail
			}
		})
	})
}

// drop removes a passkey from the list.
func (s *accountPasskeys) drop(id string) {
	for i, pk := range s.list {
		if pk.ID == id {
			s.list = append(s.list[:i:i], s.list[i+1:]...)
			return
		}
	}
}

// cancel closes the password form and gives the focus back to the row's
// « Supprimer ».
func (s *accountPasskeys) cancel(ctx app.Context, e app.Event) {
	dispatchOn(ctx, s, func(ctx app.Context) {
		for i, pk := range s.list {
			if pk.ID == s.confirm {
				focus(ctx, "passkey-delete-"+strconv.Itoa(i))
			}
		}
		s.confirm, s.password, s.pwErr = "", "", ""
	})
}
