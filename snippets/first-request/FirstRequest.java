// First call to the Extern API: get a token, then list the accounts (GET /v1).

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.UTF_8;

public class FirstRequest {
    static final Map<String, List<String>> SITES = Map.of( // the OpenID provider and the Extern API
            "test", List.of("https://identity.testkontur.ru", "https://extern-api.testkontur.ru"),
            "production", List.of("https://identity.kontur.ru", "https://extern-api.kontur.ru"));
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws InterruptedException {
        try {
            run();
        } catch (Failure failure) {
            System.err.println(failure.getMessage());
            System.exit(1);
        }
    }

    static void run() throws Failure, InterruptedException {
        String site = env("KONTUR_SITE", "test");
        if (!SITES.containsKey(site)) {
            throw new Failure("KONTUR_SITE must be test or production");
        }
        String identity = env("KONTUR_IDENTITY_URL", SITES.get(site).get(0)).replaceAll("/+$", "");
        String api = env("KONTUR_API_URL", SITES.get(site).get(1)).replaceAll("/+$", "");

        String form = "grant_type=client_credentials"
                + "&client_id=" + URLEncoder.encode(setting("KONTUR_CLIENT_ID"), UTF_8)
                + "&client_secret=" + URLEncoder.encode(setting("KONTUR_API_KEY"), UTF_8)
                + "&scope=extern.api";
        HttpResponse<String> response = send(HttpRequest
                .newBuilder(URI.create(identity + "/connect/token"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build());
        if (response.statusCode() / 100 != 2) {
            throw failure(response);
        }
        String accessToken = field(response.body(), "access_token");

        // The Extern API gets only the access token, never the api-key.
        response = send(HttpRequest
                .newBuilder(URI.create(api + "/v1?skip=0&take=10"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + accessToken)
                .build());
        if (response.statusCode() / 100 != 2) {
            throw failure(response);
        }
        // The organizations' names are Russian: print UTF-8 whatever the locale.
        new PrintStream(System.out, true, UTF_8).println(response.body());
    }

    /** The environment variable `name`, or `fallback` when it is unset or empty. */
    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    /** The environment variable `name`; a failure naming it when it is unset. */
    static String setting(String name) throws Failure {
        String value = env(name, "");
        if (value.isEmpty()) {
            throw new Failure(name + " is not set");
        }
        return value;
    }

    /** Send a request (it has a timeout); a clear failure if the server cannot be reached. */
    static HttpResponse<String> send(HttpRequest request) throws Failure, InterruptedException {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException error) {
            String reason = error.getClass().getSimpleName();
            throw new Failure("Cannot reach " + request.uri() + ": " + reason);
        }
    }

    /** The error code, its description and the trace id for support. */
    static Failure failure(HttpResponse<String> response) {
        // The OpenID provider answers 400 (not 401) with "error"; the Extern API uses "id".
        String error = field(response.body(), "error", "id");
        String description = field(response.body(), "error_description", "message");
        String traceId = response.headers().firstValue("X-Kontur-Trace-Id").orElse("");
        return new Failure(response.statusCode() + " " + (error.isEmpty() ? "HTTP error" : error)
                + ": " + description + "\nX-Kontur-Trace-Id: " + traceId);
    }

    /**
     * The first of the `names` that a flat JSON object has, as a string, or "" if none. The JDK
     * has no JSON parser and these answers are flat objects of a few known fields, so a pattern
     * is enough here (escapes are kept as sent); an application would use Jackson or Gson.
     */
    static String field(String json, String... names) {
        for (String name : names) {
            Matcher value = Pattern
                    .compile("\"" + name + "\"\\s*:\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([-0-9.]+))")
                    .matcher(json);
            if (value.find()) {
                return value.group(1) != null ? value.group(1) : value.group(2);
            }
        }
        return "";
    }

    /** A failure reported on one line, without a stack trace. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }
}
