// Authorization code flow: the user signs in in a browser, the app exchanges the code.

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.UTF_8;

public class AuthorizationCode {
    static final Map<String, String> IDENTITY = Map.of(
            "test", "https://identity.testkontur.ru",
            "production", "https://identity.kontur.ru");
    // The sandbox's address; ask Kontur which one your client_id accepts.
    static final String REDIRECT_URI = "http://127.0.0.1:8400/callback";
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final SecureRandom RANDOM = new SecureRandom();

    public static void main(String[] args) throws IOException, InterruptedException {
        try {
            run();
        } catch (Failure failure) {
            System.err.println(failure.getMessage());
            System.exit(1);
        }
    }

    static void run() throws Failure, IOException, InterruptedException {
        String site = env("KONTUR_SITE", "test");
        if (!IDENTITY.containsKey(site)) {
            throw new Failure("KONTUR_SITE must be test or production");
        }
        String identity = env("KONTUR_IDENTITY_URL", IDENTITY.get(site)).replaceAll("/+$", "");
        String clientId = setting("KONTUR_CLIENT_ID");
        String apiKey = setting("KONTUR_API_KEY");

        // A fresh random state ties the answer to this very request (protection against CSRF).
        String state = randomHex();
        // A fresh nonce, as OpenID Connect asks: the provider puts it into the ID token it issues.
        String nonce = randomHex();
        System.out.println("Open this address in a browser and sign in:");
        System.out.println(identity + "/connect/authorize?response_type=code"
                + "&client_id=" + encode(clientId)
                + "&redirect_uri=" + encode(REDIRECT_URI)
                + "&scope=" + encode("openid extern.api")
                + "&state=" + state
                + "&nonce=" + nonce);
        System.out.println("Then paste the address the browser was sent to:");

        String redirect = new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
        redirect = redirect == null ? "" : redirect.strip();
        if (!parameter(redirect, "error").isEmpty()) {
            throw new Failure(parameter(redirect, "error") + ": "
                    + parameter(redirect, "error_description"));
        }
        if (!parameter(redirect, "state").equals(state) || parameter(redirect, "code").isEmpty()) {
            throw new Failure("The address has no code or a foreign state: start over");
        }

        String form = "grant_type=authorization_code"
                + "&code=" + URLEncoder.encode(parameter(redirect, "code"), UTF_8)
                + "&redirect_uri=" + URLEncoder.encode(REDIRECT_URI, UTF_8)
                + "&client_id=" + URLEncoder.encode(clientId, UTF_8)
                + "&client_secret=" + URLEncoder.encode(apiKey, UTF_8);
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

    /** Percent-encode `value` for a query (a space is %20, as in any URL, not +). */
    static String encode(String value) {
        return URLEncoder.encode(value, UTF_8).replace("+", "%20");
    }

    /** 16 random bytes from a cryptographic source, in hex. */
    static String randomHex() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The parameter `name` of the query of `address`, decoded, or "" if it has none. */
    static String parameter(String address, String name) {
        int start = address.indexOf('?');
        if (start < 0) {
            return "";
        }
        for (String pair : address.substring(start + 1).replaceFirst("#.*", "").split("&")) {
            String[] parts = pair.split("=", 2);
            if (parts.length == 2 && parts[0].equals(name)) {
                try {
                    return URLDecoder.decode(parts[1], UTF_8);
                } catch (IllegalArgumentException malformed) {
                    return "";
                }
            }
        }
        return "";
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
