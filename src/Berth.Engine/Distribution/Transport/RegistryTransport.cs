using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Berth.Core.Errors;

namespace Berth.Engine.Distribution.Transport;

/// <summary>
/// HTTP clients for registries, one per registry host, each with that host's TLS settings: the
/// system CA store plus certs.d/HOST/*.crt as extra roots, and certs.d/HOST/*.cert + *.key as
/// client certificates. As in dockerd, an insecure registry (--insecure-registry, and always
/// 127.0.0.0/8 and localhost) is spoken to over TLS without verifying its certificate, before
/// the plain-HTTP fallback. Clients are kept for the daemon's life so connections are reused.
/// </summary>
public sealed class RegistryTransport(RegistryOptions options) : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpClient> _clients = new(StringComparer.OrdinalIgnoreCase);
    // When each host's certificate was last refused: exception texts are not reliable under
    // NativeAOT (resource keys), so sessions ask here whether a failed connection was a refusal.
    private readonly ConcurrentDictionary<string, long> _rejections = new(StringComparer.OrdinalIgnoreCase);

    public RegistryOptions Options => options;

    public HttpClient ClientFor(string host) => _clients.GetOrAdd(host, Create);

    /// <summary>
    /// Base URLs to try for a registry domain, in order. docker.io is registry-1.docker.io, after
    /// the mirrors when pulling. HTTPS first; plain HTTP after it only for insecure registries.
    /// </summary>
    public IReadOnlyList<Uri> Endpoints(string domain, bool pull)
    {
        var result = new List<Uri>();
        if (domain == Berth.Core.References.ImageReference.DefaultDomain)
        {
            if (pull)
                foreach (var mirror in options.Mirrors)
                    if (Uri.TryCreate(mirror.TrimEnd('/') + "/", UriKind.Absolute, out var uri)) result.Add(uri);
            result.Add(new Uri("https://registry-1.docker.io/"));
            return result;
        }
        result.Add(new Uri($"https://{domain}/"));
        if (options.IsInsecure(domain)) result.Add(new Uri($"http://{domain}/"));
        return result;
    }

    private HttpClient Create(string host)
    {
        var directory = Path.Combine(options.CertsDirectory, host);
        var roots = new X509Certificate2Collection();
        var clientCertificates = new X509CertificateCollection();
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*.crt").Order(StringComparer.Ordinal))
                roots.ImportFromPemFile(file);
            foreach (var certificate in Directory.EnumerateFiles(directory, "*.cert").Order(StringComparer.Ordinal))
            {
                var key = Path.ChangeExtension(certificate, ".key");
                if (!File.Exists(key))
                    throw new SystemFailureException($"missing key {Path.GetFileName(key)} for client certificate {Path.GetFileName(certificate)}");
                clientCertificates.Add(X509Certificate2.CreateFromPemFile(certificate, key));
            }
        }
        var verify = !options.IsInsecure(host);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 16,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificates,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (!verify || Validate(roots, certificate, chain, errors)) return true;
                    _rejections[host] = Environment.TickCount64;
                    return false;
                },
            },
        };
        // Layers stream for minutes; per-read progress is the real liveness check, not a total timeout.
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Whether <paramref name="host"/>'s certificate was refused at or after <paramref name="since"/> (Environment.TickCount64).</summary>
    public bool CertificateRejectedSince(string host, long since) => _rejections.TryGetValue(host, out var at) && at >= since;

    /// <summary>The system's verdict, or, when only the chain failed, a chain built on certs.d's roots.</summary>
    internal static bool Validate(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (roots.Count == 0 || certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _clients.Clear();
    }
}
