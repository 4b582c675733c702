package message

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestEveryProblemCodeHasBothLanguages walks the Code* constants of
// shared/api so a new code cannot ship without its sentences.
func TestEveryProblemCodeHasBothLanguages(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../api/api.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Code") {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		code := strings.Trim(lit.Value, `"`)
		n++
		if !HasProblem(code) {
			t.Errorf("code %s has no sentence", code)
		}
		if Problem(code, "fr") == Problem(code, "en") {
			t.Errorf("code %s: French and English are the same", code)
		}
		return true
	})
	if n < 20 {
		t.Fatalf("found %d codes, the parse missed them", n)
	}
}

func TestBlockedSentence(t *testing.T) {
	got := RecoveryBlocked("26/12/2022 - 14h33", "fr")
	want := "Le nombre maximum de demandes de renouvellement de mot de passe a été atteint. Le service de renouvellement de mot de passe est bloqué jusqu'au 26/12/2022 - 14h33 (heure de Paris)."
	if got != want {
		t.Fatalf("got %q", got)
	}
	if !strings.Contains(RecoveryBlocked("x", "en"), "Paris time") {
		t.Fatal("no English sentence")
	}
}
