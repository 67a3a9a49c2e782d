object Endpoints {
    const val PROXY = "http://proxyuser:Pr0xy!pass@proxy.corp.acme.com:3128"
    const val API = "https://api.acme.com/v1"
    val userInfoFormat = "https://%s:%s@%s"
}
