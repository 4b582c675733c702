package portal

import (
	"time"

	"sesame/shared/policy"
)

// Presets returns the three portals the product ships, as the seeds
// describe them. Each call returns fresh values.
func Presets() []Config {
	return []Config{Assure(), Employeur(), Adherent()}
}

// Assure is the ameli account of seeds 001, 002 and 003.
func Assure() Config {
	return Config{
		ID: "assure", Name: "Compte ameli", Tagline: "Ici, vous accédez à votre compte ameli",
		ServiceName: "compte ameli",
		Identifier:  IdentifierNIR,
		Proof:       []string{FieldNIR, FieldBirthdate, FieldEmail},
		Captcha:     true,
		Channel:     ChannelLink, LinkTTL: Duration(30 * time.Minute),
		ChangeCodeDigits: 4,
		CodeDigits:       4, CodeTries: 3, CodeTTL: Duration(10 * time.Minute),
		MaskedEmail:   true,
		NoEmailScreen: true,
		Policy:        policy.Assure(),
		ContextWords:  []string{"ameli", "assurance maladie"},
		Phone:         "36 46",
		Limits:        defaultLimits(),
	}
}

// Employeur is the occupational-risk questionnaire of seed 000.
func Employeur() Config {
	return Config{
		ID: "employeur", Name: "Questionnaires Risques Professionnels",
		Tagline:     "Salarié, employeur ou témoin : votre questionnaire en ligne",
		ServiceName: "Questionnaire Risque Professionnel",
		Identifier:  IdentifierEmail,
		Proof:       []string{FieldEmail},
		Channel:     ChannelLink, LinkTTL: Duration(time.Hour),
		ChangeCodeDigits: 6,
		CodeDigits:       6, CodeTries: 5, CodeTTL: Duration(10 * time.Minute),
		Policy:       policy.Employeur(),
		ContextWords: []string{"risquepro", "questionnaire", "ameli"},
		Roles:        []string{"Salarié", "Employeur", "Témoin"},
		Phone:        "36 46",
		Limits:       defaultLimits(),
	}
}

// Adherent is the mutual-insurance member area of seed 004.
func Adherent() Config {
	return Config{
		ID: "adherent", Name: "Espace Adhérent", Tagline: "Mutuelle des agents publics",
		ServiceName:   "Espace Adhérent",
		Identifier:    IdentifierMemberNumber,
		Proof:         []string{FieldMemberNumber},
		SignInCaptcha: true,
		Channel:       ChannelCode, LinkTTL: Duration(15 * time.Minute),
		ChangeCodeDigits: 6,
		CodeDigits:       6, CodeTries: 5, CodeTTL: Duration(15 * time.Minute),
		MaskedEmail:            true,
		PostalFallback:         true,
		PasswordReminderMonths: 6,
		Policy:                 policy.Adherent(),
		ContextWords:           []string{"mutuelle", "adherent"},
		Phone:                  "",
		Limits:                 defaultLimits(),
	}
}

func defaultLimits() Limits {
	return Limits{
		RecoveryPerIdentifier: "5-H",
		RecoveryPerIP:         "60-H",
		CodeSendsPerFlow:      "3-H",
		LinkChecksPerIP:       "120-H",
		SignInPerIP:           "100-H",
		ChangeCodesPerAccount: "5-H",
		PasskeyBeginsPerIP:    "300-H",
	}
}
