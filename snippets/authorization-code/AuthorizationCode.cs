// Authorization code flow: the user signs in in a browser, the app exchanges the code.

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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

    static async Task RunAsync()
    {
        var identity = Address("KONTUR_IDENTITY_URL", Identity);
        var clientId = Setting("KONTUR_CLIENT_ID");
        var apiKey = Setting("KONTUR_API_KEY");
        // [START authorization_code]
        var state = RandomHex();  // ties the answer to this very request (against CSRF)
        Console.WriteLine("Open this address in a browser and sign in:");
        Console.WriteLine(AuthorizeUrl(identity, clientId, state));
        Console.WriteLine("Then paste the address the browser was sent to:");
        var code = CodeFrom((Console.ReadLine() ?? "").Trim(), state);

        var response = await PostAsync(identity + "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri,
            ["client_id"] = clientId,
            ["client_secret"] = apiKey,
        });
        var token = await AnswerAsync<Token>(response);
        Console.WriteLine("token_type: " + token.TokenType);
        Console.WriteLine("expires_in: " + token.ExpiresIn);
        Console.WriteLine("access_token: " + token.AccessToken);
        // [END authorization_code]
    }

    // The sign-in page's address; a fresh nonce, as OpenID Connect asks, goes into the ID token.
    static string AuthorizeUrl(string identity, string clientId, string state) =>
        identity + "/connect/authorize?response_type=code"
            + "&client_id=" + Uri.EscapeDataString(clientId)
            + "&redirect_uri=" + Uri.EscapeDataString(RedirectUri)
            + "&scope=" + Uri.EscapeDataString("openid extern.api")
            + "&state=" + state
            + "&nonce=" + RandomHex();

    // The code of the address the browser was sent to; a failure if sign-in failed or was forged.
    static string CodeFrom(string redirect, string state)
    {
        if (Parameter(redirect, "error") != "")
            throw new Failure(Parameter(redirect, "error") + ": "
                + Parameter(redirect, "error_description"));
        if (Parameter(redirect, "state") != state || Parameter(redirect, "code") == "")
            throw new Failure("The address has no code or a foreign state: start over");
        return Parameter(redirect, "code");
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

    [DataContract]
    class Token
    {
        [DataMember(Name = "token_type")] public string TokenType { get; set; } = "";
        [DataMember(Name = "expires_in")] public long ExpiresIn { get; set; }
        [DataMember(Name = "access_token")] public string AccessToken { get; set; } = "";
    }

    // -- helpers: settings, requests, answers ---------------------------------------------------

    static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

    // Main is not async: mono's compiler (mcs) does not accept an async Main. It ends with
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

    // The environment variable `name`; a failure naming it when it is unset.
    static string Setting(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(value) ? throw new Failure(name + " is not set") : value;
    }

    // The server's address: `variable` if set, else that of the KONTUR_SITE environment.
    static string Address(string variable, Dictionary<string, string> defaults)
    {
        var site = First(Environment.GetEnvironmentVariable("KONTUR_SITE"), "test");
        if (!defaults.ContainsKey(site))
            throw new Failure("KONTUR_SITE must be test or production");
        var url = First(Environment.GetEnvironmentVariable(variable), defaults[site]).TrimEnd('/');
        if (!url.StartsWith("http://") && !url.StartsWith("https://"))
            throw new Failure($"{variable} must start with http:// or https:// (it is {url})");
        return url;
    }

    static Task<HttpResponseMessage> PostAsync(string url, Dictionary<string, string> form) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) });

    // Send a request (the client has a timeout); a failure saying what to check if no answer.
    static async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        try
        {
            return await Http.SendAsync(request);
        }
        catch (TaskCanceledException)  // what HttpClient throws when the timeout is over
        {
            throw new Failure($"No answer from {request.RequestUri} in 30 s: try again later");
        }
        catch (HttpRequestException)
        {
            throw new Failure($"Cannot connect to {request.RequestUri}: is the server (or sandbox)"
                + " running? Check KONTUR_IDENTITY_URL and KONTUR_API_URL");
        }
    }

    // The JSON answer as a T; on an error, a failure with its code, description and trace id.
    static async Task<T> AnswerAsync<T>(HttpResponseMessage response) where T : class =>
        Answer<T>(response, await response.Content.ReadAsStringAsync());

    static T Answer<T>(HttpResponseMessage response, string body) where T : class
    {
        try
        {
            if (response.IsSuccessStatusCode)
                return Json<T>(body);
        }
        catch (SerializationException)
        {
            throw NotJson(response);
        }
        Problem problem;
        try
        {
            problem = Json<Problem>(body);
        }
        catch (SerializationException)
        {
            throw NotJson(response);
        }
        // The OpenID provider answers 400 (not 401) with an "error" code.
        var error = First(problem.Error, response.StatusCode.ToString());
        var description = problem.Description;
        var traceId = response.Headers.TryGetValues("X-Kontur-Trace-Id", out var values)
            ? string.Join(",", values) : "";
        throw new Failure($"{(int)response.StatusCode} {error}: {description}\n"
            + $"X-Kontur-Trace-Id: {traceId}");
    }

    static Failure NotJson(HttpResponseMessage response) => new Failure(
        $"{response.RequestMessage.RequestUri} answered HTTP {(int)response.StatusCode}, not JSON: wrong address?");

    // DataContractJsonSerializer: the JSON reader that .NET and mono both have.
    static T Json<T>(string json) where T : class
    {
        using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(json)))
            return new DataContractJsonSerializer(typeof(T)).ReadObject(stream) as T
                ?? throw new SerializationException("null");
    }

    static string First(params string[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";

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
