using System.Globalization;
using Berth.Registry.Storage;

namespace Berth.Registry.Api;

/// <summary>Parsing of the two range headers the API meets: Content-Range on uploads, Range on blob GET.</summary>
public static class HttpRanges
{
    /// <summary>
    /// An upload chunk's Content-Range: "start-end" (inclusive, as the spec writes it) or
    /// "bytes start-end/total"; null when absent, which means "append".
    /// </summary>
    public static ContentRange? ParseContentRange(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim();
        if (text.StartsWith("bytes ", StringComparison.Ordinal)) text = text[6..].Trim();
        var slash = text.IndexOf('/');
        if (slash >= 0) text = text[..slash];
        var dash = text.IndexOf('-');
        if (dash <= 0 || !TryParseOffset(text[..dash], out var start) || !TryParseOffset(text[(dash + 1)..], out var end) || end < start)
            throw RegistryError.UploadInvalid($"invalid Content-Range \"{value}\"");
        return new ContentRange(start, end);
    }

    /// <summary>
    /// A blob GET's Range header against a blob of <paramref name="size"/> bytes: null to send the
    /// whole blob (no header, another unit, several ranges or unparsable syntax, which RFC 9110 lets a
    /// server ignore), a range to send (clipped to the end), or <see cref="Unsatisfiable"/>.
    /// </summary>
    public static ContentRange? ParseRange(string? value, long size)
    {
        if (string.IsNullOrWhiteSpace(value) || !value.StartsWith("bytes=", StringComparison.Ordinal)) return null;
        var spec = value[6..].Trim();
        if (spec.Contains(',')) return null;
        var dash = spec.IndexOf('-');
        if (dash < 0) return null;
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            // Suffix: the last N bytes.
            if (!TryParseOffset(last, out var suffix)) return null;
            if (suffix == 0 || size == 0) return Unsatisfiable;
            return new ContentRange(Math.Max(0, size - suffix), size - 1);
        }
        if (!TryParseOffset(first, out var start)) return null;
        long end = size - 1;
        if (last.Length > 0 && !TryParseOffset(last, out end)) return null;
        if (start >= size || end < start) return Unsatisfiable;
        return new ContentRange(start, Math.Min(end, size - 1));
    }

    /// <summary>Marker for a range that cannot be served (416).</summary>
    public static readonly ContentRange Unsatisfiable = new(-1, -2);

    private static bool TryParseOffset(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
