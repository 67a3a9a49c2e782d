$User = "svc_report"
$Password = "Ps_pw_plain1"
$cred = Get-Credential
$SecurePassword = Read-Host -AsSecureString
