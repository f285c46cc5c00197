using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Berth.Registry.Tests.Hosting;

public sealed class TlsTests
{
    /// <summary>A self-signed certificate for 127.0.0.1, written as PEM certificate and key files.</summary>
    public static (string Cert, string Key, X509Certificate2 Certificate) SelfSigned(string dir)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=berth-registry-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var cert = Path.Combine(dir, "cert.pem");
        var keyPath = Path.Combine(dir, "key.pem");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (cert, keyPath, certificate);
    }

    [Fact]
    public async Task ServesHttpsWithThePemCertificate()
    {
        var dir = TestRegistry.NewDir();
        var (cert, key, certificate) = SelfSigned(dir);
        var seen = new List<string>();
        var handler = new HttpClientHandler
        {
            // Trust exactly the test's certificate, nothing else.
            ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
            {
                seen.Add(presented!.Thumbprint);
                return presented.Thumbprint == certificate.Thumbprint;
            },
        };
        await using var registry = await TestRegistry.StartAsync(dir, handler, "--tls-cert", cert, "--tls-key", key);
        Assert.Equal("https", registry.BaseAddress.Scheme);
        using var response = await registry.Client.GetAsync("/v2/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal([certificate.Thumbprint], seen.Distinct());

        using var plain = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync(new Uri(registry.BaseAddress, "/v2/"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UnreadableKeyFailsAtStartWithAClearError()
    {
        var dir = TestRegistry.NewDir();
        var (cert, _, _) = SelfSigned(dir);
        var bad = Path.Combine(dir, "bad.pem");
        File.WriteAllText(bad, "not a key");
        await Assert.ThrowsAnyAsync<CryptographicException>(() => TestRegistry.StartAsync(dir, "--tls-cert", cert, "--tls-key", bad));
        Directory.Delete(dir, recursive: true);
    }
}
