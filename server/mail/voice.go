package mail

import (
	"strings"

	"sesame/shared/portal"
)

// voice is how a portal speaks: greeting, signature, who to contact.
type voice struct {
	greet string
	sign  []string
	// account names the account in a sentence: "votre compte ameli",
	// "your ameli account".
	account string
	// contact ends "Si vous n'êtes pas à l'origine de …, <contact>.":
	// "contactez votre caisse d'assurance maladie au 36 46".
	contact string
	// help is an optional paragraph on how to get help (employeur).
	help string
	// robot says the mail is automatic and not to reply.
	robot string
}

func voiceFor(p portal.Config, en bool) voice {
	t := func(fr, e string) string {
		if en {
			return e
		}
		return fr
	}
	phone := strings.TrimSpace(p.Phone)
	// 36 46 is the Assurance Maladie's number: "service gratuit + prix
	// d'un appel".
	cost := ""
	if strings.ReplaceAll(phone, " ", "") == "3646" {
		cost = t(" (service gratuit + prix d'un appel)", " (free service + cost of a call)")
	}
	v := voice{
		greet:   t("Bonjour,", "Hello,"),
		sign:    []string{t("Cordialement,", "Kind regards,"), p.Name},
		account: accountPhrase(p.ServiceName, en),
		robot: t(`Ce message est généré par un automate. Ne pas utiliser la fonctionnalité "répondre à".`,
			`This message was generated automatically. Please do not use the "reply" function.`),
	}
	switch {
	case phone != "":
		v.contact = t("appelez le ", "call ") + phone + cost
	default:
		v.contact = t("contactez le service d'assistance", "contact the help desk")
	}
	switch p.ID {
	case "assure":
		v.sign = []string{t("Merci de votre confiance.", "Thank you for your trust."),
			t("Votre caisse d'assurance maladie", "Your health insurance office (caisse d'assurance maladie)")}
		v.contact = t("contactez votre caisse d'assurance maladie", "contact your health insurance office")
		if phone != "" {
			v.contact += t(" au ", " on ") + phone + cost
		}
	case "employeur":
		v.greet = t("Madame, Monsieur,", "Dear Sir or Madam,")
		v.sign = []string{t("Cordialement,", "Kind regards,"),
			t("Votre Correspondant de l'Assurance Maladie - Risques Professionnels",
				"Your Assurance Maladie - Occupational Risks correspondent")}
		if phone != "" {
			// Seed 000 writes the number "36.46".
			dotted := t(strings.ReplaceAll(phone, " ", "."), phone)
			v.contact = t("appelez le ", "call ") + dotted + cost
			v.help = t("En cas de difficultés, vous pouvez nous contacter en appelant le "+dotted+"."+cost,
				"If you have any difficulty, you can contact us by calling "+dotted+cost+".")
		} else {
			v.contact = t("contactez votre caisse d'assurance maladie", "contact your health insurance office")
		}
	case "adherent":
		v.sign = []string{t("Cordialement,", "Kind regards,"), "Mutuelle des agents publics"}
		v.contact = t("contactez votre mutuelle", "contact your mutual insurer")
		if phone != "" {
			v.contact += t(" au ", " on ") + phone
		}
	}
	return v
}

// accountPhrase names the account: "compte ameli" → "votre compte ameli" /
// "your ameli account"; "Espace Adhérent" → "votre Espace Adhérent" /
// "your Espace Adhérent"; "Questionnaire Risque Professionnel" → "votre
// compte Questionnaire Risque Professionnel" / "your Questionnaire Risque
// Professionnel account".
func accountPhrase(service string, en bool) string {
	s := strings.TrimSpace(service)
	low := strings.ToLower(s)
	fr, e := "votre compte "+s, "your "+s+" account"
	switch {
	case s == "":
		fr, e = "votre compte", "your account"
	case strings.HasPrefix(low, "compte "):
		fr, e = "votre "+s, "your "+s[len("compte "):]+" account"
	case strings.HasPrefix(low, "espace "):
		fr, e = "votre "+s, "your "+s
	}
	if en {
		return e
	}
	return fr
}
