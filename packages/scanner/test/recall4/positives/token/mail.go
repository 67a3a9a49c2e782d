package mail

import "github.com/mailgun/mailgun-go/v4"

const mailgunKey = "key-01620f08044478d3e0be8f9963e831c4"
const domain = "mg.acme.dev"

func New() *mailgun.MailgunImpl {
	return mailgun.NewMailgun(domain, mailgunKey)
}
var sendgridKey = "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"
