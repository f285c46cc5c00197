using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
            var (caPem, certPath, keyPath) = MakeCertificates(dir);
            var htpasswd = Path.Combine(dir, "htpasswd");
            var hash = await ProcessRunner.RunAsync("htpasswd", ["-Bbn", "alice", "s3cret"]);
            Assert.Equal(0, hash.ExitCode);
            await File.WriteAllTextAsync(htpasswd, hash.Stdout);

            await using var registry = await RegistryServer.StartDistributionAsync(new RegistrySecurity(certPath, keyPath, htpasswd));
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
            await File.WriteAllTextAsync(Path.Combine(certsD, registry.Address, "ca.crt"), caPem);
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

    /// <summary>A CA and a server certificate for 127.0.0.1 signed by it, as PEM files.</summary>
    private static (string CaPem, string CertPath, string KeyPath) MakeCertificates(string dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=berth test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));

        var certPath = Path.Combine(dir, "server.crt");
        var keyPath = Path.Combine(dir, "server.key");
        File.WriteAllText(certPath, server.ExportCertificatePem());
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return (ca.ExportCertificatePem(), certPath, keyPath);
    }
}
