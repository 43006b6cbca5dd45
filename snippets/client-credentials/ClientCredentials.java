// Client credentials flow: exchange the service name and api-key for an access token.

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.UTF_8;

public class ClientCredentials {
    static final Map<String, String> IDENTITY = Map.of(
            "test", "https://identity.testkontur.ru",
            "production", "https://identity.kontur.ru");
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
        if (!IDENTITY.containsKey(site)) {
            throw new Failure("KONTUR_SITE must be test or production");
        }
        String identity = env("KONTUR_IDENTITY_URL", IDENTITY.get(site)).replaceAll("/+$", "");

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
        String token = response.body();

        System.out.println("token_type: " + field(token, "token_type"));
        System.out.println("expires_in: " + field(token, "expires_in"));
        System.out.println("access_token: " + field(token, "access_token"));
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
        // The OpenID provider answers 400 (not 401) with an "error" code.
        String error = field(response.body(), "error");
        String description = field(response.body(), "error_description");
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
