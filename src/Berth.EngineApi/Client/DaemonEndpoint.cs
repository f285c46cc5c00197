namespace Berth.EngineApi.Client;

/// <summary>Where the daemon listens: a unix socket path or a TCP host and port.</summary>
public sealed record DaemonEndpoint
{
    public const string DefaultHost = "unix:///run/berth/berth.sock";

    /// <summary>The address as the user gave it (used in error messages).</summary>
    public string Original { get; init; } = DefaultHost;
    public string? SocketPath { get; init; }
    public string? TcpHost { get; init; }
    public int TcpPort { get; init; }

    /// <summary>
    /// Parses docker's host syntax: <c>unix:///path</c>, <c>tcp://host[:port]</c> (port 2375 by
    /// default), <c>http://host:port</c>, or a bare absolute path.
    /// </summary>
    public static DaemonEndpoint Parse(string host)
    {
        var h = host.Trim();
        if (h.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = h["unix://".Length..];
            if (path.Length == 0)
            {
                throw new FormatException($"invalid host: {host}: empty socket path");
            }
            return new DaemonEndpoint { Original = h, SocketPath = path };
        }
        if (h.StartsWith('/'))
        {
            return new DaemonEndpoint { Original = "unix://" + h, SocketPath = h };
        }
        string rest;
        if (h.StartsWith("tcp://", StringComparison.Ordinal))
        {
            rest = h["tcp://".Length..];
        }
        else if (h.StartsWith("http://", StringComparison.Ordinal))
        {
            rest = h["http://".Length..];
        }
        else
        {
            throw new FormatException($"invalid host: {host}: unsupported protocol (use unix:// or tcp://)");
        }
        rest = rest.TrimEnd('/');
        var port = 2375;
        var hostPart = rest;
        var colon = rest.LastIndexOf(':');
        if (colon >= 0 && !rest.EndsWith(']'))
        {
            hostPart = rest[..colon];
            if (!int.TryParse(rest[(colon + 1)..], out port) || port is <= 0 or > 65535)
            {
                throw new FormatException($"invalid host: {host}: invalid port");
            }
        }
        hostPart = hostPart.Trim('[', ']');
        if (hostPart.Length == 0)
        {
            hostPart = "127.0.0.1";
        }
        return new DaemonEndpoint { Original = h, TcpHost = hostPart, TcpPort = port };
    }
}
