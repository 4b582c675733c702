package mail

import (
	"bytes"
	_ "embed"
	"html/template"
	"strings"
)

// message is a mail before layout: the same content gives the text and
// the HTML part.
type message struct {
	Lang     string
	Subject  string
	Brand    string // sender's name, shown as a header
	To       string
	LinkHelp string // "If the button does not work…"
	SentTo   string // "Ce message a été envoyé à "
	Blocks   []block
	Notes    []string // small print after a rule
}

// block is one piece of a mail body.
type block struct {
	Kind   string // "p", "note", "button", "code", "list" or "lines"
	Text   string // paragraph, button label, code, or list introduction
	URL    string // button
	Items  []string
	Spoken string // code: digits spaced for screen readers
}

func para(s string) block { return block{Kind: "p", Text: s} }

func note(s string) block { return block{Kind: "note", Text: s} }

func button(label, url string) block { return block{Kind: "button", Text: label, URL: url} }

func lines(l ...string) block { return block{Kind: "lines", Items: l} }

func list(intro string, items []string) block { return block{Kind: "list", Text: intro, Items: items} }

func codeBlock(code string) block {
	return block{Kind: "code", Text: code, Spoken: strings.Join(strings.Split(code, ""), " ")}
}

//go:embed mail.html
var htmlSource string

var htmlTemplate = template.Must(template.New("mail").Parse(htmlSource))

func (r *Renderer) renderHTML(m message) (string, error) {
	var b bytes.Buffer
	if err := r.html.Execute(&b, m); err != nil {
		return "", err
	}
	return b.String(), nil
}

// renderText lays the message out as plain text; every link stands alone
// on its line.
func renderText(m message) string {
	colon := " :" // French typography
	if m.Lang == "en" {
		colon = ":"
	}
	var b strings.Builder
	for _, bl := range m.Blocks {
		switch bl.Kind {
		case "button":
			b.WriteString(bl.Text + colon + "\n" + bl.URL + "\n")
		case "code":
			b.WriteString("    " + bl.Text + "\n")
		case "list":
			b.WriteString(bl.Text + "\n")
			for _, it := range bl.Items {
				b.WriteString("  - " + it + "\n")
			}
		case "lines":
			b.WriteString(strings.Join(bl.Items, "\n") + "\n")
		default:
			b.WriteString(bl.Text + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("--\n")
	for _, n := range m.Notes {
		b.WriteString(n + "\n")
	}
	b.WriteString(m.SentTo + m.To + "\n")
	return b.String()
}
