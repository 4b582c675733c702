package policy

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// check runs p on password (confirmed identically unless confirm is set) and
// returns the ids of the failing rules.
type checkCase struct {
	name     string
	password string
	confirm  *string // nil: same as password
	current  string  // "" : no current password known
	want     []string
}

func runCases(t *testing.T, p Policy, ctx Context, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Password: tc.password, Confirm: tc.password, Context: ctx}
			if tc.confirm != nil {
				in.Confirm = *tc.confirm
			}
			if tc.current != "" {
				in.Current, in.HasCurrent = tc.current, true
			}
			res := p.Check(in, "fr")
			got := res.Failed()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%q: failing rules %v, want %v", tc.password, got, tc.want)
			}
			if res.OK != (len(tc.want) == 0) {
				t.Errorf("%q: OK = %v with failing %v", tc.password, res.OK, got)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestAssureSeedRules(t *testing.T) {
	ctx := Context{NIR: "1 84 12 75 123 456 78", Birthdate: "1984-12-25", Email: "thomas.martin@tutanota.com", Words: []string{"ameli"}}
	cases := []checkCase{
		{name: "valid", password: "Vague7Lune?", want: nil},
		{name: "8 characters is enough", password: "Vague7Lu", want: nil},
		{name: "50 characters is the maximum", password: "Vague7" + strings.Repeat("x", 44), want: nil},
		{name: "7 characters is too short", password: "Vague7L", want: []string{"length"}},
		{name: "51 characters is too long", password: "Vague7" + strings.Repeat("x", 45), want: []string{"length"}},
		{name: "no upper case", password: "vague7lune?", want: []string{"latin_case"}},
		{name: "no lower case", password: "VAGUE7LUNE?", want: []string{"latin_case"}},
		{name: "no digit nor special", password: "VagueLuneMer", want: []string{"digit_or_special"}},
		{name: "a digit is enough", password: "VagueLune7", want: nil},
		{name: "accent is not a Latin letter a to z", password: "Vagué7Lune?", want: []string{"allowed"}},
		{name: "hash is not in the list", password: "Vague7Lune#", want: []string{"allowed"}},
		{name: "space is not allowed", password: "Vague7 Lune", want: []string{"allowed"}},
		{name: "euro sign is a special", password: "VagueLune€", want: nil},
		{name: "part of the NIR", password: "Vague7512Lune", want: []string{"context"}},
		{name: "whole NIR", password: "Xy184127512345678", want: []string{"context"}},
		{name: "birth date dd/mm/yyyy", password: "Zorbak25/12/1984", want: []string{"context"}},
		{name: "birth year", password: "Lune1984Vague", want: []string{"context"}},
		{name: "day and month", password: "Vague2512Lune", want: []string{"context"}},
		{name: "portal name", password: "Ameli7Lune?", want: []string{"context"}},
		{name: "common password", password: "Motdepasse1", want: []string{"blocklist"}},
		{name: "common core decorated", password: "Azerty123!", want: []string{"blocklist"}},
		{name: "same as current", password: "Vague7Lune?", current: "Vague7Lune?", want: []string{"differs"}},
		{name: "differs from current", password: "Vague7Lune?", current: "Ancien7Mot!", want: nil},
		{name: "confirmation differs", password: "Vague7Lune?", confirm: ptr("Vague7Lune!"), want: []string{"confirm"}},
		{name: "empty", password: "", want: []string{"length", "latin_case", "digit_or_special", "allowed", "context", "blocklist", "differs", "confirm"}},
	}
	for _, c := range AssureSpecials {
		cases = append(cases, checkCase{name: "special " + string(c), password: "VagueLune" + string(c), want: nil})
	}
	runCases(t, Assure(), ctx, cases)
}

func TestEmployeurSeedRules(t *testing.T) {
	ctx := Context{Email: "kerbrat.yannig@example.fr", Identifier: "kerbrat.yannig@example.fr", Words: []string{"risquepro", "questionnaire"}}
	cases := []checkCase{
		{name: "valid", password: "Vague12!x", want: nil},
		{name: "8 characters", password: "Vagu12!x", want: nil},
		{name: "7 characters", password: "Vag12!x", want: []string{"length"}},
		{name: "one digit", password: "Vague1!xy", want: []string{"digits"}},
		{name: "two digits apart", password: "1Vague!x2", want: nil},
		{name: "no special", password: "Vague12xy", want: []string{"special"}},
		{name: "dash is not in the list", password: "Vague12-x", want: []string{"special"}},
		{name: "e-mail local part", password: "Kerbrat12!", want: []string{"context"}},
		{name: "portal name", password: "Risquepro12!", want: []string{"context"}},
		{name: "common password", password: "Password12!", want: []string{"blocklist"}},
		{name: "confirmation differs", password: "Vague12!x", confirm: ptr("Vague12!y"), want: []string{"confirm"}},
		{name: "same as current", password: "Vague12!x", current: "Vague12!x", want: []string{"differs"}},
	}
	for _, c := range EmployeurSpecials {
		cases = append(cases, checkCase{name: "special " + string(c), password: "Vague12x" + string(c), want: nil})
	}
	runCases(t, Employeur(), ctx, cases)
}

func TestAdherentSeedRules(t *testing.T) {
	ctx := Context{MemberNumber: "99887766", Identifier: "99887766", Email: "x.leclerc@example.org"}
	cases := []checkCase{
		{name: "valid", password: "Vague7Lune?Mer", want: nil},
		{name: "12 characters", password: "Vague7Lune?M", want: nil},
		{name: "11 characters", password: "Vague7Lune?", want: []string{"length"}},
		{name: "no upper case", password: "vague7lune?mer", want: []string{"upper"}},
		{name: "no digit", password: "VagueLune?Mer", want: []string{"digit"}},
		{name: "no special", password: "Vague7LuneMer", want: []string{"special"}},
		{name: "space is not a special", password: "Vague7 Lune Mer", want: []string{"special"}},
		{name: "apostrophe", password: "Vague7'LuneMer", want: []string{"forbidden"}},
		{name: "percent", password: "Vague7%LuneMer", want: []string{"forbidden"}},
		{name: "backslash", password: `Vague7\LuneMer`, want: []string{"forbidden"}},
		{name: "underscore", password: "Vague7_LuneMer", want: []string{"forbidden"}},
		{name: "member number", password: "Zorbak99887766!", want: []string{"context"}},
		{name: "e-mail piece", password: "Leclerc7Lune?Mer", want: []string{"context"}},
		{name: "common password", password: "Motdepasse123!", want: []string{"blocklist"}},
		{name: "confirmation differs", password: "Vague7Lune?Mer", confirm: ptr("Vague7Lune?Me"), want: []string{"confirm"}},
	}
	for _, c := range "!\"#$&()*+,-./:;<=>?@[]^`{|}~" {
		cases = append(cases, checkCase{name: "special " + string(c), password: "Vague7LuneMer" + string(c), want: nil})
	}
	runCases(t, Adherent(), ctx, cases)
}

func TestStrictProfile(t *testing.T) {
	ctx := Context{Identifier: "camille.durand@example.fr", Email: "camille.durand@example.fr", Birthdate: "1990-03-07"}
	cases := []checkCase{
		{name: "passphrase, no composition needed", password: "vague lune marée haute", want: nil},
		{name: "emoji and accents", password: "Clé d'accès 🔑 du matin", want: nil},
		{name: "11 characters", password: "vaguelunemx", want: []string{"length"}},
		{name: "128 characters", password: strings.Repeat("vaguelune", 14) + "xx", want: nil},
		{name: "129 characters", password: strings.Repeat("vaguelune", 14) + "xxx", want: []string{"length"}},
		{name: "control character", password: "vague\x07lune marée", want: []string{"printable"}},
		{name: "line separator", password: "vague\u2028lune marée", want: []string{"printable"}},
		{name: "common password", password: "motdepasse123", want: []string{"blocklist"}},
		{name: "birth date", password: "vague lune 07031990", want: []string{"context"}},
		{name: "e-mail local part", password: "camille.durand!!", want: []string{"context"}},
	}
	runCases(t, Strict(), ctx, cases)
}

func TestNFC(t *testing.T) {
	composed := "Clé d'accès du matin"
	decomposed := norm.NFD.String(composed)
	if composed == decomposed {
		t.Fatal("test needs a decomposable string")
	}
	res := Strict().Check(Input{Password: decomposed, Confirm: composed}, "fr")
	if !res.OK {
		t.Fatalf("NFD password with NFC confirmation: failing %v", res.Failed())
	}
	res = Strict().Check(Input{Password: composed, Current: decomposed, HasCurrent: true, Confirm: composed}, "fr")
	if got := res.Failed(); !reflect.DeepEqual(got, []string{"differs"}) {
		t.Fatalf("the same password in another normal form must count as the current one: failing %v", got)
	}
	if Normalize(decomposed) != composed {
		t.Fatal("Normalize does not give NFC")
	}
}

func TestByteCap(t *testing.T) {
	huge := strings.Repeat("é", DefaultMaxBytes) // 2 bytes each
	for _, p := range []Policy{Strict(), Assure(), Employeur(), Adherent()} {
		res := p.Check(Input{Password: huge, Confirm: huge}, "fr")
		if res.OK || res.Rules[0].ID != "length" || res.Rules[0].OK {
			t.Errorf("%s: an input over the byte cap must fail, length first: %+v", p.ID, res.Rules[0])
		}
		if !p.TooLong(huge) {
			t.Errorf("%s: TooLong(huge) = false", p.ID)
		}
	}
}

func TestLabels(t *testing.T) {
	for _, id := range []string{"strict", "assure", "employeur", "adherent"} {
		p, ok := ByID(id)
		if !ok || p.ID != id {
			t.Fatalf("ByID(%q) = %v, %v", id, p.ID, ok)
		}
		seen := map[string]bool{}
		for _, r := range p.Rules {
			if r.ID == "" || r.Label.FR == "" || r.Label.EN == "" || seen[r.ID] {
				t.Errorf("%s: rule %+v: empty id or label, or duplicate id", id, r)
			}
			seen[r.ID] = true
		}
		for _, floor := range []string{"context", "blocklist", "differs", "confirm"} {
			if !seen[floor] {
				t.Errorf("%s: the floor rule %q is missing", id, floor)
			}
		}
		fr := p.Check(Input{}, "fr").Rules[0].Label
		en := p.Check(Input{}, "en").Rules[0].Label
		if fr == en {
			t.Errorf("%s: French and English labels are the same: %q", id, fr)
		}
	}
	if _, ok := ByID("nope"); ok {
		t.Error("ByID(nope) found a profile")
	}
	// The seed's exact words.
	want := map[string]string{
		"assure/length":           "Comporter entre 8 et 50 caractères",
		"assure/context":          "Ne pas contenir votre n° de sécurité sociale, votre date de naissance ou une partie de celle-ci",
		"employeur/digits":        "Au moins 2 nombres",
		"employeur/special":       "Au moins 1 caractère spécial (@$!%*#?&)",
		"assure/digit_or_special": "Contenir un chiffre ou un caractère spécial parmi les suivants : ? ! $ € @ & ( ) - + _ = * % / < > , . : ;",
		"assure/allowed":          "Ne contenir que des caractères autorisés",
		"assure/confirm":          "Être identique à la saisie de confirmation",
		"employeur/length":        "Au moins 8 caractères",
		"adherent/forbidden":      "Sans apostrophe ('), pourcentage (%), antislash (\\) ni underscore (_)",
	}
	for key, label := range want {
		id, rule, _ := strings.Cut(key, "/")
		p, _ := ByID(id)
		found := false
		for _, r := range p.Rules {
			if r.ID == rule {
				found = true
				if r.Label.FR != label {
					t.Errorf("%s: label %q, want %q", key, r.Label.FR, label)
				}
			}
		}
		if !found {
			t.Errorf("%s: no such rule", key)
		}
	}
}

func TestStrength(t *testing.T) {
	ctx := Context{Email: "camille.durand@example.fr"}
	tests := []struct {
		password string
		min, max int
	}{
		{"", 0, 0},
		{"azerty", 0, 0},
		{"Azerty123!", 0, 0},
		{"camille.durand2024", 0, 0},
		{"aaaaaaaaaaaa", 0, 1},
		{"abcdefgh1234", 0, 1},
		{"Vague7Lu", 1, 2},
		{"Vague7Lune?Mer", 3, 4},
		{"k3#Vq9!zLp2@Wm8x", 4, 4},
		{"vague lune marée haute du soir", 4, 4},
	}
	for _, tt := range tests {
		s := Strict().Check(Input{Password: tt.password, Confirm: tt.password, Context: ctx}, "fr").Strength
		if s.Score < tt.min || s.Score > tt.max {
			t.Errorf("strength(%q) = %d (%s), want %d..%d", tt.password, s.Score, s.Label, tt.min, tt.max)
		}
		if s.Label == "" {
			t.Errorf("strength(%q) has no label", tt.password)
		}
	}
	if got := Strict().Check(Input{Password: "k3#Vq9!zLp2@Wm8x"}, "en").Strength.Label; got != "Very strong" {
		t.Errorf("English label = %q", got)
	}
}
