// Authorization code flow: the user signs in in a browser, the app exchanges the code.

using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;

class AuthorizationCode
{
    static readonly Dictionary<string, string> Identity = new Dictionary<string, string>
    {
        ["test"] = "https://identity.testkontur.ru",
        ["production"] = "https://identity.kontur.ru",
    };
    const string RedirectUri = "http://127.0.0.1:8400/callback";  // the sandbox's; ask Kontur for yours
    static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

    // Main is not async (mono's compiler, mcs, does not support that) and ends with
    // Environment.Exit: after HttpClient calls, mono may hang at exit when Main returns.
    static void Main()
    {
        var status = 0;
        try
        {
            RunAsync().GetAwaiter().GetResult();
        }
        catch (Failure failure)
        {
            Console.Error.WriteLine(failure.Message);
            status = 1;
        }
        Environment.Exit(status);
    }

    static async Task RunAsync()
    {
        var site = Env("KONTUR_SITE", "test");
        if (!Identity.ContainsKey(site))
            throw new Failure("KONTUR_SITE must be test or production");
        var identity = Env("KONTUR_IDENTITY_URL", Identity[site]).TrimEnd('/');
        var clientId = Setting("KONTUR_CLIENT_ID");
        var apiKey = Setting("KONTUR_API_KEY");

        // A fresh random state ties the answer to this very request (protection against CSRF).
        var state = RandomHex();
        // A fresh nonce, as OpenID Connect asks: the provider puts it into the ID token it issues.
        var nonce = RandomHex();
        Console.WriteLine("Open this address in a browser and sign in:");
        Console.WriteLine(identity + "/connect/authorize?response_type=code"
            + "&client_id=" + Uri.EscapeDataString(clientId)
            + "&redirect_uri=" + Uri.EscapeDataString(RedirectUri)
            + "&scope=" + Uri.EscapeDataString("openid extern.api")
            + "&state=" + state
            + "&nonce=" + nonce);
        Console.WriteLine("Then paste the address the browser was sent to:");

        var redirect = (Console.ReadLine() ?? "").Trim();
        if (Parameter(redirect, "error") != "")
            throw new Failure(Parameter(redirect, "error") + ": "
                + Parameter(redirect, "error_description"));
        if (Parameter(redirect, "state") != state || Parameter(redirect, "code") == "")
            throw new Failure("The address has no code or a foreign state: start over");

        var request = new HttpRequestMessage(HttpMethod.Post, identity + "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = Parameter(redirect, "code"),
                ["redirect_uri"] = RedirectUri,
                ["client_id"] = clientId,
                ["client_secret"] = apiKey,
            }),
        };
        var response = await SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw Failed(response, body);
        var token = Json<Token>(body);

        Console.WriteLine("token_type: " + token.TokenType);
        Console.WriteLine("expires_in: " + token.ExpiresIn);
        Console.WriteLine("access_token: " + token.AccessToken);
    }

    // The environment variable `name`, or `fallback` when it is unset or empty.
    static string Env(string name, string fallback)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(value) ? fallback : value;
    }

    // The environment variable `name`; a failure naming it when it is unset.
    static string Setting(string name)
    {
        var value = Env(name, "");
        if (value.Length == 0)
            throw new Failure(name + " is not set");
        return value;
    }

    // 16 random bytes from a cryptographic source, in hex.
    static string RandomHex()
    {
        var bytes = new byte[16];
        using (var random = RandomNumberGenerator.Create())
            random.GetBytes(bytes);
        return BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
    }

    // The parameter `name` of the query of `address`, decoded, or "" if it has none.
    static string Parameter(string address, string name)
    {
        var start = address.IndexOf('?');
        if (start < 0)
            return "";
        foreach (var pair in address.Substring(start + 1).Split('#')[0].Split('&'))
        {
            var parts = pair.Split(new[] { '=' }, 2);
            if (parts.Length == 2 && parts[0] == name)
                return Uri.UnescapeDataString(parts[1].Replace('+', ' '));
        }
        return "";
    }

    // Send a request (the client has a timeout); a clear failure if the server cannot be reached.
    static async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        try
        {
            return await Http.SendAsync(request);
        }
        catch (HttpRequestException error)
        {
            throw new Failure($"Cannot reach {request.RequestUri}: {error.GetType().Name}");
        }
        catch (TaskCanceledException)  // what HttpClient throws when the timeout is over
        {
            throw new Failure($"Cannot reach {request.RequestUri}: Timeout");
        }
    }

    // The error code, its description and the trace id for support.
    static Failure Failed(HttpResponseMessage response, string body)
    {
        Problem problem;
        try
        {
            problem = Json<Problem>(body);
        }
        catch (SerializationException)  // not JSON
        {
            problem = new Problem();
        }
        // The OpenID provider answers 400 (not 401) with an "error" code.
        var error = string.IsNullOrEmpty(problem.Error)
            ? response.StatusCode.ToString() : problem.Error;
        var traceId = response.Headers.TryGetValues("X-Kontur-Trace-Id", out var values)
            ? string.Join(",", values) : "";
        return new Failure($"{(int)response.StatusCode} {error}: {problem.Description}\n"
            + $"X-Kontur-Trace-Id: {traceId}");
    }

    // DataContractJsonSerializer: the JSON reader that .NET and mono both have.
    static T Json<T>(string json) where T : class
    {
        using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(json)))
            return new DataContractJsonSerializer(typeof(T)).ReadObject(stream) as T
                ?? throw new SerializationException("null");
    }

    [DataContract]
    class Token
    {
        [DataMember(Name = "token_type")] public string TokenType { get; set; } = "";
        [DataMember(Name = "expires_in")] public int ExpiresIn { get; set; }
        [DataMember(Name = "access_token")] public string AccessToken { get; set; } = "";
    }

    [DataContract]
    class Problem
    {
        [DataMember(Name = "error")] public string Error { get; set; } = "";
        [DataMember(Name = "error_description")] public string Description { get; set; } = "";
    }

    // A failure reported on one line, without a stack trace.
    class Failure : Exception
    {
        public Failure(string message) : base(message) { }
    }
}
