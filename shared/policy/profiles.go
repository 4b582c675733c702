package policy

// The profiles: strict follows NIST SP 800-63B and OWASP ASVS (length and a
// blocklist, no composition rules); the three presets reproduce their seed's
// checklist word for word and keep the floor (blocklist, context words,
// confirmation, difference from the current password). Each call returns a
// fresh value: callers may change their copy.

// AssureSpecials are the special characters of the ameli seeds (001 and 003
// together, parentheses included).
const AssureSpecials = "?!$€@&()-+_=*%/<>,.:;"

// EmployeurSpecials are the special characters of seed 000.
const EmployeurSpecials = "@$!%*#?&"

// AdherentForbidden are the characters seed 004 asks to avoid.
const AdherentForbidden = `'%\_`

// floor are the rules no preset removes.
func floor(context Text) []Rule {
	return []Rule{
		{ID: "context", Kind: KindContext, Label: context},
		{ID: "blocklist", Kind: KindBlocklist, Label: Text{
			FR: "Ne pas être un mot de passe trop courant",
			EN: "Not be a common password",
		}},
	}
}

var (
	differsLabel = Text{FR: "Être différent de votre mot de passe actuel", EN: "Differ from your current password"}
	confirmLabel = Text{FR: "Être identique à la saisie de confirmation", EN: "Match the confirmation"}
)

func tail(context Text) []Rule {
	return append(floor(context),
		Rule{ID: "differs", Kind: KindDiffers, Label: differsLabel},
		Rule{ID: "confirm", Kind: KindConfirm, Label: confirmLabel},
	)
}

// Strict is the standards profile: 12 to 128 characters, any printable
// Unicode, no composition rule, a blocklist and context words.
func Strict() Policy {
	return Policy{ID: "strict", MaxBytes: DefaultMaxBytes, Rules: append([]Rule{
		{ID: "length", Kind: KindLength, Min: 12, Max: 128, Label: Text{
			FR: "Comporter au moins 12 caractères",
			EN: "Be at least 12 characters long",
		}},
		{ID: "printable", Kind: KindPrintable, Label: Text{
			FR: "Ne contenir que des caractères imprimables",
			EN: "Contain printable characters only",
		}},
	}, tail(Text{
		FR: "Ne pas contenir votre identifiant, votre adresse mail ou votre date de naissance",
		EN: "Not contain your identifier, e-mail address or birth date",
	})...)}
}

// Assure is the ameli checklist of seeds 001 and 003.
func Assure() Policy {
	specials := Set{Class: ClassChars, Chars: AssureSpecials}
	rules := []Rule{
		{ID: "length", Kind: KindLength, Min: 8, Max: 50, Label: Text{
			FR: "Comporter entre 8 et 50 caractères",
			EN: "Be between 8 and 50 characters long",
		}},
		{ID: "latin_case", Kind: KindClasses, Min: 2, Sets: []Set{{Class: ClassLatinLower}, {Class: ClassLatinUpper}}, Label: Text{
			FR: "Contenir des caractères latins (de a jusqu'à z sans accent) minuscules et majuscules",
			EN: "Contain Latin letters (a to z without accents), lower and upper case",
		}},
		{ID: "digit_or_special", Kind: KindClasses, Min: 1, Sets: []Set{{Class: ClassDigit}, specials}, Label: Text{
			FR: "Contenir un chiffre ou un caractère spécial parmi les suivants : ? ! $ € @ & ( ) - + _ = * % / < > , . : ;",
			EN: "Contain a digit or a special character among: ? ! $ € @ & ( ) - + _ = * % / < > , . : ;",
		}},
		{ID: "allowed", Kind: KindAllowed, Sets: []Set{{Class: ClassLatinLower}, {Class: ClassLatinUpper}, {Class: ClassDigit}, specials}, Label: Text{
			FR: "Ne contenir que des caractères autorisés",
			EN: "Contain allowed characters only",
		}},
	}
	return Policy{ID: "assure", MaxBytes: DefaultMaxBytes, Rules: append(rules, tail(Text{
		FR: "Ne pas contenir votre n° de sécurité sociale, votre date de naissance ou une partie de celle-ci",
		EN: "Not contain your social security number, your birth date or a part of it",
	})...)}
}

// Employeur is the checklist of seed 000.
func Employeur() Policy {
	rules := []Rule{
		{ID: "length", Kind: KindLength, Min: 8, Max: 128, Label: Text{
			FR: "Au moins 8 caractères",
			EN: "At least 8 characters",
		}},
		{ID: "digits", Kind: KindCount, Min: 2, Sets: []Set{{Class: ClassDigit}}, Label: Text{
			FR: "Au moins 2 nombres",
			EN: "At least 2 digits",
		}},
		{ID: "special", Kind: KindCount, Min: 1, Sets: []Set{{Class: ClassChars, Chars: EmployeurSpecials}}, Label: Text{
			FR: "Au moins 1 caractère spécial (@$!%*#?&)",
			EN: "At least 1 special character (@$!%*#?&)",
		}},
	}
	return Policy{ID: "employeur", MaxBytes: DefaultMaxBytes, Rules: append(rules, tail(Text{
		FR: "Ne pas contenir votre adresse mail ni le nom du service",
		EN: "Not contain your e-mail address or the name of the service",
	})...)}
}

// Adherent is the advice of seed 004 made into rules, with the CNIL's 12
// characters since the seed gives no length.
func Adherent() Policy {
	rules := []Rule{
		{ID: "length", Kind: KindLength, Min: 12, Max: 128, Label: Text{
			FR: "Au moins 12 caractères",
			EN: "At least 12 characters",
		}},
		{ID: "digit", Kind: KindCount, Min: 1, Sets: []Set{{Class: ClassDigit}}, Label: Text{
			FR: "Au moins un chiffre",
			EN: "At least one digit",
		}},
		{ID: "special", Kind: KindCount, Min: 1, Sets: []Set{{Class: ClassSymbol}}, Label: Text{
			FR: "Au moins un caractère spécial",
			EN: "At least one special character",
		}},
		{ID: "upper", Kind: KindCount, Min: 1, Sets: []Set{{Class: ClassUpper}}, Label: Text{
			FR: "Au moins une majuscule",
			EN: "At least one upper-case letter",
		}},
		{ID: "forbidden", Kind: KindForbidden, Sets: []Set{{Class: ClassChars, Chars: AdherentForbidden}}, Label: Text{
			FR: "Sans apostrophe ('), pourcentage (%), antislash (\\) ni underscore (_)",
			EN: "No apostrophe ('), percent (%), backslash (\\) or underscore (_)",
		}},
	}
	return Policy{ID: "adherent", MaxBytes: DefaultMaxBytes, Rules: append(rules, tail(Text{
		FR: "Ne pas contenir votre numéro d'adhérent ni votre adresse mail",
		EN: "Not contain your member number or e-mail address",
	})...)}
}

// ByID returns the named profile.
func ByID(id string) (Policy, bool) {
	switch id {
	case "strict":
		return Strict(), true
	case "assure":
		return Assure(), true
	case "employeur":
		return Employeur(), true
	case "adherent":
		return Adherent(), true
	}
	return Policy{}, false
}
