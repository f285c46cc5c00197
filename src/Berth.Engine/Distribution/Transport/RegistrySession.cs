using System.Net.Http.Headers;
using Berth.Core.Errors;
using Berth.Engine.Distribution.Auth;

namespace Berth.Engine.Distribution.Transport;

/// <summary>
/// A conversation with one registry for one operation: the endpoint that answered the /v2/ ping
/// (HTTPS, else plain HTTP when the registry is insecure, as dockerd falls back) and the auth its
/// challenge asks for: none, basic, or bearer tokens from the realm, fetched per scope set, cached,
/// and fetched again once when the registry answers 401 (expired or too narrow).
/// </summary>
public sealed class RegistrySession
{
    private readonly TokenCache _tokens;
    private readonly RegistryCredentials _credentials;
    private AuthChallenge? _challenge;

    private RegistrySession(HttpClient http, Uri baseUri, string domain, TokenCache tokens, RegistryCredentials credentials, AuthChallenge? challenge)
    {
        Http = http;
        BaseUri = baseUri;
        Domain = domain;
        _tokens = tokens;
        _credentials = credentials;
        _challenge = challenge;
    }

    /// <summary>A session over a given client and base address, without the /v2/ ping: for in-process fake registries in tests.</summary>
    internal static RegistrySession Over(HttpClient http, Uri baseUri, string domain) =>
        new(http, baseUri, domain, new TokenCache(), RegistryCredentials.Anonymous, challenge: null);

    public HttpClient Http { get; }
    public Uri BaseUri { get; }
    /// <summary>The registry part of references (docker.io, 127.0.0.1:5000).</summary>
    public string Domain { get; }
    public AuthChallenge? Challenge => _challenge;

    /// <summary>Pings /v2/ on each endpoint in turn and keeps the first that answers HTTP at all.</summary>
    public static async Task<RegistrySession> OpenAsync(RegistryTransport transport, TokenCache tokens, string domain, RegistryCredentials credentials, bool pull, CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var endpoint in transport.Endpoints(domain, pull))
        {
            var http = transport.ClientFor(endpoint.Authority);
            var ping = new Uri(endpoint, "v2/");
            var attempt = Environment.TickCount64;
            try
            {
                using var response = await http.GetAsync(ping, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                var challenge = (int)response.StatusCode == 401 ? PickChallenge(response) : null;
                return new RegistrySession(http, endpoint, domain, tokens, credentials, challenge);
            }
            catch (HttpRequestException e) when (!transport.CertificateRejectedSince(endpoint.Authority, attempt))
            {
                // A refused connection or a plain-HTTP server on the TLS port: try the next endpoint.
                last = new SystemFailureException($"Get \"{ping}\": {Describe(e, ping)}");
            }
            catch (HttpRequestException e)
            {
                // The server speaks TLS but is not trusted: say so rather than downgrading to HTTP.
                throw new SystemFailureException($"Get \"{ping}\": x509: certificate signed by unknown authority (add its CA to the registry's certs.d directory) ({Describe(e, ping)})");
            }
        }
        throw last ?? new SystemFailureException($"no endpoint for registry {domain}");
    }

    /// <summary>
    /// Sends a request made by <paramref name="create"/> (called again for the retry, so bodies can be
    /// re-opened), authorised for <paramref name="scopes"/>. A 401 with a fresh challenge triggers one retry.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, IReadOnlyList<string> scopes, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseHeadersRead)
    {
        var request = create();
        await AuthorizeAsync(request, scopes, refresh: false, cancellationToken);
        var response = await Http.SendAsync(request, completion, cancellationToken);
        if ((int)response.StatusCode != 401 || PickChallenge(response) is not { } challenge) return response;

        response.Dispose();
        request.Dispose();
        _challenge = challenge;
        // The challenge may name a wider scope (e.g. pull on a mount's source repository).
        var wanted = challenge["scope"] is { } extra ? scopes.Union(extra.Split(' ')).ToList() : scopes;
        request = create();
        await AuthorizeAsync(request, wanted, refresh: true, cancellationToken);
        return await Http.SendAsync(request, completion, cancellationToken);
    }

    public Uri Url(string relative) => new(BaseUri, relative);

    /// <summary>Whether the registry accepts these credentials at /v2/ (docker login's check).</summary>
    public async Task<bool> CheckLoginAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url("v2/")), [], cancellationToken);
        return response.IsSuccessStatusCode;
    }

    private async Task AuthorizeAsync(HttpRequestMessage request, IReadOnlyList<string> scopes, bool refresh, CancellationToken cancellationToken)
    {
        if (_challenge is null) return;
        if (_challenge.IsBasic)
        {
            if (_credentials.HasBasic) request.Headers.Authorization = TokenCache.BasicHeader(_credentials);
            return;
        }
        if (!_challenge.IsBearer) return;
        if (!string.IsNullOrEmpty(_credentials.RegistryToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _credentials.RegistryToken);
            return;
        }
        var token = await _tokens.GetAsync(Http, _challenge, scopes, _credentials, refresh, cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Bearer is preferred over Basic when a registry offers both, as docker's client does.</summary>
    private static AuthChallenge? PickChallenge(HttpResponseMessage response)
    {
        var challenges = response.Headers.WwwAuthenticate
            .SelectMany(h => AuthChallenge.Parse(h.Parameter is null ? h.Scheme : h.Scheme + " " + h.Parameter)).ToList();
        return challenges.FirstOrDefault(c => c.IsBearer) ?? challenges.FirstOrDefault(c => c.IsBasic);
    }

    public static string RepositoryScope(string repository, bool push) => $"repository:{repository}:{(push ? "pull,push" : "pull")}";

    /// <summary>
    /// The cause in the words dockerd (Go's net package) uses, which scripts match on:
    /// "dial tcp 127.0.0.1:1: connect: connection refused".
    /// </summary>
    private static string Describe(Exception e, Uri target)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        var address = $"{target.Host}:{target.Port}";
        if (inner is System.Net.Sockets.SocketException socket)
        {
            return socket.SocketErrorCode switch
            {
                System.Net.Sockets.SocketError.ConnectionRefused => $"dial tcp {address}: connect: connection refused",
                System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData => $"dial tcp: lookup {target.Host}: no such host",
                System.Net.Sockets.SocketError.TimedOut => $"dial tcp {address}: i/o timeout",
                System.Net.Sockets.SocketError.NetworkUnreachable or System.Net.Sockets.SocketError.HostUnreachable => $"dial tcp {address}: connect: network is unreachable",
                _ => $"dial tcp {address}: {socket.SocketErrorCode}",
            };
        }
        return inner == e ? e.Message : $"{e.Message} ({inner.Message})";
    }
}
