package sesame

import (
	"context"
	"fmt"
	"strings"

	"sesame/shared/api"
)

// Demo accounts: one per portal journey, printed by `make serve`.
var demoAccounts = []struct {
	account api.Account
	note    string
}{
	{api.Account{Portal: "assure", NIR: "184127512345640", Birthdate: "1984-12-25", Email: "thomas.martin@tutanota.com", EmailVerified: true, Password: ptr("Soleil7Mars?")},
		"NIR 1 84 12 75 123 456 40, né le 25/12/1984"},
	{api.Account{Portal: "assure", NIR: "290036912378960", Birthdate: "1990-03-01", Email: "", EmailVerified: false, Password: ptr("Soleil7Mars?")},
		"NIR 2 90 03 69 123 789 60, née le 01/03/1990 — sans adresse mail validée (écran « 36 46 »)"},
	{api.Account{Portal: "employeur", Email: "employeur@example.fr", EmailVerified: true, Password: ptr("Vague12!x")},
		"employeur@example.fr"},
	{api.Account{Portal: "adherent", MemberNumber: "999999", Email: "x.dupont@example.org", EmailVerified: true, Password: ptr("Vague7Lune?Mer")},
		"n° adhérent 999999"},
	{api.Account{Portal: "adherent", MemberNumber: "123456", Email: "c.leroy@example.org", EmailVerified: true},
		"n° adhérent 123456 — première connexion (pas encore de mot de passe)"},
}

func ptr(s string) *string { return &s }

// SeedDemo creates the demo accounts (again: they are reset at each start)
// and returns their description.
func SeedDemo(ctx context.Context, s *Server) (string, error) {
	list := make([]api.Account, 0, len(demoAccounts))
	for _, d := range demoAccounts {
		list = append(list, d.account)
	}
	if _, err := s.Importer.Import(ctx, list); err != nil {
		return "", fmt.Errorf("demo accounts: %w", err)
	}
	var b strings.Builder
	b.WriteString("Comptes de démonstration :\n")
	for _, d := range demoAccounts {
		pw := "(aucun)"
		if d.account.Password != nil {
			pw = *d.account.Password
		}
		fmt.Fprintf(&b, "  %-10s %-75s mot de passe : %s\n", d.account.Portal, d.note, pw)
	}
	return b.String(), nil
}
