package mail

import (
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

// The HTML part is written by hand rather than with html/template: the
// template spent 50 µs and 500 allocations a mail in reflection, the
// largest cost of delivering one. Every value is escaped with esc, the
// table html/template applies in text and quoted attributes; the link
// URLs are built by ResetURL from the configured base and a URL-safe
// token. TestHostileDataIsEscaped checks hostile values.
var esc = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

const (
	htmlHead = `<!DOCTYPE html>
<html lang="`
	htmlBody = `<body style="margin:0;padding:0;background-color:#eef1f5;">
<div role="article" aria-label="`
	htmlArticle = `" style="max-width:600px;margin:0 auto;padding:24px 16px;background-color:#ffffff;color:#1a1a1a;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;">
<p style="margin:0 0 24px;padding-bottom:12px;border-bottom:3px solid #0c419a;color:#0c419a;font-size:18px;font-weight:bold;">`
	htmlP     = "\n<p style=\"margin:0 0 16px;\">"
	htmlNote  = "\n<p style=\"margin:0 0 16px;color:#4a4a4a;font-size:14px;\">"
	htmlSmall = "\n<p style=\"margin:0 0 8px;color:#4a4a4a;font-size:13px;\">"
)

func (r *Renderer) renderHTML(m message) (string, error) {
	var b strings.Builder
	b.Grow(6 << 10)
	w := func(s ...string) {
		for _, x := range s {
			b.WriteString(x)
		}
	}
	e := func(s string) { esc.WriteString(&b, s) }
	w(htmlHead)
	e(m.Lang)
	w(`">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>`)
	e(m.Subject)
	w("</title>\n</head>\n", htmlBody)
	e(m.Subject)
	w(`" lang="`)
	e(m.Lang)
	w(htmlArticle)
	e(m.Brand)
	w("</p>")
	for _, bl := range m.Blocks {
		switch bl.Kind {
		case "button":
			w("\n<p style=\"margin:24px 0;\"><a href=\"")
			e(bl.URL)
			w(`" style="display:inline-block;padding:12px 24px;background-color:#0c419a;color:#ffffff;font-weight:bold;text-decoration:none;border-radius:4px;">`)
			e(bl.Text)
			w("</a></p>", "\n<p style=\"margin:0 0 16px;color:#4a4a4a;font-size:14px;\">")
			e(m.LinkHelp)
			w(`<br><a href="`)
			e(bl.URL)
			w(`" style="color:#0c419a;word-break:break-all;">`)
			e(bl.URL)
			w("</a></p>")
		case "code":
			w("\n<p style=\"margin:24px 0;font-family:'Courier New',Courier,monospace;font-size:32px;font-weight:bold;letter-spacing:6px;\" aria-label=\"")
			e(bl.Spoken)
			w(`">`)
			e(bl.Text)
			w("</p>")
		case "list":
			w("\n<p style=\"margin:0 0 8px;\">")
			e(bl.Text)
			w("</p>\n<ul style=\"margin:0 0 16px;padding-left:24px;\">")
			for _, it := range bl.Items {
				w("\n<li>")
				e(it)
				w("</li>")
			}
			w("\n</ul>")
		case "lines":
			w(htmlP)
			for i, l := range bl.Items {
				if i > 0 {
					w("<br>")
				}
				e(l)
			}
			w("</p>")
		case "note":
			w(htmlNote)
			e(bl.Text)
			w("</p>")
		default:
			w(htmlP)
			e(bl.Text)
			w("</p>")
		}
	}
	w("\n<hr style=\"margin:24px 0 12px;border:0;border-top:1px solid #c8cdd3;\">")
	for _, n := range m.Notes {
		w(htmlSmall)
		e(n)
		w("</p>")
	}
	w("\n<p style=\"margin:0;color:#4a4a4a;font-size:13px;\">")
	e(m.SentTo)
	e(m.To)
	w("</p>\n</div>\n</body>\n</html>\n")
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
