package portal

// Summary is what the home page shows of a portal: enough to choose it.
type Summary struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Tagline string `json:"tagline"`
}

// Summaries lists the preset portals in the order the home page shows them.
func Summaries() []Summary {
	var s []Summary
	for _, p := range Presets() {
		s = append(s, Summary{ID: p.ID, Name: p.Name, Tagline: p.Tagline})
	}
	return s
}
