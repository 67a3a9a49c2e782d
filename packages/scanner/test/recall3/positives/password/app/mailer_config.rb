SMTP_SETTINGS = {
  address: "smtp.mailgun.org",
  port: 587,
  user_name: "postmaster@mg.acme.io",
  password: "Juniper!8841",
  authentication: :plain
}
LDAP = { host: 'ldap.corp', bind_dn: 'cn=svc', password: ENV['LDAP_PW'] }
REDIS = { :host => "cache", :password => "r3disSecr3t" }
