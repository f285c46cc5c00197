using System.Text.Json;
using Berth.IntegrationTests.Harness;
using Xunit;

namespace Berth.IntegrationTests.Registry;

/// <summary>
/// The registry over TLS (a CA made by the test) with htpasswd basic auth, driven by dockerd,
/// skopeo and podman. Each test also runs against distribution 2.8, which keeps the test honest:
/// whatever fails only on berth-registry is berth-registry's fault.
/// </summary>
public sealed class SecureRegistryClientsTests : IAsyncLifetime
{
    private const string User = "berth";
    private const string Password = "s3cret-pass";
    private readonly string _work = Path.Combine("/tmp", "regtls-" + Guid.NewGuid().ToString("N")[..8]);
    private TestPki _pki = null!;
    private string _htpasswd = null!;

    public async ValueTask InitializeAsync()
    {
        _pki = TestPki.Create(Path.Combine(_work, "pki"));
        _htpasswd = await TestPki.WriteHtpasswdAsync(Path.Combine(_work, "htpasswd"), User, Password);
    }

    public async ValueTask DisposeAsync() => await Cleanup.RemoveTreeAsync(_work, cgroupParent: null);

    private Task<RegistryServer> StartAsync(string kind) => kind == "berth"
        ? RegistryServer.StartBerthAsync(_pki.Security(_htpasswd))
        : RegistryServer.StartDistributionAsync(_pki.Security(_htpasswd));

    [Theory]
    [InlineData("berth")]
    [InlineData("distribution")]
    public async Task DockerdLogsInPushesAndPullsOverTls(string kind)
    {
        await using var registry = await StartAsync(kind);
        using var trust = ReferenceDockerd.TrustRegistryCa(registry.Address, _pki.CaCertificatePath);
        await using var dockerd = await ReferenceDockerd.StartAsync();
        var image = $"{registry.Address}/secure/busybox:v1";
        await dockerd.ImportBusyboxAsync(image);

        var anonymous = await dockerd.Docker("push", image);
        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains("no basic auth credentials", anonymous.Stderr + anonymous.Stdout);

        var wrong = await dockerd.Docker("login", "-u", User, "-p", "wrong", registry.Address);
        Assert.NotEqual(0, wrong.ExitCode);
        var login = await dockerd.Docker("login", "-u", User, "-p", Password, registry.Address);
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("Login Succeeded", login.Stdout);

        var push = await dockerd.Docker("push", image);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal(0, (await dockerd.Docker("rmi", image)).ExitCode);
        var pull = await dockerd.Docker("pull", image);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        var run = await dockerd.Docker("run", "--rm", "--network", "none", image, "echo", "tls ok");
        Assert.Equal("tls ok", run.Stdout.Trim());
    }

    [Theory]
    [InlineData("berth")]
    [InlineData("distribution")]
    public async Task SkopeoAndPodmanAuthenticateOverTls(string kind)
    {
        await using var registry = await StartAsync(kind);
        var source = Path.Combine(_work, "oci-" + kind);
        var image = await OciLayout.WriteAsync(source, "v1", [await BusyboxRootfs.TarAsync()]);
        var target = $"docker://{registry.Address}/secure/skopeo:v1";
        var certDir = _pki.TrustDirectory;

        var refused = await ReferenceClients.Skopeo("copy", "--dest-cert-dir", certDir, $"oci:{source}:v1", target);
        Assert.NotEqual(0, refused.ExitCode);
        var untrusted = await ReferenceClients.Skopeo("inspect", "--creds", $"{User}:{Password}", target);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("certificate", untrusted.Stderr);

        var push = await ReferenceClients.Skopeo("copy", "--dest-cert-dir", certDir, "--dest-creds", $"{User}:{Password}", $"oci:{source}:v1", target);
        Assert.True(push.ExitCode == 0, push.ToString());
        var inspect = await ReferenceClients.Skopeo("inspect", "--cert-dir", certDir, "--creds", $"{User}:{Password}", target);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using (var json = JsonDocument.Parse(inspect.Stdout))
            Assert.Equal(image.ManifestDigest, json.RootElement.GetProperty("Digest").GetString());

        var podmanRoot = Path.Combine(_work, "podman-" + kind);
        var login = await ReferenceClients.Podman(podmanRoot, "login", "--cert-dir", certDir, "-u", User, "-p", Password, registry.Address);
        Assert.True(login.ExitCode == 0, login.ToString());
        var pull = await ReferenceClients.Podman(podmanRoot, "pull", "--cert-dir", certDir, target["docker://".Length..]);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        var push2 = await ReferenceClients.Podman(podmanRoot, "push", "--cert-dir", certDir, target["docker://".Length..],
            $"docker://{registry.Address}/secure/podman:v2");
        Assert.True(push2.ExitCode == 0, push2.ToString());
    }
}
