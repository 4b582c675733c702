package portal

// Summary is what the home page shows of a portal: enough to choose it.
type Summary struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Tagline string `json:"tagline"`
}

// Summaries lists the preset portals in the order the home page shows them.
func Summaries() []Summary {
	return []Summary{
		{ID: "assure", Name: "Compte ameli", Tagline: "Ici, vous accédez à votre compte ameli"},
		{ID: "employeur", Name: "Questionnaires Risques Professionnels", Tagline: "Salarié, employeur ou témoin : votre questionnaire en ligne"},
		{ID: "adherent", Name: "Espace Adhérent", Tagline: "Mutuelle des agents publics"},
	}
}
