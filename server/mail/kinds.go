package mail

import (
	"strings"
	"unicode/utf8"
)

// builder writes the subject and the body of one kind. The greeting, the
// help paragraph, the signature and the small print are added around it.
type builder func(c *rc) (subject string, body []block, err error)

var builders = map[string]builder{
	KindResetLink:       resetLink,
	KindResetCode:       resetCode,
	KindChangeCode:      changeCode,
	KindPasswordChanged: passwordChanged,
	KindPasskeyAdded:    passkeyAdded,
	KindPasskeyRemoved:  passkeyRemoved,
}

// wrap puts the greeting and the signature around a body.
func (c *rc) wrap(body []block) []block {
	out := append([]block{para(c.v.greet)}, body...)
	return append(out, lines(c.v.sign...))
}

// help is the portal's help paragraph, for the mails that do not already
// say whom to contact.
func (c *rc) help() []block {
	if c.v.help == "" {
		return nil
	}
	return []block{para(c.v.help)}
}

func (c *rc) ignore() block {
	return para(c.t("Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.",
		"If you did not make this request, ignore this message: your password remains unchanged."))
}

func (c *rc) neverShare() block {
	return para(c.t("Ne communiquez ce code à personne : nos services ne vous le demanderont jamais.",
		"Do not share this code with anyone: our staff will never ask you for it."))
}

func resetLink(c *rc) (string, []block, error) {
	link, err := c.r.ResetURL(c.p.ID, c.j.Secret)
	if err != nil {
		return "", nil, err
	}
	acc, dur := c.v.account, c.duration(c.ttl(c.p.LinkTTL.D()))
	newest := note(c.t("Si vous avez fait plusieurs demandes, seul le lien du message le plus récent fonctionne.",
		"If you made several requests, only the link in the most recent message works."))
	var b []block
	var subject string
	switch c.p.ID {
	case "assure": // seed 001, step 4
		subject = c.t(capFirst(acc)+" – renouveler mon mot de passe", capFirst(acc)+" – renew my password")
		b = append(b,
			para(c.t("Vous avez demandé le renouvellement du mot de passe de "+acc+". Pour le renouveler, veuillez cliquer sur le bouton ci-dessous :",
				"You asked to renew the password of "+acc+". To renew it, please click the button below:")),
			button(c.t("Renouveler mon mot de passe", "Renew my password"), link))
		if dur != "" {
			b = append(b, para(c.t("Pour des raisons de sécurité, vous devez réaliser cette opération dans un délai "+deFR(dur)+". Au-delà de ce délai, vous devrez recommencer votre demande de renouvellement de mot de passe.",
				"For security reasons, you must complete this operation within "+dur+". After that, you will have to make a new password renewal request.")))
		}
		b = append(b,
			para(c.t("Si vous n'êtes pas à l'origine de cette demande, ne cliquez pas sur ce lien et contactez votre caisse d'assurance maladie qui vous donnera les consignes à suivre. Sachez néanmoins que "+acc+" reste sécurisé.",
				"If you did not make this request, do not click this link and contact your health insurance office, which will tell you what to do. Rest assured that "+acc+" remains secure.")),
			newest)
	case "employeur": // seed 000, step 2
		site := c.p.ServiceName
		if site == "" {
			site = c.p.Name
		}
		subject = c.t("Réinitialiser le mot de passe de "+acc, "Reset the password of "+acc)
		b = append(b,
			para(c.t("Vous avez oublié votre mot de passe pour le site "+site+" ?",
				"Have you forgotten your password for the "+site+" site?")),
			para(c.t("Pour le réinitialiser, cliquez sur le bouton ci-dessous :", "To reset it, click the button below:")),
			button(c.t("Réinitialiser le mot de passe", "Reset the password"), link))
		if dur != "" {
			b = append(b, para(c.t("(ce lien expirera au bout "+deFR(dur)+")", "(this link will expire after "+dur+")")))
		}
		b = append(b, c.ignore(), newest)
		b = append(b, c.help()...)
	default:
		subject = c.t("Réinitialisation du mot de passe de "+acc, "Password reset for "+acc)
		b = append(b,
			para(c.t("Vous avez demandé la réinitialisation du mot de passe de "+acc+". Pour choisir un nouveau mot de passe, cliquez sur le bouton ci-dessous :",
				"You asked to reset the password of "+acc+". To choose a new password, click the button below:")),
			button(c.t("Choisir un nouveau mot de passe", "Choose a new password"), link))
		if dur != "" {
			b = append(b, para(c.t("Ce lien est valable "+dur+" et ne peut servir qu'une seule fois.",
				"This link is valid for "+dur+" and can be used only once.")))
		}
		b = append(b, c.ignore(), newest)
	}
	return subject, b, nil
}

// resetCode is the activation code of seed 004 (adherent).
func resetCode(c *rc) (string, []block, error) {
	code, err := c.code()
	if err != nil {
		return "", nil, err
	}
	enter := c.t("Merci de saisir votre code d'activation sur la page où vous avez fait votre demande.",
		"Please enter your activation code on the page where you made your request.")
	if dur := c.duration(c.ttl(c.p.CodeTTL.D())); dur != "" {
		enter += c.t(" Ce code est valable "+dur+".", " This code is valid for "+dur+".")
	}
	return c.t("Votre code d'activation", "Your activation code"), append([]block{
		para(c.t("Voici votre code d'activation pour "+c.v.account+" :",
			"Here is your activation code for "+c.v.account+":")),
		codeBlock(code),
		para(enter),
		note(c.t("Laissez cette page ouverte : le code ne fonctionne que sur la page internet où vous avez soumis votre demande.",
			"Keep that page open: the code only works on the web page where you made your request.")),
		c.neverShare(),
		c.ignore(),
	}, c.help()...), nil
}

// changeCode confirms a signed-in password change (seed 003).
func changeCode(c *rc) (string, []block, error) {
	code, err := c.code()
	if err != nil {
		return "", nil, err
	}
	enter := c.t("Saisissez ce code sur la page « Modifier votre mot de passe ».",
		"Enter this code on the “Change your password” page.")
	if dur := c.duration(c.ttl(c.p.CodeTTL.D())); dur != "" {
		enter += c.t(" Il est valable "+dur+".", " It is valid for "+dur+".")
	}
	return c.t("Code de confirmation pour modifier votre mot de passe", "Confirmation code to change your password"), []block{
		para(c.t("Vous avez demandé à modifier le mot de passe de "+c.v.account+". Voici votre code de confirmation :",
			"You asked to change the password of "+c.v.account+". Here is your confirmation code:")),
		codeBlock(code),
		para(enter),
		note(c.t("Si vous avez demandé plusieurs codes, seul le plus récent fonctionne.",
			"If you asked for several codes, only the most recent one works.")),
		c.neverShare(),
		para(c.t("Si vous n'êtes pas à l'origine de cette demande, quelqu'un connaît peut-être votre mot de passe : "+c.v.contact+".",
			"If you did not make this request, someone may know your password: "+c.v.contact+".")),
	}, nil
}

// passwordChanged is the notice of seed 001, step 6.
func passwordChanged(c *rc) (string, []block, error) {
	at, err := c.when("changed_at")
	if err != nil {
		return "", nil, err
	}
	b := []block{para(c.t("Le mot de passe de "+c.v.account+" a été modifié le "+at+" (heure de Paris).",
		"The password of "+c.v.account+" was changed on "+at+" (Paris time)."))}
	switch c.j.Data["how"] {
	case "reset":
		b = append(b, para(c.t("Ce changement fait suite à une demande de mot de passe oublié.",
			"This change follows a forgotten-password request.")))
	case "change":
		b = append(b, para(c.t("Ce changement a été fait depuis votre espace personnel, après confirmation par un code envoyé par mail.",
			"This change was made from your personal area, after confirmation with a code sent by e-mail.")))
	}
	b = append(b, para(c.t("Pour votre sécurité, toutes vos sessions ont été fermées : reconnectez-vous avec votre nouveau mot de passe.",
		"For your security, all your sessions have been closed: sign in again with your new password.")))
	var keys []string
	for _, k := range strings.Split(c.j.Data["passkeys"], "\n") {
		if k = cleanName(k); k != "" {
			keys = append(keys, k)
		}
	}
	notYou := c.t("Si vous n'êtes pas à l'origine de ce changement, quelqu'un d'autre utilise peut-être votre compte : "+c.v.contact+".",
		"If you did not make this change, someone else may be using your account: "+c.v.contact+".")
	if len(keys) > 0 {
		// A new password does not remove passkeys: say so, and where.
		b = append(b, list(c.t("Vos clés d'accès restent actives :", "Your passkeys remain active:"), keys),
			para(c.t("Elles permettent toujours de vous connecter sans mot de passe. Vous pouvez les supprimer depuis « Mes informations ».",
				"They still let you sign in without a password. You can remove them from “My details”.")))
		notYou += c.t(" Supprimez aussi toute clé d'accès que vous ne reconnaissez pas.",
			" Also remove any passkey you do not recognise.")
	}
	return c.t("Votre mot de passe a été modifié", "Your password has been changed"), append(b, para(notYou)), nil
}

func passkeyAdded(c *rc) (string, []block, error) {
	return passkeyNotice(c, true)
}

func passkeyRemoved(c *rc) (string, []block, error) {
	return passkeyNotice(c, false)
}

func passkeyNotice(c *rc, added bool) (string, []block, error) {
	at, err := c.when("at")
	if err != nil {
		return "", nil, err
	}
	fr, en := "Une clé d'accès", "A passkey"
	if name := cleanName(c.j.Data["name"]); name != "" {
		fr, en = "La clé d'accès « "+name+" »", "The passkey “"+name+"”"
	}
	acc := c.v.account
	if added {
		return c.t("Une clé d'accès a été ajoutée à votre compte", "A passkey was added to your account"), []block{
			para(c.t(fr+" a été ajoutée à "+acc+" le "+at+" (heure de Paris). Elle permet de vous connecter sans mot de passe.",
				en+" was added to "+acc+" on "+at+" (Paris time). It lets you sign in without a password.")),
			para(c.t("Si vous n'êtes pas à l'origine de cet ajout, quelqu'un a peut-être accès à votre compte : "+c.v.contact+".",
				"If you did not add it, someone may have access to your account: "+c.v.contact+".")),
		}, nil
	}
	return c.t("Une clé d'accès a été supprimée de votre compte", "A passkey was removed from your account"), []block{
		para(c.t(fr+" a été supprimée de "+acc+" le "+at+" (heure de Paris). Elle ne permet plus de vous connecter.",
			en+" was removed from "+acc+" on "+at+" (Paris time). It can no longer be used to sign in.")),
		para(c.t("Si vous n'êtes pas à l'origine de cette suppression, quelqu'un a peut-être accès à votre compte : "+c.v.contact+".",
			"If you did not remove it, someone may have access to your account: "+c.v.contact+".")),
	}, nil
}

// cleanName makes a user-given name fit on one line: spaces collapsed,
// control characters dropped, at most 64 characters. Escaping is the
// templates' job.
func cleanName(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:63]) + "…"
	}
	return s
}

// capFirst upper-cases the first letter: "votre compte" → "Votre compte".
func capFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return strings.ToUpper(string(r)) + s[n:]
}
