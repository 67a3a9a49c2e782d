object Config {
    val user = "mobile"
    val password = "Kt_Pass_9921"
    val apiPassword = BuildConfig.API_PASSWORD
}
