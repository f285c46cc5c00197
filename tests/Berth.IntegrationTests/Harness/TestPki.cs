using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.IntegrationTests.Harness;

/// <summary>
/// A throw-away CA and a server certificate for 127.0.0.1 and localhost, written as PEM files
/// (ca.crt, server.crt, server.key) into a test directory: what docker's certs.d convention and
/// every registry expect.
/// </summary>
public sealed record TestPki(string Directory, string CaCertificatePath, string CertificatePath, string KeyPath)
{
    /// <summary>A directory holding only ca.crt: clients' --cert-dir reads any *.key there as a client key.</summary>
    public string TrustDirectory => Path.Combine(Directory, "trust");

    public static TestPki Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Berth test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

        var pki = new TestPki(directory, Path.Combine(directory, "ca.crt"), Path.Combine(directory, "server.crt"), Path.Combine(directory, "server.key"));
        File.WriteAllText(pki.CaCertificatePath, ca.ExportCertificatePem());
        System.IO.Directory.CreateDirectory(pki.TrustDirectory);
        File.WriteAllText(Path.Combine(pki.TrustDirectory, "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(pki.CertificatePath, server.ExportCertificatePem());
        File.WriteAllText(pki.KeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return pki;
    }

    /// <summary>Registry settings for TLS with this PKI, optionally behind an htpasswd file.</summary>
    public RegistrySecurity Security(string? htpasswdPath = null) => new(CertificatePath, KeyPath, htpasswdPath);

    /// <summary>A bcrypt htpasswd file with one user (htpasswd -B, as distribution requires).</summary>
    public static async Task<string> WriteHtpasswdAsync(string path, string user, string password)
    {
        var result = await ProcessRunner.RunAsync("htpasswd", ["-Bbn", user, password]);
        if (result.ExitCode != 0) throw new InvalidOperationException("htpasswd failed: " + result);
        await File.WriteAllTextAsync(path, result.Stdout.Trim() + "\n");
        return path;
    }
}
