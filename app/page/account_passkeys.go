package page

import (
	"errors"
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/locale"
	"sesame/app/passkey"
	"sesame/app/widget"
	"sesame/shared/api"
)

// Sentences of « Clés d'accès ».
var (
	passkeysTitle = text{FR: "Clés d'accès", EN: "Passkeys"}
	passkeysIntro = text{FR: "Une clé d'accès vous connecte sans mot de passe : votre appareil vous reconnaît à votre empreinte, à votre visage ou à son code de verrouillage.",
		EN: "A passkey signs you in without a password: your device recognises you by your fingerprint, your face or its screen lock."}
	passkeysLoading   = text{FR: "Chargement de vos clés d'accès…", EN: "Loading your passkeys…"}
	passkeysEmpty     = text{FR: "Vous n'avez pas encore de clé d'accès.", EN: "You have no passkey yet."}
	passkeysNoBrowser = text{FR: "Votre navigateur ne permet pas de créer de clé d'accès. Vous pouvez toujours supprimer les clés d'accès de cette liste.",
		EN: "Your browser cannot create passkeys. You can still delete the passkeys of this list."}
	passkeyNameLabel = text{FR: "Nom de la clé d'accès (facultatif)", EN: "Passkey name (optional)"}
	passkeyNameHint  = text{FR: "Par exemple : Téléphone de Claire. Il vous aide à la reconnaître dans cette liste.",
		EN: "For example: Claire's phone. It helps you recognise it in this list."}
	passkeyCreateText = text{FR: "Créer une clé d'accès", EN: "Create a passkey"}
	passkeyCreated    = text{FR: "La clé d'accès «\u00a0%s\u00a0» a été créée.", EN: "The passkey “%s” has been created."}
	passkeyNotCreated = text{FR: "La clé d'accès n'a pas été créée : l'opération a été annulée ou le délai est dépassé.",
		EN: "The passkey was not created: the operation was cancelled or timed out."}
	passkeyExists       = text{FR: "Cet appareil contient déjà une clé d'accès pour votre compte.", EN: "This device already holds a passkey for your account."}
	passkeyCreatedOn    = text{FR: "Créée le ", EN: "Created on "}
	passkeyUsedOn       = text{FR: "Dernière utilisation le ", EN: "Last used on "}
	passkeyNeverUsed    = text{FR: "Jamais utilisée", EN: "Never used"}
	passkeyDeleteText   = text{FR: "Supprimer", EN: "Delete"}
	passkeyDeleteAsk    = text{FR: "Pour supprimer la clé d'accès «\u00a0%s\u00a0», saisissez votre mot de passe.", EN: "To delete the passkey “%s”, enter your password."}
	passkeyDeleteOK     = text{FR: "Confirmer la suppression", EN: "Confirm the deletion"}
	passkeyDeleteCancel = text{FR: "Annuler", EN: "Cancel"}
	passkeyDeleted      = text{FR: "La clé d'accès «\u00a0%s\u00a0» a été supprimée.", EN: "The passkey “%s” has been deleted."}
	passkeyWrongPass    = text{FR: "Le mot de passe saisi est incorrect.", EN: "The password you entered is incorrect."}
	passkeyPassword     = text{FR: "Mot de passe", EN: "Password"}
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

	lang      string
	supported bool
	loaded    bool
	list      []api.Passkey
	name      string // the new passkey's name, as typed
	busy      bool   // a creation or deletion is under way
	status    text   // role="status": what was done
	errCode   string
	errText   text

	confirm  string // id of the passkey whose deletion awaits the password
	password string // in memory only
	pwErr    text
}

// OnMount runs in the browser only.
func (s *accountPasskeys) OnMount(ctx app.Context) {
	locale.Follow(ctx, &s.lang)
	s.supported = passkey.Supported()
	s.load(ctx)
}

// OnDismount forgets the password.
func (s *accountPasskeys) OnDismount() { s.password = "" }

func (s *accountPasskeys) load(ctx app.Context) {
	id, cl := s.Portal, apiIn(s.lang)
	ctx.Async(func() {
		l, err := cl.Passkeys(id)
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
			app.H2().ID("passkeys-title").TabIndex(-1).Text(passkeysTitle.In(s.lang)),
			app.P().Class("passkeys-intro").Text(passkeysIntro.In(s.lang)),
			&widget.Alert{ID: "passkeys-status", Level: widget.AlertSuccess, Text: s.status.In(s.lang)},
			&widget.Alert{ID: "passkeys-error", Text: s.errText.In(s.lang), Code: s.errCode},
			s.listing(),
			s.createForm(),
		)
}

func (s *accountPasskeys) listing() app.UI {
	switch {
	case !s.loaded && !said(s.errText):
		return app.P().ID("passkeys-loading").Role("status").Text(passkeysLoading.In(s.lang))
	case !s.loaded:
		return nil
	case len(s.list) == 0:
		return app.P().ID("passkeys-empty").Text(passkeysEmpty.In(s.lang))
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
	used := passkeyNeverUsed.In(s.lang)
	if pk.LastUsedAt != nil {
		used = passkeyUsedOn.In(s.lang) + parisDateTime(*pk.LastUsedAt, s.lang)
	}
	var action app.UI
	if s.confirm == pk.ID {
		action = s.confirmForm(pk)
	} else {
		action = app.Button().ID("passkey-delete-"+n).Type("button").Class("btn passkey-delete").
			Aria("describedby", "passkey-name-"+n).
			OnClick(func(ctx app.Context, e app.Event) { s.remove(ctx, pk, "") }).
			Text(passkeyDeleteText.In(s.lang))
	}
	return app.Li().ID("passkey-"+n).Class("passkey").DataSet("id", pk.ID).Body(
		app.P().ID("passkey-name-"+n).Class("passkey-name").Text(displayName(pk)),
		app.P().Class("passkey-date").Text(passkeyCreatedOn.In(s.lang)+parisDateTime(pk.CreatedAt, s.lang)),
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
			app.P().ID("passkey-confirm-text").Text(textf(passkeyDeleteAsk, displayName(pk)).In(s.lang)),
			// For password managers: whose password this is.
			app.Input().ID("passkey-username").Type("text").Hidden(true).
				Attr("autocomplete", "username").ReadOnly(true).Value(s.Identifier),
			&widget.PasswordField{
				ID: "passkey-password", Label: passkeyPassword.In(s.lang), Autocomplete: "current-password",
				Error: s.pwErr.In(s.lang), Required: true, Lang: s.lang,
				OnInput: func(_ app.Context, v string) { s.password, s.pwErr = v, text{} },
			},
			app.Div().Class("actions").Body(
				app.Button().ID("passkey-cancel").Type("button").Class("btn").OnClick(s.cancel).Text(passkeyDeleteCancel.In(s.lang)),
				&widget.Button{ID: "passkey-confirm", Text: passkeyDeleteOK.In(s.lang), Primary: true, Submit: true, Busy: s.busy},
			),
		)
}

// createForm is « Créer une clé d'accès », in a browser that can.
func (s *accountPasskeys) createForm() app.UI {
	if !s.supported {
		return app.P().ID("passkeys-unsupported").Class("note").Text(passkeysNoBrowser.In(s.lang))
	}
	return app.Form().ID("passkey-create-form").Class("passkey-create").Method("post").NoValidate(true).
		OnSubmit(s.create).
		Body(
			&widget.Field{
				ID: "passkey-name", Label: passkeyNameLabel.In(s.lang), Hint: passkeyNameHint.In(s.lang), Autocomplete: "off",
				OnInput: func(_ app.Context, v string) { s.name = v },
			},
			app.Div().Class("actions").Body(
				&widget.Button{ID: "passkey-create", Text: passkeyCreateText.In(s.lang), Primary: true, Submit: true, Busy: s.busy && s.confirm == ""},
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
	s.status, s.errCode, s.errText = text{}, "", text{}
	s.confirm, s.password, s.pwErr = "", "", text{}
	id, name, cl := s.Portal, s.name, apiIn(s.lang)
	ctx.Async(func() {
		opts, err := cl.PasskeyRegisterBegin(id, name)
		var cred []byte
		if err == nil {
			cred, err = passkey.Create(opts)
		}
		var pk api.Passkey
		if err == nil {
			pk, err = cl.PasskeyRegisterFinish(id, cred)
		}
		dispatchOn(ctx, s, func(ctx app.Context) {
			s.busy = false
			switch {
			case err == nil:
				s.list = append(s.list, pk)
				s.loaded = true
				s.status = textf(passkeyCreated, displayName(pk))
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
	s.status, s.errCode, s.errText = text{}, "", text{}
	id, cl := s.Portal, apiIn(s.lang)
	ctx.Async(func() {
		err := cl.DeletePasskey(id, pk.ID, password)
		dispatchOn(ctx, s, func(ctx app.Context) {
			s.busy = false
			code, detail, p := failureOf(err)
			switch {
			case err == nil || (p != nil && p.Code == api.CodePasskeyUnknown):
				s.drop(pk.ID)
				s.confirm, s.password, s.pwErr = "", "", text{}
				s.status = textf(passkeyDeleted, displayName(pk))
				focus(ctx, "passkeys-title")
			case p != nil && p.Code == api.CodeReauthRequired && password != "":
				s.password, s.pwErr = "", passkeyWrongPass
				clearInput("passkey-password")
				focus(ctx, "passkey-password")
			case p != nil && p.Code == api.CodeReauthRequired:
				s.confirm, s.password, s.pwErr = pk.ID, "", text{}
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
		s.confirm, s.password, s.pwErr = "", "", text{}
	})
}
