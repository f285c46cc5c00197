using System.Net;
using Berth.Registry.Auth;
using Berth.Registry.Observability;

namespace Berth.Registry.Hosting;

/// <summary>
/// Settings of <c>berth-registry serve</c>: the config file's values with the flags applied on top
/// (see <see cref="ServeArguments"/>).
/// </summary>
public sealed record RegistryServerOptions(IPEndPoint Endpoint, string Root)
{
    public const string DefaultAddress = "127.0.0.1:5000";

    /// <summary>PEM certificate and key; null serves plain HTTP.</summary>
    public TlsFiles? Tls { get; init; }

    public AuthMode Auth { get; init; } = AuthMode.None;

    /// <summary>htpasswd file (bcrypt entries): the users of htpasswd mode, and of the token server.</summary>
    public string? HtpasswdPath { get; init; }

    /// <summary>The realm named in <c>WWW-Authenticate: Basic realm="…"</c>.</summary>
    public string BasicRealm { get; init; } = "berth-registry";

    public TokenSettings Token { get; init; } = new();

    /// <summary>Largest blob a client may upload, in bytes (across all chunks of one upload); null: no limit.</summary>
    public long? MaxUploadSize { get; init; }

    /// <summary>Maintenance mode: pulls work, every write is refused with 405.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Whether manifests and blobs may be deleted (storage.delete.enabled).</summary>
    public bool DeleteEnabled { get; init; }

    public RegistryLogLevel LogLevel { get; init; } = RegistryLogLevel.Info;

    /// <summary>Writes one line per request at info level; off with log.accesslog.disabled.</summary>
    public bool AccessLog { get; init; } = true;

    /// <summary>Separate listener for Prometheus metrics (like distribution's debug server); null: none.</summary>
    public IPEndPoint? MetricsEndpoint { get; init; }

    public string MetricsPath { get; init; } = "/metrics";

    /// <summary>
    /// Parses HOST:PORT ("[::1]:5000" for IPv6; "localhost" means 127.0.0.1; ":5000", as in
    /// distribution's sample config, means every interface).
    /// </summary>
    public static IPEndPoint ParseAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon == 0 && int.TryParse(address.AsSpan(1), out var anyPort) && anyPort is >= 0 and <= 65535)
            return new IPEndPoint(IPAddress.Any, anyPort);
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
            throw new FormatException($"invalid address \"{address}\": expected HOST:PORT");
        var host = address[..colon].Trim('[', ']');
        if (host == "localhost") return new IPEndPoint(IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host, out var ip))
            throw new FormatException($"invalid address \"{address}\": HOST must be an IP address or localhost");
        return new IPEndPoint(ip, port);
    }
}

public sealed record TlsFiles(string CertificatePath, string KeyPath);

public enum AuthMode
{
    None,
    Htpasswd,
    Token,
}

/// <summary>auth.token: the registry issues and verifies its own tokens at <see cref="Realm"/>.</summary>
public sealed record TokenSettings
{
    /// <summary>Absolute URL of the token endpoint; null: derived from each request (scheme://host/auth/token).</summary>
    public string? Realm { get; init; }

    public string Service { get; init; } = "berth-registry";
    public string Issuer { get; init; } = "berth-registry";
    public TimeSpan Expiration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>PEM EC P-256 private key that signs tokens; null: a new key at every start.</summary>
    public string? SigningKeyPath { get; init; }

    /// <summary>Requests without credentials may pull every repository.</summary>
    public bool AnonymousPull { get; init; }

    /// <summary>Who may do what; empty: every htpasswd user may do everything.</summary>
    public IReadOnlyList<AccessRule> Rules { get; init; } = [];
}
