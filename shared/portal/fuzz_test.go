package portal

import (
	"encoding/json"
	"testing"
)

// FuzzDuration: a duration the configuration accepts is written back in a
// form that reads as the same duration, in text and in JSON.
func FuzzDuration(f *testing.F) {
	for _, s := range []string{"30m", "1h", "1h0m0s", "-5s", "0", "", "1.5h", "9223372036854775807ns", "1e3s", "30 m", "µs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d Duration
		if err := d.UnmarshalText([]byte(s)); err != nil {
			return
		}
		text, err := d.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Duration
		if err := back.UnmarshalText(text); err != nil || back != d {
			t.Fatalf("%q reads as %v, written %q, read back as %v (%v)", s, d.D(), text, back.D(), err)
		}
		j, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(j, &back); err != nil || back != d {
			t.Fatalf("%q: JSON %s reads back as %v (%v)", s, j, back.D(), err)
		}
	})
}
