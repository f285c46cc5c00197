using Berth.IntegrationTests.Harness;
using Xunit;
using static Berth.IntegrationTests.Distribution.PushPullTests;

namespace Berth.IntegrationTests.Distribution;

/// <summary>
/// distribution 2.8 over HTTPS with a CA made by the test and htpasswd basic auth: docker login,
/// push and pull through berthd, which trusts the CA only through its certs.d directory.
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
            var certsD = Path.Combine(dir, "certs.d");
            await using var daemon = new BerthDaemon();
            daemon.ExtraArgs.AddRange(["--registry-certs-dir", certsD]);
            await daemon.StartAsync();
            await daemon.ImportBusyboxAsync("busybox:latest");

            // Without the CA, berthd refuses the registry's certificate rather than falling back to HTTP.
            var untrusted = await daemon.DockerWithInput(new MemoryStream("s3cret"u8.ToArray()), "login", "-u", "alice", "--password-stdin", registry.Address);
            Assert.NotEqual(0, untrusted.ExitCode);
            Assert.Contains("certificate signed by unknown authority", untrusted.Stderr);

            Directory.CreateDirectory(Path.Combine(certsD, registry.Address));
            File.Copy(pki.CaCertificatePath, Path.Combine(certsD, registry.Address, "ca.crt"));
            await daemon.StopAsync();
            await daemon.StartAsync();

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
