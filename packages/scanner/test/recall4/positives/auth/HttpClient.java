public class PartnerClient {
    public HttpRequest build(URI uri) {
        return HttpRequest.newBuilder(uri)
            .header("Authorization", "Basic Z3JhZmFuYTpTbFRyTmxMVl94")
            .header("Accept", "application/json")
            .build();
    }
    public HttpRequest withToken(URI uri, String token) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).build();
    }
}
