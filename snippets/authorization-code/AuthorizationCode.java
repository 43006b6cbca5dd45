// Authorization code flow: the user signs in in a browser, the app exchanges the code.

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.annotations.SerializedName;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;

import static java.nio.charset.StandardCharsets.UTF_8;

public class AuthorizationCode {
    static final Map<String, String> IDENTITY = Map.of(
            "test", "https://identity.testkontur.ru",
            "production", "https://identity.kontur.ru");
    static final String REDIRECT_URI = "http://127.0.0.1:8400/callback"; // the sandbox's; ask Kontur for yours
    static final SecureRandom RANDOM = new SecureRandom();

    static void run() throws Failure, InterruptedException {
        String identity = address("KONTUR_IDENTITY_URL", IDENTITY);
        String clientId = setting("KONTUR_CLIENT_ID");
        String apiKey = setting("KONTUR_API_KEY");
        // [START authorization_code]
        String state = randomHex(); // ties the answer to this very request (against CSRF)
        System.out.println("Open this address in a browser and sign in:");
        System.out.println(authorizeUrl(identity, clientId, state));
        System.out.println("Then paste the address the browser was sent to:");
        String code = codeFrom(readLine(), state);

        HttpRequest request = post(identity + "/connect/token", Map.of(
                "grant_type", "authorization_code",
                "code", code,
                "redirect_uri", REDIRECT_URI,
                "client_id", clientId,
                "client_secret", apiKey));
        Token token = answer(send(request), Token.class);
        System.out.println("token_type: " + token.tokenType());
        System.out.println("expires_in: " + token.expiresIn());
        System.out.println("access_token: " + token.accessToken());
        // [END authorization_code]
    }

    /** A token: the answer of the token endpoint. */
    record Token(@SerializedName("token_type") String tokenType,
            @SerializedName("expires_in") long expiresIn,
            @SerializedName("access_token") String accessToken) {
    }

    /** The sign-in page's address; a fresh nonce, as OpenID Connect asks, goes into the ID token. */
    static String authorizeUrl(String identity, String clientId, String state) {
        return identity + "/connect/authorize?response_type=code"
                + "&client_id=" + encode(clientId)
                + "&redirect_uri=" + encode(REDIRECT_URI)
                + "&scope=" + encode("openid extern.api")
                + "&state=" + state
                + "&nonce=" + randomHex();
    }

    /** The code of the address the browser was sent to; a failure if sign-in failed or was forged. */
    static String codeFrom(String redirect, String state) throws Failure {
        if (!parameter(redirect, "error").isEmpty()) {
            throw new Failure(parameter(redirect, "error") + ": "
                    + parameter(redirect, "error_description"));
        }
        if (!parameter(redirect, "state").equals(state) || parameter(redirect, "code").isEmpty()) {
            throw new Failure("The address has no code or a foreign state: start over");
        }
        return parameter(redirect, "code");
    }

    /** One line the user types, or "" at the end of the input. */
    static String readLine() {
        try {
            String line = new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            return line == null ? "" : line.strip();
        } catch (IOException error) {
            return "";
        }
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

    // -- helpers: settings, requests, answers -------------------------------------------------

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    static final Gson GSON = new Gson();

    public static void main(String[] args) throws InterruptedException {
        try {
            run();
        } catch (Failure failure) {
            System.err.println(failure.getMessage());
            System.exit(1);
        }
    }

    /** The environment variable `name`; a failure naming it when it is unset. */
    static String setting(String name) throws Failure {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            throw new Failure(name + " is not set");
        }
        return value;
    }

    /** The server's address: `variable` if set, else that of the KONTUR_SITE environment. */
    static String address(String variable, Map<String, String> defaults) throws Failure {
        String site = System.getenv().getOrDefault("KONTUR_SITE", "");
        site = site.isEmpty() ? "test" : site;
        if (!defaults.containsKey(site)) {
            throw new Failure("KONTUR_SITE must be test or production");
        }
        String url = System.getenv().getOrDefault(variable, "");
        url = (url.isEmpty() ? defaults.get(site) : url).replaceAll("/+$", "");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new Failure(variable + " must start with http:// or https:// (it is " + url + ")");
        }
        return url;
    }

    /** A POST of the HTML form `fields`. */
    static HttpRequest post(String url, Map<String, String> fields) {
        String form = fields.entrySet().stream()
                .map(field -> field.getKey() + "=" + URLEncoder.encode(field.getValue(), UTF_8))
                .collect(Collectors.joining("&"));
        return HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
    }

    /** Send a request with a timeout; a failure saying what to check if there is no answer. */
    static HttpResponse<String> send(HttpRequest request) throws Failure, InterruptedException {
        HttpRequest timed = HttpRequest.newBuilder(request, (name, value) -> true)
                .timeout(Duration.ofSeconds(30))
                .build();
        try {
            return HTTP.send(timed, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException error) {
            throw new Failure("No answer from " + request.uri() + " in 30 s: try again later");
        } catch (IOException error) {
            throw new Failure("Cannot connect to " + request.uri() + ": is the server (or sandbox)"
                    + " running? Check KONTUR_IDENTITY_URL and KONTUR_API_URL");
        }
    }

    /** The JSON answer as a `type`; on an error, a failure with its code, description, trace id. */
    static <T> T answer(HttpResponse<String> response, Class<T> type) throws Failure {
        JsonObject body;
        try {
            body = JsonParser.parseString(response.body()).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException notAnObject) {
            throw new Failure(response.uri() + " answered HTTP " + response.statusCode()
                    + ", not JSON: wrong address?");
        }
        if (response.statusCode() / 100 != 2) {
            // The OpenID provider answers 400 (not 401) with an "error" code.
            String traceId = response.headers().firstValue("X-Kontur-Trace-Id").orElse("");
            throw new Failure(response.statusCode() + " " + first(body, "error") + ": " + first(body, "error_description")
                    + "\nX-Kontur-Trace-Id: " + traceId);
        }
        return GSON.fromJson(body, type);
    }

    /** The first of the string fields `names` that `body` has, or "". */
    static String first(JsonObject body, String... names) {
        for (String name : names) {
            JsonElement value = body.get(name);
            if (value != null && value.isJsonPrimitive()) {
                return value.getAsString();
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
