public final class Constants {
    public static final String API_SECRET = "cPnkGCzwK4fOkuiyEEf2aNM5zYkn2T6F";
    public static final String MAPS_KEY = "AIzaKqEipo-YXEQnYGoZoaOfNFE2xhGlCAeMcbU";
    public static final String API_SECRET_HEADER = "X-Api-Secret";
    public static final String API_BASE = "https://api.acme.io";
}
