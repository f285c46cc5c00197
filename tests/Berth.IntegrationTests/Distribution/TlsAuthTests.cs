using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>
/// distribution 2.8 over HTTPS (a CA made by the test, which berthd is not told about) and htpasswd
/// basic auth: docker login, push and pull through berthd. Like dockerd, berthd speaks TLS to a
/// loopback registry (127.0.0.0/8 is insecure by default) without verifying its certificate.
/// </summary>
public sealed class TlsAuthTests
{
    [Fact]
    public async Task LoginPushAndPullOverTlsWithBasicAuth()
    {
        var dir = Path.Combine("/tmp", "berth-tls-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var pki = TestPki.Create(Path.Combine(dir, "pki"));
            var htpasswd = await TestPki.WriteHtpasswdAsync(Path.Combine(dir, "htpasswd"), "alice", "s3cret");

            await using var registry = await RegistryServer.StartDistributionAsync(pki.Security(htpasswd));
            await using var daemon = new BerthDaemon();
            await daemon.StartAsync();
            await daemon.ImportBusyboxAsync("busybox:latest");

            var wrong = await daemon.DockerWithInput(new MemoryStream("nope"u8.ToArray()), "login", "-u", "alice", "--password-stdin", registry.Address);
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains($"login attempt to https://{registry.Address}/v2/ failed with status: 401 Unauthorized", wrong.Stderr);

            var name = $"{registry.Address}/secure/app:v1";
            Ok(await daemon.Docker("tag", "busybox:latest", name));
            var anonymous = await daemon.Docker("push", name);
            Assert.NotEqual(0, anonymous.ExitCode);

            var login = Ok(await daemon.DockerWithInput(new MemoryStream("s3cret"u8.ToArray()), "login", "-u", "alice", "--password-stdin", registry.Address));
            Assert.Contains("Login Succeeded", login.Stdout);
            Ok(await daemon.Docker("push", name));
            Ok(await daemon.Docker("rmi", name));
            var pull = Ok(await daemon.Docker("pull", name));
            Assert.Contains("Downloaded newer image", pull.Stdout);
            Assert.Equal("tls\n", Ok(await daemon.Docker("run", "--rm", name, "echo", "tls")).Stdout);

            Ok(await daemon.Docker("logout", registry.Address));
            Ok(await daemon.Docker("rmi", name));
            var denied = await daemon.Docker("pull", name);
            Assert.NotEqual(0, denied.ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
