package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*.tmpl
var templates embed.FS

// Message is a rendered message.
type Message struct {
	To, Subject, Text, HTML string
}

// Data is what the templates see.
type Data struct {
	// To is the recipient's address.
	To string
	// PublicURL is the origin that links point to.
	PublicURL string
	// Link is the emailed link, for the link templates ("" otherwise).
	Link string
}

// Render renders the notice of args for publicURL (the origin links point
// to).
func Render(args NoticeArgs, publicURL string) (Message, error) {
	return RenderTemplate(args.Notice, Data{To: args.To, PublicURL: publicURL})
}

// RenderTemplate renders the template name (a notice kind or a link
// purpose) with d. The HTML body is the text one, escaped, in a small
// layout, with the link as a button.
func RenderTemplate(name string, d Data) (Message, error) {
	file := "templates/" + name + ".txt.tmpl"
	text, err := texttemplate.ParseFS(templates, file)
	if err != nil {
		return Message{}, fmt.Errorf("mail: no template %q: %w", name, err)
	}
	html, err := htmltemplate.ParseFS(templates, file, "templates/layout.html.tmpl")
	if err != nil {
		return Message{}, fmt.Errorf("mail: %w", err)
	}
	var subject, body, page bytes.Buffer
	if err := text.ExecuteTemplate(&subject, "subject", d); err != nil {
		return Message{}, fmt.Errorf("mail: %w", err)
	}
	if err := text.ExecuteTemplate(&body, "text", d); err != nil {
		return Message{}, fmt.Errorf("mail: %w", err)
	}
	if err := html.ExecuteTemplate(&page, "html", d); err != nil {
		return Message{}, fmt.Errorf("mail: %w", err)
	}
	return Message{To: d.To, Subject: strings.TrimSpace(subject.String()), Text: body.String(), HTML: page.String()}, nil
}
