using System.Text;
using Berth.Engine;

namespace Berth.Daemon.Hosting;

/// <summary>
/// Keeps host paths of the data root and the exec root out of what API clients see: error texts
/// from the kernel, .NET and the runtime name the files they failed on
/// ("statx /var/lib/berth/layers/tmp/…/diff/etc/x: Permission denied"). A path inside an image or
/// container tree (…/diff/…, …/rootfs/…, …/upper/…) becomes the path the container sees ("/etc/x");
/// any other path under a root becomes "[data-root]" or "[exec-root]". berthd's log keeps the full text.
/// </summary>
public static class ClientErrorText
{
    private static readonly string[] TreeMarkers = ["/diff/", "/rootfs/", "/upper/"];

    public static string Scrub(string message, EngineOptions? roots)
    {
        if (roots is null || string.IsNullOrEmpty(message)) return message;
        message = Scrub(message, roots.DataRoot, "[data-root]");
        return Scrub(message, roots.ExecRoot, "[exec-root]");
    }

    public static string Scrub(string message, string root, string placeholder)
    {
        root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (root.Length <= 1) return message;
        var builder = new StringBuilder(message.Length);
        var at = 0;
        while (true)
        {
            var hit = message.IndexOf(root, at, StringComparison.Ordinal);
            if (hit < 0) break;
            var end = hit + root.Length;
            // Only the root itself or a path below it, not /var/lib/berth2.
            if (end < message.Length && message[end] != '/' && !IsDelimiter(message[end]))
            {
                builder.Append(message, at, end - at);
                at = end;
                continue;
            }
            while (end < message.Length && !IsDelimiter(message[end])) end++;
            builder.Append(message, at, hit - at);
            builder.Append(Replacement(message[(hit + root.Length)..end], placeholder));
            at = end;
        }
        builder.Append(message, at, message.Length - at);
        return builder.ToString();
    }

    private static string Replacement(string below, string placeholder)
    {
        foreach (var marker in TreeMarkers)
        {
            var index = below.IndexOf(marker, StringComparison.Ordinal);
            if (index >= 0) return below[(index + marker.Length - 1)..];
        }
        return placeholder;
    }

    private static bool IsDelimiter(char c) => char.IsWhiteSpace(c) || c is '\'' or '"' or ':' or ',' or ';' or '(' or ')' or '[' or ']' or '`';
}
