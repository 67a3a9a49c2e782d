package mail

import "github.com/mailgun/mailgun-go/v4"

const mailgunKey = "key-992900b4e3a86dc2f827ca68ff009aac"
const domain = "mg.acme.dev"

func New() *mailgun.MailgunImpl {
	return mailgun.NewMailgun(domain, mailgunKey)
}
var sendgridKey = "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"
