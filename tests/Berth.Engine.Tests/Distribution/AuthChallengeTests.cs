using Berth.Engine.Distribution;
using Berth.Engine.Distribution.Auth;
using Xunit;

namespace Berth.Engine.Tests.Distribution;

public sealed class AuthChallengeTests
{
    [Fact]
    public void ParsesDockerHubsBearerChallenge()
    {
        var challenge = Assert.Single(AuthChallenge.Parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\""));
        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.docker.io/token", challenge["realm"]);
        Assert.Equal("registry.docker.io", challenge["service"]);
        Assert.Equal("repository:library/busybox:pull", challenge["scope"]);
    }

    [Fact]
    public void ParsesBasicAndSeveralChallenges()
    {
        var challenges = AuthChallenge.Parse("Basic realm=\"test\", Bearer realm=\"https://a/t\", service=reg");
        Assert.Equal(2, challenges.Count);
        Assert.True(challenges[0].IsBasic);
        Assert.Equal("test", challenges[0]["realm"]);
        Assert.True(challenges[1].IsBearer);
        Assert.Equal("reg", challenges[1]["SERVICE"]);
    }

    [Fact]
    public void UnescapesQuotedValuesAndKeepsCommasInside()
    {
        var challenge = Assert.Single(AuthChallenge.Parse("Bearer realm=\"a \\\"b\\\"\",scope=\"repository:x:pull,push\""));
        Assert.Equal("a \"b\"", challenge["realm"]);
        Assert.Equal("repository:x:pull,push", challenge["scope"]);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("myreg:5000", true)]
    [InlineData("10.1.2.3:443", true)]
    [InlineData("registry.example.com", false)]
    [InlineData("11.0.0.1:5000", false)]
    public void InsecureRegistriesAreLoopbackNamesAndCidrs(string host, bool insecure)
    {
        var options = new RegistryOptions(["myreg:5000", "10.0.0.0/8"], [], "/nonexistent");
        Assert.Equal(insecure, options.IsInsecure(host));
        Assert.Equal(["127.0.0.0/8", "10.0.0.0/8"], options.InsecureCidrs);
        Assert.Equal(["myreg:5000"], options.InsecureHosts);
    }

    [Fact]
    public void CachesTokensUntilTheyExpire()
    {
        // A token server that counts requests; the cache must ask once per scope set and lifetime.
        var requests = 0;
        var now = DateTimeOffset.Parse("2024-01-01T00:00:00Z");
        var handler = new StubHandler(_ =>
        {
            requests++;
            return "{\"token\":\"t" + requests + "\",\"expires_in\":60}";
        });
        using var http = new HttpClient(handler);
        var cache = new TokenCache { Clock = () => now };
        var challenge = AuthChallenge.Parse("Bearer realm=\"http://auth.test/token\",service=\"reg\"")[0];
        string Get(params string[] scopes) => cache.GetAsync(http, challenge, scopes, RegistryCredentials.Anonymous, false, default).GetAwaiter().GetResult();

        Assert.Equal("t1", Get("repository:a:pull"));
        Assert.Equal("t1", Get("repository:a:pull"));
        Assert.Equal("t2", Get("repository:b:pull"));
        now = now.AddSeconds(55); // inside the 10 s safety margin: refreshed
        Assert.Equal("t3", Get("repository:a:pull"));
        Assert.Contains("scope=repository%3Aa%3Apull", handler.LastUri!.Query);
        Assert.Contains("service=reg", handler.LastUri!.Query);
    }

    private sealed class StubHandler(Func<HttpRequestMessage, string> respond) : HttpMessageHandler
    {
        public Uri? LastUri { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastUri = request.RequestUri;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(respond(request)) });
        }
    }
}
