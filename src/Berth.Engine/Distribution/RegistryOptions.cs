using System.Net;

namespace Berth.Engine.Distribution;

/// <summary>
/// How berthd reaches registries (dockerd's registry options): which may be spoken to over plain
/// HTTP, mirrors of Docker Hub, and where per-registry certificates live.
/// </summary>
/// <param name="InsecureRegistries">daemon.json "insecure-registries": HOST[:PORT] names or CIDRs.</param>
/// <param name="Mirrors">daemon.json "registry-mirrors": base URLs tried before Docker Hub when pulling from docker.io.</param>
/// <param name="CertsDirectory">docker's certs.d convention: &lt;dir&gt;/HOST[:PORT]/*.crt (CAs), *.cert + *.key (client certificates).</param>
public sealed record RegistryOptions(IReadOnlyList<string> InsecureRegistries, IReadOnlyList<string> Mirrors, string CertsDirectory)
{
    public const string DefaultCertsDirectory = "/etc/berth/certs.d";

    public static RegistryOptions Default { get; } = new([], [], DefaultCertsDirectory);

    /// <summary>dockerd always treats loopback as insecure; it reports this in /info's InsecureRegistryCIDRs.</summary>
    public const string LoopbackCidr = "127.0.0.0/8";

    /// <summary>The CIDRs among the insecure registries, loopback first.</summary>
    public IReadOnlyList<string> InsecureCidrs =>
        [LoopbackCidr, .. InsecureRegistries.Where(r => IPNetwork.TryParse(r, out _) && r != LoopbackCidr)];

    /// <summary>The host names among the insecure registries (not CIDRs).</summary>
    public IReadOnlyList<string> InsecureHosts => InsecureRegistries.Where(r => !IPNetwork.TryParse(r, out _)).ToList();

    /// <summary>
    /// Whether <paramref name="host"/> (HOST[:PORT]) is insecure — its TLS certificate is not verified
    /// and plain HTTP may follow HTTPS: loopback, listed by
    /// name, or an IP inside a listed CIDR. Host names are not resolved.
    /// </summary>
    public bool IsInsecure(string host)
    {
        if (InsecureRegistries.Contains(host, StringComparer.OrdinalIgnoreCase)) return true;
        var name = HostName(host);
        if (InsecureRegistries.Contains(name, StringComparer.OrdinalIgnoreCase)) return true;
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (!IPAddress.TryParse(name.Trim('[', ']'), out var address)) return false;
        if (IPAddress.IsLoopback(address)) return true;
        foreach (var cidr in InsecureRegistries)
            if (IPNetwork.TryParse(cidr, out var network) && network.Contains(address)) return true;
        return false;
    }

    /// <summary>HOST of HOST[:PORT], IPv6 brackets kept.</summary>
    public static string HostName(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            return close > 0 ? host[..(close + 1)] : host;
        }
        var colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(':') == colon ? host[..colon] : host;
    }
}
