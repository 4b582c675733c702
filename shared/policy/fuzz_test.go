package policy

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzCheck: no input makes the engine panic, the checklist always has one
// line per rule, OK agrees with the lines, and the verdict does not depend
// on the Unicode normal form the browser happened to send.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "Vague7Lune?", "Clé d'accès 🔑", "\x00\xff", "1 84 12 75 123 456 78", "25/12/1984"} {
		f.Add(s, s, "1984-12-25", "thomas.martin@tutanota.com")
	}
	profiles := []Policy{Strict(), Assure(), Employeur(), Adherent()}
	f.Fuzz(func(t *testing.T, password, current, birthdate, email string) {
		ctx := Context{NIR: current, Birthdate: birthdate, Email: email, Identifier: email}
		for _, p := range profiles {
			in := Input{Password: password, Confirm: password, Current: current, HasCurrent: current != "", Context: ctx}
			res := p.Check(in, "fr")
			if len(res.Rules) != len(p.Rules) {
				t.Fatalf("%s: %d lines for %d rules", p.ID, len(res.Rules), len(p.Rules))
			}
			ok := true
			for _, r := range res.Rules {
				ok = ok && r.OK
			}
			if ok != res.OK {
				t.Fatalf("%s: OK = %v but lines say %v", p.ID, res.OK, ok)
			}
			if res.Strength.Score < 0 || res.Strength.Score > 4 {
				t.Fatalf("%s: strength %d", p.ID, res.Strength.Score)
			}
			if res.OK && !utf8.ValidString(password) {
				t.Fatalf("%s accepted invalid UTF-8 %q", p.ID, password)
			}
			if utf8.ValidString(password) {
				nfd := norm.NFD.String(password)
				in2 := in
				in2.Password, in2.Confirm = nfd, nfd
				if p.TooLong(nfd) {
					continue
				}
				if got := p.Check(in2, "fr"); got.OK != res.OK {
					t.Fatalf("%s: NFC %q gives %v, NFD gives %v", p.ID, password, res.OK, got.OK)
				}
			}
		}
	})
}
