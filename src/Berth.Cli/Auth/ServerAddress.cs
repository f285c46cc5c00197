using Berth.Core.References;

namespace Berth.Cli.Auth;

/// <summary>
/// The keys credentials are filed under in config.json, as the docker CLI chooses them:
/// Docker Hub is always <c>https://index.docker.io/v1/</c> (the v1 index URL, for history's
/// sake); every other registry is its bare host[:port].
/// </summary>
public static class ServerAddress
{
    /// <summary>docker's registry.IndexServer.</summary>
    public const string IndexServer = "https://index.docker.io/v1/";

    /// <summary>Host names that mean Docker Hub.</summary>
    private static readonly string[] HubHosts = ["docker.io", "index.docker.io", "registry-1.docker.io"];

    /// <summary>
    /// credentials.ConvertToHostname: "https://host:5000/v2/" → "host:5000", "host/path" → "host".
    /// </summary>
    public static string ConvertToHostname(string address)
    {
        if (address.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            var host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.Host;
            return uri.IsDefaultPort && !HasExplicitPort(address) ? host : $"{host}:{uri.Port}";
        }
        var slash = address.IndexOf('/');
        return slash < 0 ? address : address[..slash];
    }

    /// <summary>
    /// The key for <c>login</c>/<c>logout</c>'s SERVER argument: none, "docker.io" or any spelling of
    /// Docker Hub's address → <see cref="IndexServer"/>; anything else → its host[:port].
    /// </summary>
    /// <remarks>
    /// The docker CLI maps only "" and "docker.io" to the index; berth also maps
    /// "index.docker.io", "registry-1.docker.io" and the https:// forms, which docker would file
    /// under a key its own pulls never look up.
    /// </remarks>
    public static string ForLogin(string? argument)
    {
        if (string.IsNullOrEmpty(argument) || argument == IndexServer)
        {
            return IndexServer;
        }
        var host = ConvertToHostname(argument);
        return HubHosts.Contains(host, StringComparer.OrdinalIgnoreCase) ? IndexServer : host;
    }

    /// <summary>The key for an image's registry: Docker Hub's index URL, else the reference's domain.</summary>
    public static string ForReference(ImageReference reference) =>
        reference.Domain == ImageReference.DefaultDomain ? IndexServer : reference.Domain;

    /// <summary>Uri drops ":443" on https and ":80" on http; docker keeps a port the user wrote.</summary>
    private static bool HasExplicitPort(string address)
    {
        var rest = address[(address.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var end = rest.IndexOfAny(['/', '?', '#']);
        var authority = end < 0 ? rest : rest[..end];
        var at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..];
        var close = authority.LastIndexOf(']');
        return authority.IndexOf(':', close + 1) >= 0;
    }
}
