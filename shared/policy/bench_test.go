package policy

import "testing"

// BenchmarkCheck measures one full checklist (every rule and the strength)
// for a typical password, as the browser runs it on each key press.
func BenchmarkCheck(b *testing.B) {
	ctx := Context{NIR: "1 84 12 75 123 456 78", Birthdate: "1984-12-25", Email: "thomas.martin@tutanota.com", Identifier: "thomas.martin@tutanota.com", MemberNumber: "99887766"}
	for _, tc := range []struct {
		p        Policy
		password string
	}{
		{Strict(), "vague lune marée haute"},
		{Assure(), "Vague7Lune?"},
		{Employeur(), "Vague12!x"},
		{Adherent(), "Vague7Lune?Mer"},
	} {
		in := Input{Password: tc.password, Confirm: tc.password, Current: "Ancien7Mot!", HasCurrent: true, Context: ctx}
		b.Run(tc.p.ID, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !tc.p.Check(in, "fr").OK {
					b.Fatal("typical password refused")
				}
			}
		})
	}
}
