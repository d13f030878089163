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

// data is what the templates see.
type data struct {
	To        string
	PublicURL string
}

// Render renders the notice of args for publicURL (the origin links point
// to). The HTML body is the text one, escaped, in a small layout.
func Render(args NoticeArgs, publicURL string) (Message, error) {
	file := "templates/" + args.Notice + ".txt.tmpl"
	text, err := texttemplate.ParseFS(templates, file)
	if err != nil {
		return Message{}, fmt.Errorf("mail: no template for notice %q: %w", args.Notice, err)
	}
	html, err := htmltemplate.ParseFS(templates, file, "templates/layout.html.tmpl")
	if err != nil {
		return Message{}, fmt.Errorf("mail: %w", err)
	}
	d := data{To: args.To, PublicURL: publicURL}
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
	return Message{To: args.To, Subject: strings.TrimSpace(subject.String()), Text: body.String(), HTML: page.String()}, nil
}
