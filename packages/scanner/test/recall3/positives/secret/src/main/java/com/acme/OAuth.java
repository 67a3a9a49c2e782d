public class OAuth {
    private static final String CLIENT_SECRET = "BJCN15SBKo4wKEmoUDFydoCgSwbcKBzqg514RDTW";
    private final String secret = config.getString("oauth.secret");
    private static final String TOKEN_HEADER = "X-Auth-Token";
}
