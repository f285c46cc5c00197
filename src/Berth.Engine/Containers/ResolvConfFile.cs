namespace Berth.Engine.Containers;

/// <summary>
/// A container's /etc/resolv.conf, as dockerd (libnetwork) writes it for a container without a
/// user-defined network. Loopback nameservers of the host are dropped: they are unreachable
/// from the container's own network namespace (docker then falls back to 8.8.8.8 and 8.8.4.4).
/// </summary>
public static class ResolvConfFile
{
    private static readonly string[] FallbackNameservers = ["8.8.8.8", "8.8.4.4"];

    /// <summary>
    /// Without --dns, --dns-search or --dns-option: the host's file, loopback nameservers
    /// removed. With any of them: a new file of search, nameserver and options lines, each
    /// list taken from its flag or else from the host's file (a search list of "." means none).
    /// </summary>
    public static string Build(IReadOnlyList<string> hostLines, IReadOnlyList<string>? dns, IReadOnlyList<string>? search, IReadOnlyList<string>? options)
    {
        var hostNameservers = Values(hostLines, "nameserver").Where(server => !IsLoopback(server)).ToList();
        if (dns is not { Count: > 0 } && search is not { Count: > 0 } && options is not { Count: > 0 })
        {
            var lines = hostLines.Where(line => !(Directive(line) is ("nameserver", var server) && IsLoopback(server))).ToList();
            if (hostNameservers.Count == 0) lines.AddRange(FallbackNameservers.Select(server => "nameserver " + server));
            return string.Join('\n', lines) + "\n";
        }

        var nameservers = dns is { Count: > 0 } ? dns : hostNameservers.Count > 0 ? hostNameservers : FallbackNameservers;
        var searchList = search is { Count: > 0 } ? search : LastList(hostLines, "search");
        var optionList = options is { Count: > 0 } ? options : Values(hostLines, "options").SelectMany(Words).ToList();
        var text = new System.Text.StringBuilder();
        if (searchList.Count > 0 && string.Join(' ', searchList).Trim() != ".") text.Append("search ").AppendJoin(' ', searchList).Append('\n');
        foreach (var server in nameservers) text.Append("nameserver ").Append(server).Append('\n');
        if (optionList.Count > 0) text.Append("options ").AppendJoin(' ', optionList).Append('\n');
        return text.ToString();
    }

    private static bool IsLoopback(string server) => server.StartsWith("127.", StringComparison.Ordinal) || server == "::1";

    /// <summary>(keyword, rest) of a directive line; null for blank and comment lines.</summary>
    private static (string Keyword, string Value)? Directive(string line)
    {
        var trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed[0] is '#' or ';') return null;
        var space = trimmed.IndexOfAny([' ', '\t']);
        return space < 0 ? (trimmed, "") : (trimmed[..space], trimmed[(space + 1)..].Trim());
    }

    private static IEnumerable<string> Values(IReadOnlyList<string> lines, string keyword) =>
        lines.Select(Directive).Where(d => d?.Keyword == keyword).Select(d => d!.Value.Value);

    /// <summary>The last search line wins, as in the resolver.</summary>
    private static IReadOnlyList<string> LastList(IReadOnlyList<string> lines, string keyword) =>
        Values(lines, keyword).Select(Words).LastOrDefault() ?? [];

    private static string[] Words(string value) => value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
