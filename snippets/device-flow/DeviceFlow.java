// Device flow: the user confirms the sign-in in a browser while the app polls for a token.

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

import static java.nio.charset.StandardCharsets.UTF_8;

public class DeviceFlow {
    static final Map<String, String> IDENTITY = Map.of(
            "test", "https://identity.testkontur.ru",
            "production", "https://identity.kontur.ru");
    static final String DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code";

    static void run() throws Failure, InterruptedException {
        String identity = address("KONTUR_IDENTITY_URL", IDENTITY);
        // [START device_flow]
        Map<String, String> client = Map.of(
                "client_id", setting("KONTUR_CLIENT_ID"),
                "client_secret", setting("KONTUR_API_KEY"), // the API key: never in the code
                "scope", "extern.api");
        Device device = answer(send(post(identity + "/connect/deviceauthorization", client)),
                Device.class);
        System.out.println("Open " + device.verificationUriComplete());
        System.out.println("or open " + device.verificationUri()
                + " and enter the code " + device.userCode());
        System.out.println("The code expires in " + device.expiresIn() + " s. Waiting...");

        Map<String, String> poll = new HashMap<>(client);
        poll.put("grant_type", DEVICE_CODE);
        poll.put("device_code", device.deviceCode());
        Token token = waitForToken(identity + "/connect/token", poll, device.interval());
        System.out.println("token_type: " + token.tokenType());
        System.out.println("expires_in: " + token.expiresIn());
        System.out.println("access_token: " + token.accessToken());
        // [END device_flow]
    }

    /** The answer of the device authorization endpoint. */
    record Device(@SerializedName("device_code") String deviceCode,
            @SerializedName("user_code") String userCode,
            @SerializedName("verification_uri") String verificationUri,
            @SerializedName("verification_uri_complete") String verificationUriComplete,
            @SerializedName("expires_in") long expiresIn,
            Integer interval) {
    }

    /** A token: the answer of the token endpoint. */
    record Token(@SerializedName("token_type") String tokenType,
            @SerializedName("expires_in") long expiresIn,
            @SerializedName("access_token") String accessToken) {
    }

    /** Poll the token endpoint until the user confirms (RFC 8628: `interval` seconds apart). */
    static Token waitForToken(String url, Map<String, String> poll, Integer interval)
            throws Failure, InterruptedException {
        long seconds = interval == null ? 5 : interval;
        while (true) {
            Thread.sleep(seconds * 1000);
            HttpResponse<String> response = send(post(url, poll));
            String error = "";
            if (response.statusCode() == 400) {
                try {
                    error = first(JsonParser.parseString(response.body()).getAsJsonObject(), "error");
                } catch (JsonParseException | IllegalStateException notAnObject) {
                    // answer() says so
                }
            }
            if (error.equals("authorization_pending")) { // the user has not confirmed yet
                continue;
            }
            if (error.equals("slow_down")) { // polled too often: wait 5 s longer from now on
                seconds += 5;
                continue;
            }
            return answer(response, Token.class); // or a failure: expired_token, access_denied
        }
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
