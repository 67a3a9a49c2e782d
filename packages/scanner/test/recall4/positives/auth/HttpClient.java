public class PartnerClient {
    public HttpRequest build(URI uri) {
        return HttpRequest.newBuilder(uri)
            .header("Authorization", "Basic lTzcGGH6tNT9Pb0kCduSoycd/RGXHQT61F8w")
            .header("Accept", "application/json")
            .build();
    }
    public HttpRequest withToken(URI uri, String token) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).build();
    }
}
