using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Registry;

/// <summary>
/// berth-registry over TLS in token mode (its own token server, htpasswd users), driven by dockerd,
/// skopeo and podman, which take the Bearer challenge, fetch a token from the realm and retry.
/// Access rules: the user may do everything; anonymous callers may only pull public/*.
/// </summary>
public sealed class TokenRegistryClientsTests : IAsyncLifetime
{
    private const string User = "tokenuser";
    private const string Password = "t0ken-pass";
    private readonly string _work = Path.Combine("/tmp", "regtok-" + Guid.NewGuid().ToString("N")[..8]);
    private TestPki _pki = null!;
    private RegistryServer _registry = null!;

    private string Creds => $"{User}:{Password}";

    public async ValueTask InitializeAsync()
    {
        _pki = TestPki.Create(Path.Combine(_work, "pki"));
        var htpasswd = await TestPki.WriteHtpasswdAsync(Path.Combine(_work, "htpasswd"), User, Password);
        var config = await TokenAuthConfig.WriteAsync(Path.Combine(_work, "registry.yml"), htpasswd,
            [new TokenAccessRule(User, "*", "*"), new TokenAccessRule("anonymous", "public/*", "pull")]);
        _registry = await RegistryServer.StartBerthAsync(_pki.Security(), config);
    }

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync();
        await Cleanup.RemoveTreeAsync(_work, cgroupParent: null);
    }

    [Fact]
    public async Task DockerdLogsInPushesPullsAndRunsWithTokens()
    {
        using var trust = ReferenceDockerd.TrustRegistryCa(_registry.Address, _pki.CaCertificatePath);
        await using var dockerd = await ReferenceDockerd.StartAsync();
        var image = $"{_registry.Address}/private/busybox:v1";
        var published = $"{_registry.Address}/public/busybox:v1";
        await dockerd.ImportBusyboxAsync(image);
        Ok(await dockerd.Docker("tag", image, published));

        var anonymous = await dockerd.Docker("push", image);
        Assert.NotEqual(0, anonymous.ExitCode);
        // The anonymous token lacks push: 401 with error="insufficient_scope", which docker reports as denied.
        Assert.Contains("denied: requested access to the resource is denied", anonymous.Stderr + anonymous.Stdout);

        var wrong = await dockerd.Docker("login", "-u", User, "-p", "wrong", _registry.Address);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("Login Succeeded", Ok(await dockerd.Docker("login", "-u", User, "-p", Password, _registry.Address)).Stdout);

        Ok(await dockerd.Docker("push", image));
        Ok(await dockerd.Docker("push", published));
        Ok(await dockerd.Docker("rmi", image));
        Ok(await dockerd.Docker("pull", image));
        Assert.Equal("token ok", Ok(await dockerd.Docker("run", "--rm", "--network", "none", image, "echo", "token ok")).Stdout.Trim());

        // Logged out: public/* still pulls anonymously, private/* does not, and nothing pushes.
        Ok(await dockerd.Docker("logout", _registry.Address));
        Ok(await dockerd.Docker("rmi", image, published));
        Ok(await dockerd.Docker("pull", published));
        Assert.NotEqual(0, (await dockerd.Docker("pull", image)).ExitCode);
        Ok(await dockerd.Docker("tag", published, $"{_registry.Address}/public/anon:v1"));
        Assert.NotEqual(0, (await dockerd.Docker("push", $"{_registry.Address}/public/anon:v1")).ExitCode);
    }

    [Fact]
    public async Task SkopeoCopiesBothWaysWithTokens()
    {
        var source = Path.Combine(_work, "oci-source");
        var image = await OciLayout.WriteAsync(source, "v1", [await BusyboxRootfs.TarAsync()]);
        var certDir = _pki.TrustDirectory;
        var target = $"docker://{_registry.Address}/private/skopeo:v1";
        var published = $"docker://{_registry.Address}/public/skopeo:v1";

        var anonymous = await ReferenceClients.Skopeo("copy", "--dest-cert-dir", certDir, $"oci:{source}:v1", target);
        Assert.NotEqual(0, anonymous.ExitCode);
        var anonymousPublic = await ReferenceClients.Skopeo("copy", "--dest-cert-dir", certDir, $"oci:{source}:v1", published);
        Assert.NotEqual(0, anonymousPublic.ExitCode);
        var wrong = await ReferenceClients.Skopeo("copy", "--dest-cert-dir", certDir, "--dest-creds", $"{User}:wrong", $"oci:{source}:v1", target);
        Assert.NotEqual(0, wrong.ExitCode);

        Ok(await ReferenceClients.Skopeo("copy", "--dest-cert-dir", certDir, "--dest-creds", Creds, $"oci:{source}:v1", target));
        Ok(await ReferenceClients.Skopeo("copy", "--dest-cert-dir", certDir, "--dest-creds", Creds, $"oci:{source}:v1", published));
        Assert.Equal(image.ManifestDigest, InspectDigest(Ok(await ReferenceClients.Skopeo("inspect", "--cert-dir", certDir, "--creds", Creds, target))));
        Assert.NotEqual(0, (await ReferenceClients.Skopeo("inspect", "--cert-dir", certDir, target)).ExitCode);
        Assert.Equal(image.ManifestDigest, InspectDigest(Ok(await ReferenceClients.Skopeo("inspect", "--cert-dir", certDir, published))));

        // And back out, byte for byte: with credentials from private/*, anonymously from public/*.
        var back = Path.Combine(_work, "oci-back");
        Ok(await ReferenceClients.Skopeo("copy", "--src-cert-dir", certDir, "--src-creds", Creds, target, $"oci:{back}:private"));
        Ok(await ReferenceClients.Skopeo("copy", "--src-cert-dir", certDir, published, $"oci:{back}:public"));
        Assert.Equal(image.ManifestDigest, InspectDigest(Ok(await ReferenceClients.Skopeo("inspect", $"oci:{back}:private"))));
        Assert.Equal(image.ManifestDigest, InspectDigest(Ok(await ReferenceClients.Skopeo("inspect", $"oci:{back}:public"))));
    }

    [Fact]
    public async Task PodmanLogsInPushesAndPullsWithTokens()
    {
        var rootfs = Path.Combine(_work, "podman-rootfs.tar");
        await File.WriteAllBytesAsync(rootfs, await BusyboxRootfs.TarAsync(), TestContext.Current.CancellationToken);
        var certDir = _pki.TrustDirectory;
        var podmanRoot = Path.Combine(_work, "podman");
        var image = $"{_registry.Address}/private/podman:v1";

        Assert.NotEqual(0, (await ReferenceClients.Podman(podmanRoot, "login", "--cert-dir", certDir, "-u", User, "-p", "wrong", _registry.Address)).ExitCode);
        Ok(await ReferenceClients.Podman(podmanRoot, "login", "--cert-dir", certDir, "-u", User, "-p", Password, _registry.Address));
        Ok(await ReferenceClients.Podman(podmanRoot, "import", rootfs, image));
        Ok(await ReferenceClients.Podman(podmanRoot, "push", "--cert-dir", certDir, image));
        Ok(await ReferenceClients.Podman(podmanRoot, "rmi", "-a", "-f"));
        Ok(await ReferenceClients.Podman(podmanRoot, "pull", "--cert-dir", certDir, image));
        Assert.Contains(image, Ok(await ReferenceClients.Podman(podmanRoot, "images", "--format", "{{.Repository}}:{{.Tag}}")).Stdout);
    }

    /// <summary>
    /// The protocol underneath, anonymously: a push gets 401 with a Bearer challenge; the token the
    /// realm hands an anonymous caller for public/* carries pull only, so a push with it is still 401.
    /// </summary>
    [Fact]
    public async Task AnonymousPushIsRefusedAndPublicPullAllowed()
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(_pki.CaCertificatePath);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = _registry.BaseAddress };

        foreach (var repository in new[] { "private/x", "public/x" })
        {
            using var push = await http.PostAsync($"v2/{repository}/blobs/uploads/", null, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, push.StatusCode);
            var challenge = push.Headers.WwwAuthenticate.Single();
            Assert.Equal("Bearer", challenge.Scheme);
            Assert.Contains($"scope=\"repository:{repository}:pull,push\"", challenge.Parameter);
        }

        // The realm answers anonymous callers, granting only what the rules allow.
        var token = await AnonymousTokenAsync(http, "repository:public/x:pull,push");
        using (var push = new HttpRequestMessage(HttpMethod.Post, "v2/public/x/blobs/uploads/"))
        {
            push.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(push, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.Single().Parameter);
        }
        using (var pull = new HttpRequestMessage(HttpMethod.Get, "v2/public/x/tags/list"))
        {
            pull.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(pull, TestContext.Current.CancellationToken);
            // Authorized: the repository just does not exist.
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        var privateToken = await AnonymousTokenAsync(http, "repository:private/x:pull");
        using (var pull = new HttpRequestMessage(HttpMethod.Get, "v2/private/x/tags/list"))
        {
            pull.Headers.Authorization = new AuthenticationHeaderValue("Bearer", privateToken);
            using var response = await http.SendAsync(pull, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private static async Task<string> AnonymousTokenAsync(HttpClient http, string scope)
    {
        using var response = await http.GetAsync($"auth/token?service=berth-registry-test&scope={Uri.EscapeDataString(scope)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("token").GetString()!;
    }

    private static string? InspectDigest(CommandResult inspect)
    {
        using var json = JsonDocument.Parse(inspect.Stdout);
        return json.RootElement.GetProperty("Digest").GetString();
    }
}
