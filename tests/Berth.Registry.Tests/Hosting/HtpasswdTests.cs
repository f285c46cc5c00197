using System.Net;
using System.Text;
using Berth.Registry.Auth;
using Xunit;

namespace Berth.Registry.Tests.Hosting;

public sealed class HtpasswdTests : IAsyncLifetime
{
    private TestRegistry _registry = null!;

    public async ValueTask InitializeAsync()
    {
        var dir = TestRegistry.NewDir();
        // Low cost keeps the test fast; $2y$ is what `htpasswd -B` writes.
        var alice = BCrypt.Net.BCrypt.HashPassword("wonderland", 4).Replace("$2a$", "$2y$");
        var bob = BCrypt.Net.BCrypt.HashPassword("builder", 4);
        File.WriteAllText(Path.Combine(dir, "htpasswd"), $"alice:{alice}\nbob:{bob}\nmd5user:$apr1$abc$def\n");
        _registry = await TestRegistry.StartAsync(dir, "--htpasswd", Path.Combine(dir, "htpasswd"));
    }

    public async ValueTask DisposeAsync() => await _registry.DisposeAsync();

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, (string, string)? credentials, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (credentials is var (user, password)) request.Headers.Authorization = TestRegistry.Basic(user, password);
        return await _registry.Client.SendAsync(request);
    }

    [Fact]
    public async Task V2RequiresCredentialsLikeDockerLoginExpects()
    {
        using var anonymous = await Send(HttpMethod.Get, "/v2/", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic realm=\"berth-registry\"", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Contains("\"code\":\"UNAUTHORIZED\"", await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("registry/2.0", anonymous.Headers.GetValues("Docker-Distribution-API-Version").Single());

        using var wrong = await Send(HttpMethod.Get, "/v2/", ("alice", "rabbit"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var unknown = await Send(HttpMethod.Get, "/v2/", ("carol", "wonderland"));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        using var md5 = await Send(HttpMethod.Get, "/v2/", ("md5user", "anything"));
        Assert.Equal(HttpStatusCode.Unauthorized, md5.StatusCode);
        Assert.Contains("not bcrypt-hashed", _registry.Log);

        using var alice = await Send(HttpMethod.Get, "/v2/", ("alice", "wonderland"));
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        using var bob = await Send(HttpMethod.Get, "/v2/", ("bob", "builder"));
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
    }

    [Fact]
    public async Task EveryRegistryRouteRequiresCredentials()
    {
        var data = Encoding.UTF8.GetBytes("authenticated blob");
        var digest = RegistryFixture.DigestOf(data);
        using var refused = await Send(HttpMethod.Post, $"/v2/team/app/blobs/uploads/?digest={digest}", null, new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(_registry.Root, "repositories", "team")));

        using var pushed = await Send(HttpMethod.Post, $"/v2/team/app/blobs/uploads/?digest={digest}", ("alice", "wonderland"), new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        using var anonymousPull = await Send(HttpMethod.Get, $"/v2/team/app/blobs/{digest}", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousPull.StatusCode);
        using var pulled = await Send(HttpMethod.Get, $"/v2/team/app/blobs/{digest}", ("bob", "builder"));
        Assert.Equal(data, await pulled.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        using var catalog = await Send(HttpMethod.Get, "/v2/_catalog", null);
        Assert.Equal(HttpStatusCode.Unauthorized, catalog.StatusCode);
    }

    [Fact]
    public async Task UsersAddedToTheFileCanLogInWithoutRestart()
    {
        using (var before = await Send(HttpMethod.Get, "/v2/", ("carol", "new")))
            Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);
        var file = Path.Combine(_registry.Dir, "htpasswd");
        File.AppendAllText(file, $"carol:{BCrypt.Net.BCrypt.HashPassword("new", 4)}\n");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5)); // a distinct mtime even on coarse clocks
        using var after = await Send(HttpMethod.Get, "/v2/", ("carol", "new"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        using var alice = await Send(HttpMethod.Get, "/v2/", ("alice", "wonderland"));
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
    }

    [Fact]
    public void HtpasswdParsingSkipsNonBcryptAndRejectsGarbage()
    {
        var warnings = new List<string>();
        var users = Htpasswd.Parse("# comment\n\nalice:$2b$04$abc\nbob:{SHA}xyz\n", warnings.Add);
        Assert.Equal(["alice"], users.Keys);
        Assert.Single(warnings);
        Assert.Throws<FormatException>(() => Htpasswd.Parse("no-colon-here\n", warnings.Add));
    }
}
