using System.Net;

namespace Berth.Registry.Hosting;

/// <summary>Settings of <c>berth-registry serve</c>.</summary>
public sealed record RegistryOptions(IPEndPoint Endpoint, string Root)
{
    public const string DefaultAddress = "127.0.0.1:5000";

    /// <summary>--delete: allow DELETE of manifests, tags and blobs (distribution's delete.enabled).</summary>
    public bool DeleteEnabled { get; init; }

    /// <summary>Parses HOST:PORT ("[::1]:5000" for IPv6; "localhost" means 127.0.0.1).</summary>
    public static IPEndPoint ParseAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
            throw new FormatException($"invalid address \"{address}\": expected HOST:PORT");
        var host = address[..colon].Trim('[', ']');
        if (host == "localhost") return new IPEndPoint(IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host, out var ip))
            throw new FormatException($"invalid address \"{address}\": HOST must be an IP address or localhost");
        return new IPEndPoint(ip, port);
    }
}
