using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Berth.Registry.Tests.Hosting;

/// <summary>Token mode end to end: challenge → realm → token → retry, as the docker client does it.</summary>
public sealed partial class TokenAuthTests : IAsyncLifetime
{
    private TestRegistry _registry = null!;

    public async ValueTask InitializeAsync()
    {
        var dir = TestRegistry.NewDir();
        File.WriteAllText(Path.Combine(dir, "htpasswd"),
            $"alice:{BCrypt.Net.BCrypt.HashPassword("wonderland", 4)}\nbob:{BCrypt.Net.BCrypt.HashPassword("builder", 4)}\n");
        File.WriteAllText(Path.Combine(dir, "config.yml"), """
            auth:
              htpasswd:
                path: htpasswd
              token:
                service: test-registry
                issuer: test-issuer
                expiration: 60
                anonymouspull: false
                access:
                  - account: alice
                    repository: "*"
                    actions: ["*"]
                    catalog: true
                  - account: "*"
                    repository: "shared/*"
                    actions: [pull]
                  - account: anonymous
                    repository: "public/*"
                    actions: [pull]
            """);
        _registry = await TestRegistry.StartAsync(dir, "--config", Path.Combine(dir, "config.yml"));
    }

    public async ValueTask DisposeAsync() => await _registry.DisposeAsync();

    [GeneratedRegex("(\\w+)=\"([^\"]*)\"")]
    private static partial Regex ChallengeParameter();

    private static Dictionary<string, string> Challenge(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var header = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", header.Scheme);
        return ChallengeParameter().Matches(header.Parameter!).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    /// <summary>Asks the realm for a token the way the docker client does (GET, Basic credentials, scope).</summary>
    private async Task<(HttpStatusCode Status, string? Token, JsonElement Body)> FetchTokenAsync(
        Dictionary<string, string> challenge, (string User, string Password)? credentials)
    {
        var url = $"{challenge["realm"]}?service={Uri.EscapeDataString(challenge["service"])}";
        if (challenge.TryGetValue("scope", out var scope)) url += $"&scope={Uri.EscapeDataString(scope)}";
        if (credentials is var (user, _)) url += $"&account={user}";
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (credentials is var (u, p)) request.Headers.Authorization = TestRegistry.Basic(u, p);
        using var response = await _registry.Client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, response.IsSuccessStatusCode ? body.GetProperty("token").GetString() : null, body);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _registry.Client.SendAsync(request);
    }

    [Fact]
    public async Task LoginFlowChallengesThenAcceptsTheToken()
    {
        using var first = await SendAsync(HttpMethod.Get, "/v2/", null);
        var challenge = Challenge(first);
        Assert.Equal(new Uri(_registry.BaseAddress, "/auth/token").ToString(), challenge["realm"]);
        Assert.Equal("test-registry", challenge["service"]);
        Assert.False(challenge.ContainsKey("scope"));
        Assert.Contains("\"code\":\"UNAUTHORIZED\"", await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        var (status, token, body) = await FetchTokenAsync(challenge, ("alice", "wonderland"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(token, body.GetProperty("access_token").GetString());
        Assert.Equal(60, body.GetProperty("expires_in").GetInt32());
        Assert.True(DateTimeOffset.TryParse(body.GetProperty("issued_at").GetString(), out _));
        Assert.Equal(3, token!.Split('.').Length);

        using var retried = await SendAsync(HttpMethod.Get, "/v2/", token);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);

        var (wrongStatus, _, _) = await FetchTokenAsync(challenge, ("alice", "rabbit"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongStatus);
        var (unknownStatus, _, _) = await FetchTokenAsync(challenge, ("mallory", "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, unknownStatus);
    }

    [Fact]
    public async Task PushNeedsAScopedTokenAndOtherUsersLackTheScope()
    {
        var data = Encoding.UTF8.GetBytes("token-protected layer");
        var digest = RegistryFixture.DigestOf(data);
        var path = $"/v2/alice/app/blobs/uploads/?digest={digest}";
        using var first = await SendAsync(HttpMethod.Post, path, null, new ByteArrayContent(data));
        var challenge = Challenge(first);
        Assert.Equal("repository:alice/app:pull,push", challenge["scope"]);
        Assert.False(challenge.ContainsKey("error"));

        var (_, aliceToken, _) = await FetchTokenAsync(challenge, ("alice", "wonderland"));
        using var pushed = await SendAsync(HttpMethod.Post, path, aliceToken, new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        using var pulled = await SendAsync(HttpMethod.Get, $"/v2/alice/app/blobs/{digest}", aliceToken);
        Assert.Equal(data, await pulled.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));

        // bob may not touch alice/app: his token carries no access, the registry says so.
        var (bobStatus, bobToken, bobBody) = await FetchTokenAsync(challenge, ("bob", "builder"));
        Assert.Equal(HttpStatusCode.OK, bobStatus);
        using var denied = await SendAsync(HttpMethod.Post, path, bobToken, new ByteArrayContent(data));
        var insufficient = Challenge(denied);
        Assert.Equal("insufficient_scope", insufficient["error"]);
        Assert.Equal("repository:alice/app:pull,push", insufficient["scope"]);

        // A token for one repository does not open another.
        using var elsewhere = await SendAsync(HttpMethod.Get, $"/v2/alice/other/blobs/{digest}", aliceToken);
        Assert.Equal("insufficient_scope", Challenge(elsewhere)["error"]);
    }

    [Fact]
    public async Task RulesGrantPullOnlyAndAnonymousWhereConfigured()
    {
        async Task<string?> Token(string scope, (string, string)? who) =>
            (await FetchTokenAsync(new() { ["realm"] = new Uri(_registry.BaseAddress, "/auth/token").ToString(), ["service"] = "test-registry", ["scope"] = scope }, who)).Token;

        var bobShared = await Token("repository:shared/base:pull,push", ("bob", "builder"));
        using var bobPull = await SendAsync(HttpMethod.Get, "/v2/shared/base/tags/list", bobShared);
        Assert.Equal(HttpStatusCode.NotFound, bobPull.StatusCode); // authorized; the repository just does not exist
        using var bobPush = await SendAsync(HttpMethod.Post, "/v2/shared/base/blobs/uploads/", bobShared);
        Assert.Equal("insufficient_scope", Challenge(bobPush)["error"]);

        var anonymousPublic = await Token("repository:public/x:pull", null);
        using var anonymousPull = await SendAsync(HttpMethod.Get, "/v2/public/x/tags/list", anonymousPublic);
        Assert.Equal(HttpStatusCode.NotFound, anonymousPull.StatusCode);
        var anonymousShared = await Token("repository:shared/base:pull", null);
        using var anonymousDenied = await SendAsync(HttpMethod.Get, "/v2/shared/base/tags/list", anonymousShared);
        Assert.Equal("insufficient_scope", Challenge(anonymousDenied)["error"]);

        using var catalogChallenge = await SendAsync(HttpMethod.Get, "/v2/_catalog", null);
        Assert.Equal("registry:catalog:*", Challenge(catalogChallenge)["scope"]);
        using var catalog = await SendAsync(HttpMethod.Get, "/v2/_catalog", await Token("registry:catalog:*", ("alice", "wonderland")));
        Assert.Equal(HttpStatusCode.OK, catalog.StatusCode);
        using var bobCatalog = await SendAsync(HttpMethod.Get, "/v2/_catalog", await Token("registry:catalog:*", ("bob", "builder")));
        Assert.Equal("insufficient_scope", Challenge(bobCatalog)["error"]);
    }

    [Fact]
    public async Task ForgedAndExpiredTokensAreInvalid()
    {
        var realm = new Dictionary<string, string>
        {
            ["realm"] = new Uri(_registry.BaseAddress, "/auth/token").ToString(), ["service"] = "test-registry", ["scope"] = "repository:alice/x:pull",
        };
        var (_, token, _) = await FetchTokenAsync(realm, ("alice", "wonderland"));
        var parts = token!.Split('.');
        var claims = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1].Replace('-', '+').Replace('_', '/'))));
        var forgedClaims = claims.Replace("alice/x", "alice/y");
        var forged = $"{parts[0]}.{Convert.ToBase64String(Encoding.UTF8.GetBytes(forgedClaims)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}.{parts[2]}";
        using var forgedResponse = await SendAsync(HttpMethod.Get, "/v2/alice/y/tags/list", forged);
        Assert.Equal("invalid_token", Challenge(forgedResponse)["error"]);
        using var garbage = await SendAsync(HttpMethod.Get, "/v2/", "not-a-token");
        Assert.Equal("invalid_token", Challenge(garbage)["error"]);

        using var valid = await SendAsync(HttpMethod.Get, "/v2/alice/x/tags/list", token);
        Assert.Equal(HttpStatusCode.NotFound, valid.StatusCode);
        _registry.Clock.Offset = TimeSpan.FromSeconds(61);
        try
        {
            using var expired = await SendAsync(HttpMethod.Get, "/v2/alice/x/tags/list", token);
            Assert.Equal("invalid_token", Challenge(expired)["error"]);
        }
        finally
        {
            _registry.Clock.Offset = TimeSpan.Zero;
        }

        static string Pad(string s) => s + new string('=', (4 - s.Length % 4) % 4);
    }

    [Fact]
    public async Task CrossRepositoryMountAlsoNeedsPullOnTheSource()
    {
        using var response = await SendAsync(HttpMethod.Post, $"/v2/alice/app/blobs/uploads/?mount={RegistryFixture.DigestOf([1])}&from=shared/base", null);
        Assert.Equal("repository:alice/app:pull,push repository:shared/base:pull", Challenge(response)["scope"]);
    }

    [Fact]
    public async Task WrongServiceIsRefused()
    {
        using var response = await _registry.Client.GetAsync("/auth/token?service=other&scope=repository:a:pull", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unknown service", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
