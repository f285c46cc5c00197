using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Berth.Engine.Distribution;
using Berth.Engine.Distribution.Transport;
using Xunit;

namespace Berth.Engine.Tests.Distribution;

/// <summary>
/// A secure registry's certificate is checked against the system roots plus certs.d's CAs; an
/// insecure one (loopback, --insecure-registry) is not checked at all, as dockerd does.
/// </summary>
public sealed class RegistryCertificateTests
{
    [Fact]
    public void AChainThatOnlyFailsOnItsRootIsAcceptedWithThatRootFromCertsD()
    {
        var (ca, leaf) = CaAndLeaf("registry.test");
        Assert.True(RegistryTransport.Validate([ca], leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void WithoutCertsDRootsAnUntrustedChainIsRefused()
    {
        var (_, leaf) = CaAndLeaf("registry.test");
        Assert.False(RegistryTransport.Validate([], leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void AnotherCaDoesNotVouchForTheLeaf()
    {
        var (_, leaf) = CaAndLeaf("registry.test");
        var (otherCa, _) = CaAndLeaf("other.test");
        Assert.False(RegistryTransport.Validate([otherCa], leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void ANameMismatchIsRefusedEvenWithTheRightRoot()
    {
        var (ca, leaf) = CaAndLeaf("registry.test");
        Assert.False(RegistryTransport.Validate([ca], leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry.example.com", false)]
    [InlineData("10.1.2.3:5000", false)]
    public void LoopbackRegistriesAreInsecureByDefault(string host, bool insecure) =>
        Assert.Equal(insecure, RegistryOptions.Default.IsInsecure(host));

    private static (X509Certificate2 Ca, X509Certificate2 Leaf) CaAndLeaf(string dnsName)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN=Test CA for {dnsName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest($"CN={dnsName}", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        leafRequest.CertificateExtensions.Add(san.Build());
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        var leaf = leafRequest.Create(ca, now.AddMinutes(-5), now.AddHours(12), serial);
        return (ca, leaf);
    }
}
