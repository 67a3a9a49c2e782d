package io.acme.notify

data class MailSettings(
    val host: String = "smtp.office365.com",
    val port: Int = 587,
    val username: String = "noreply@acme-corp.com",
    val password: String = "Welcome@123",
    val from: String = "noreply@acme-corp.com",
)

object Defaults {
    const val PASSWORD_MIN_LENGTH = 12
    val passwordRegex = Regex("^(?=.*[A-Z])(?=.*\\d).{12,}$")
}
