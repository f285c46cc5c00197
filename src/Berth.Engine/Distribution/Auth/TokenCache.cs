using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Berth.Core.Distribution;
using Berth.Core.Errors;
using Berth.Core.Oci;
using Berth.Engine.Distribution.Transport;

namespace Berth.Engine.Distribution.Auth;

/// <summary>
/// Bearer tokens per (realm, service, scopes, credentials), fetched from the challenge's realm and
/// reused until shortly before they expire, so a pull of many layers asks the token server once.
/// </summary>
public sealed class TokenCache
{
    // The spec's default when the server gives no lifetime.
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new();

    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    public async Task<string> GetAsync(HttpClient http, AuthChallenge challenge, IReadOnlyList<string> scopes, RegistryCredentials credentials, bool refresh, CancellationToken cancellationToken)
    {
        var realm = challenge["realm"] ?? throw new SystemFailureException("bearer challenge without realm");
        var service = challenge["service"];
        var key = string.Join('\n', realm, service, string.Join(' ', scopes.Order(StringComparer.Ordinal)), credentials.CacheKey);
        if (!refresh && _tokens.TryGetValue(key, out var cached) && cached.Expires > Clock()) return cached.Token;

        var reply = await FetchAsync(http, realm, service, scopes, credentials, cancellationToken);
        var token = reply.Token is { Length: > 0 } t ? t : reply.AccessToken is { Length: > 0 } a ? a
            : throw new SystemFailureException($"token server {realm} returned no token");
        var lifetime = reply.ExpiresIn > 0 ? TimeSpan.FromSeconds(reply.ExpiresIn) : DefaultLifetime;
        var issued = reply.IssuedAt ?? Clock();
        _tokens[key] = (token, issued + lifetime - Margin);
        return token;
    }

    /// <summary>Drops every cached token, e.g. after a registry said one was no longer good.</summary>
    public void Clear() => _tokens.Clear();

    private static async Task<TokenResponse> FetchAsync(HttpClient http, string realm, string? service, IReadOnlyList<string> scopes, RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        HttpRequestMessage request;
        if (!string.IsNullOrEmpty(credentials.IdentityToken))
        {
            // An identity token is an OAuth2 refresh token (docker's login with an OAuth server).
            var form = new List<KeyValuePair<string, string>>
            {
                new("grant_type", "refresh_token"), new("refresh_token", credentials.IdentityToken), new("client_id", "docker"),
            };
            if (service is not null) form.Add(new("service", service));
            if (scopes.Count > 0) form.Add(new("scope", string.Join(' ', scopes)));
            request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        }
        else
        {
            var query = new StringBuilder();
            void Add(string name, string value) => query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            if (service is not null) Add("service", service);
            foreach (var scope in scopes) Add("scope", scope);
            if (credentials.HasBasic)
            {
                Add("account", credentials.Username ?? "");
                Add("client_id", "docker");
            }
            var separator = realm.Contains('?') ? "&" : "";
            request = new HttpRequestMessage(HttpMethod.Get, realm + (separator.Length > 0 && query.Length > 0 ? "&" + query.ToString(1, query.Length - 1) : query.ToString()));
            if (credentials.HasBasic) request.Headers.Authorization = BasicHeader(credentials);
        }
        using (request)
        using (var response = await http.SendAsync(request, cancellationToken))
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var detail = RegistryErrorBody.Describe(body) ?? response.ReasonPhrase ?? response.StatusCode.ToString();
                var message = $"Get \"{request.RequestUri}\": {detail}";
                throw (int)response.StatusCode == 401 ? new UnauthorizedException(message) : new SystemFailureException(message);
            }
            try
            {
                return JsonSerializer.Deserialize(body, OciJsonContext.Default.TokenResponse) ?? new TokenResponse();
            }
            catch (JsonException e)
            {
                throw new SystemFailureException($"token server {realm} returned invalid JSON: {e.Message}");
            }
        }
    }

    public static AuthenticationHeaderValue BasicHeader(RegistryCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
}
